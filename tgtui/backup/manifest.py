"""OUT/manifest.json: what the backup holds, chat by chat, replaced atomically."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui import __version__
from tgtui.backup.files import write_json_atomically
from tgtui.backup.schema import SCHEMA_VERSION
from tgtui.format.records import peer_id
from tgtui.format.safe_files import MANIFEST_MAX, read_json

SAVE_SHARE = 20  # the manifest is written at most 1/SAVE_SHARE of the time (`Manifest.update`)


@dataclass
class ChatEntry:
    """One chat in the manifest."""

    id: int
    name: str
    type: str
    path: str  # the chat's folder, relative to the backup folder
    messages: int
    media_files: int
    media_failed: int
    status: str  # complete / partial / skipped / failed
    reason: str | None
    last_id: int
    updated: str


class Manifest:
    """The manifest of one backup folder; entries of chats not in this run are kept."""

    def __init__(self, out: Path, account: dict[str, Any], *, load: bool = True) -> None:
        self.path = out / "manifest.json"
        self.account = account
        self.chats: dict[int, ChatEntry] = {}
        self.created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._dirty = False
        self._saved_at = float("-inf")
        self._save_took = 0.0  # seconds the last write took
        self._stored_account: object = None
        if load:
            self._load()

    def _load(self) -> None:
        """Read the manifest the one safe way (`tgtui.format.safe_files`: a FIFO or a link
        planted there is not followed); an entry that is not a chat tgtui wrote is dropped,
        the others kept. The per-chat files are the truth: what is dropped is rewritten as
        its chat finishes."""
        try:
            data = read_json(self.path, MANIFEST_MAX)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            logger.warning("{}: unreadable ({}); it will be rewritten", self.path, exc)
            return
        if not isinstance(data, dict):
            logger.warning("{}: not a manifest; it will be rewritten", self.path)
            return
        self.created = str(data.get("created", self.created))
        self._stored_account = data.get("account")
        chats = data.get("chats")
        for item in chats if isinstance(chats, list) else []:
            try:
                entry = ChatEntry(**item)
            except TypeError as exc:  # not an object, or other fields than tgtui's
                logger.warning("{}: a chat entry is not one tgtui wrote ({})", self.path, exc)
                continue
            if peer_id(entry.id) is None or not isinstance(entry.path, str):
                logger.warning("{}: a chat entry has no usable id or folder", self.path)
                continue
            self.chats[entry.id] = entry

    def update(self, entry: ChatEntry, *, min_interval: float = 1.0) -> None:
        """Record a chat's state; write the manifest if the last write is ``min_interval`` old.

        The engine calls `save` when the run ends (or stops), so the file is always current
        then; in between it is at most a second behind (per-chat state files are exact).
        """
        before = self.chats.get(entry.id)
        if before is not None and replace(before, updated=entry.updated) == entry:
            return  # nothing changed: a run with nothing new leaves the manifest as it is
        self.chats[entry.id] = entry
        self._dirty = True
        # A big backup's manifest takes a while to write (10,000 chats: 20 ms): written at
        # most a twentieth of the time, however many chats it lists.
        if time.monotonic() - self._saved_at >= max(min_interval, SAVE_SHARE * self._save_took):
            self.save()

    def flush(self) -> None:
        """Write the manifest if anything changed since the last write (a chat, or the
        account's name)."""
        if self._dirty or self.account != self._stored_account:
            self.save()

    def save(self) -> None:
        """Write manifest.json atomically."""
        began = time.monotonic()
        self._dirty = False
        self._stored_account = self.account
        write_json_atomically(
            self.path,
            {
                "schema_version": SCHEMA_VERSION,
                "tool": f"tgtui {__version__}",
                "created": self.created,
                "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "account": self.account,
                # Each entry's fields in their order (`vars`: `asdict` deep-copies each
                # value, a third of the time of a manifest of many chats).
                "chats": [vars(c) for c in sorted(self.chats.values(), key=lambda c: c.name)],
            },
        )
        self._saved_at = time.monotonic()
        self._save_took = self._saved_at - began
