"""OUT/manifest.json: what the backup holds, chat by chat, replaced atomically."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui import __version__
from tgtui.backup.files import write_json_atomically
from tgtui.backup.schema import SCHEMA_VERSION


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
        self._stored_account: object = None
        if load:
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.created = str(data.get("created", self.created))
            self._stored_account = data.get("account")
            for item in data.get("chats", []):
                entry = ChatEntry(**item)
                self.chats[entry.id] = entry
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            # The per-chat files are the truth; the manifest is rebuilt as chats finish.
            logger.warning("{}: unreadable ({}); it will be rewritten", self.path, exc)

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
        if time.monotonic() - self._saved_at >= min_interval:
            self.save()

    def flush(self) -> None:
        """Write the manifest if anything changed since the last write (a chat, or the
        account's name)."""
        if self._dirty or self.account != self._stored_account:
            self.save()

    def save(self) -> None:
        """Write manifest.json atomically."""
        self._dirty = False
        self._saved_at = time.monotonic()
        self._stored_account = self.account
        write_json_atomically(
            self.path,
            {
                "schema_version": SCHEMA_VERSION,
                "tool": f"tgtui {__version__}",
                "created": self.created,
                "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "account": self.account,
                "chats": [asdict(c) for c in sorted(self.chats.values(), key=lambda c: c.name)],
            },
        )
