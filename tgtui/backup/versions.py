"""What happened to saved messages later, written: their edits and their deletion on Telegram.

`messages.jsonl` keeps each message's first version, exactly once, and is only appended to.
Next to it:

- `edits.jsonl`: one line per later version of a message, the whole record as `to_record`
  makes it (its `edited` field is when that version was made), each version exactly once;
- `deleted.jsonl`: one line per message deleted on Telegram: `id`, `deleted` (when tgtui
  noticed, ISO 8601 UTC) and `noticed_by` (``channel difference``, ``account difference``,
  ``re-check`` or ``live update``), each message at most once.

Both are written like messages.jsonl (`BatchWriter`: fsynced batches, a torn last line cut on
open), and what they hold is read back on open, so a version or deletion seen twice (a run
stopped before its checkpoint moved on, a difference fetched again) is written once.

Reading them (`latest_view`, `load_changes`, `find_record`) is `tgtui.format.versions`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tgtui.backup.writer import BatchWriter
from tgtui.format.records import carry_file, same_media
from tgtui.format.versions import DELETED, EDITS, JSONL, saved_records, version_key

FileFor = Callable[[dict[str, Any]], str | None]  # where a version's own media file goes

__all__ = ["DELETED", "EDITS", "JSONL", "Versions"]


class Versions:
    """A chat's edits.jsonl and deleted.jsonl, open for appending (see the module's doc)."""

    def __init__(self, folder: Path, file_for: FileFor | None = None) -> None:
        self.folder = folder
        # A version whose media is not the one an earlier version has (Telegram replaced
        # the photo or file): where its own file goes, None if the media choice leaves it out.
        self.file_for = file_for
        self.with_media: dict[int, list[dict[str, Any]]] = {}  # later versions with media
        # Each file is made by its first line (SCHEMA.md: "only if any").
        self.edits = BatchWriter(folder / EDITS, batch_size=100_000, max_age=1e9, lazy=True)
        self.deletions = BatchWriter(folder / DELETED, batch_size=100_000, max_age=1e9, lazy=True)
        self.seen_versions: set[tuple[int, str, str]] = set()
        self.seen_deleted: set[int] = set()
        self.added_versions = 0
        self.added_deleted = 0

    def open(self) -> Versions:
        """Open both files (repairing a torn tail) and learn what they hold."""
        self.edits.open()
        self.deletions.open()
        self.seen_versions = set()
        for record in saved_records(self.folder / EDITS):
            self.seen_versions.add(version_key(record))
            if record.get("media_type"):
                self.with_media.setdefault(int(record["id"]), []).append(record)
        self.seen_deleted = {int(r["id"]) for r in saved_records(self.folder / DELETED)}
        return self

    def edited(self, record: dict[str, Any], first: dict[str, Any] | None = None) -> bool:
        """Keep ``record`` as a later version, unless it is already kept or is the version
        ``first`` (the saved first version) already holds. True if it was new."""
        key = version_key(record)
        if key in self.seen_versions or (first is not None and version_key(first) == key):
            return False
        self.seen_versions.add(key)
        record = self._with_file(record, first)
        if record.get("media_type"):
            self.with_media.setdefault(key[0], []).append(record)
        self.edits.add(record)
        self.added_versions += 1
        return True

    def _with_file(self, record: dict[str, Any], first: dict[str, Any] | None) -> dict[str, Any]:
        """``record`` with the file it has on disk: the one an earlier version with the same
        media saved (a caption edited keeps its photo), or a file of its own to fetch when
        Telegram replaced the media (and the media choice wants it)."""
        if "file" in record or not record.get("media_type"):
            return record
        earlier = [
            *([first] if first is not None else []),
            *self.with_media.get(int(record["id"]), []),
        ]
        for candidate in reversed(earlier):
            if same_media(candidate, record):
                return carry_file(candidate, record)  # its file, or none if it was left out
        path = self.file_for(record) if self.file_for is not None else None
        return {**record, "file": path} if path else record

    def deleted(self, message_id: int, noticed_by: str) -> bool:
        """Mark message ``message_id`` deleted on Telegram (once). True if it was new."""
        if message_id in self.seen_deleted:
            return False
        self.seen_deleted.add(message_id)
        now = dt.datetime.now(dt.UTC)
        self.deletions.add(
            {
                "id": message_id,
                "deleted": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "deleted_unixtime": str(int(now.timestamp())),
                "noticed_by": noticed_by,
            }
        )
        self.added_deleted += 1
        return True

    def flush(self) -> None:
        """Write what is buffered, fsynced (before any checkpoint says it was seen)."""
        self.edits.flush()
        self.deletions.flush()

    def close(self) -> None:
        """Flush and close both files."""
        try:
            self.edits.close()
        finally:
            self.deletions.close()
