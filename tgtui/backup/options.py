"""What a backup run is asked to do (`BackupOptions`), and the fault that stops it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tgtui.config import DEFAULT_CONCURRENCY
from tgtui.format.media_paths import NO_MEDIA, MediaFilter
from tgtui.i18n import N_

CANCELLED = N_("cancelled")  # a reason: translated where it is shown
# Follow mode (`tgtui.backup.follow`) and the unattended reports (`tgtui.backup.reporters`),
# here so that the command line's options know them without loading either.
SWEEP = 300.0  # seconds between sweeps of every followed chat
MIN_SWEEP = 1.0  # the least a user may ask for (0 would ask Telegram without a pause)
HEARTBEAT = 30.0  # seconds between summary lines, by default
MIN_HEARTBEAT = 0.1  # the least a user may ask for (0: none): at most 10 lines a second


@dataclass(frozen=True)
class BackupOptions:
    """What to back up and how."""

    out: Path
    since: dt.datetime | None = None  # only messages sent at or after this time
    until: dt.datetime | None = None  # only messages sent before this time
    concurrency: int = DEFAULT_CONCURRENCY  # history requests in flight (chats and windows)
    media: MediaFilter = NO_MEDIA
    files_at_once: int | None = None  # per download queue; None: Telegram's sizes
    verify: bool = False  # check each file against Telegram's hashes (upload.getFileHashes)
    recheck: bool = False  # compare every saved message with Telegram (edits, deletions)
    windows: int = 16  # chunks of one chat fetched at once at most (`tgtui.backup.windows`)
    batch_size: int = 500
    batch_age: float = 2.0
    account: bool = False  # also the account's own data (`tgtui.backup.account_data`)
    account_asked: bool = False  # ... asked for by name (not only as --all's default)
    pictures: bool = True  # thumbnails and userpics (`tgtui.backup.pictures_pass`)


class BackupAborted(Exception):
    """The run cannot go on (disk full, session revoked); files stay consistent."""
