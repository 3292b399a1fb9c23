"""A chat's saved versions, read: its first versions (messages.jsonl), later versions
(edits.jsonl) and deletions on Telegram (deleted.jsonl), and the chat as it is now.

What the files hold (SCHEMA.md, "edits.jsonl and deleted.jsonl"):

- `messages.jsonl`: each message's first version, exactly once, ids ascending, append-only;
- `edits.jsonl`: one line per later version of a message, the whole record (its `edited` field
  is when that version was made), each version exactly once;
- `deleted.jsonl`: one line per message deleted on Telegram: `id`, `deleted` (when tgtui
  noticed, ISO 8601 UTC) and `noticed_by`, each message at most once.

`latest_view` gives a chat as it is now: first versions, with the latest version in their
place (and the number of versions), and deleted messages marked, never dropped. The writer
of these files is `tgtui.backup.versions.Versions`; nothing here imports the engine.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.format.jsonl import after_last_newline
from tgtui.format.records import carry_file, record_id
from tgtui.portable import open_fd, pread

EDITS = "edits.jsonl"
DELETED = "deleted.jsonl"
JSONL = "messages.jsonl"

NOTICED_BY = ("channel difference", "account difference", "re-check", "live update")


def saved_records(path: Path) -> Iterator[dict[str, Any]]:
    """The whole, readable records of a JSONL file (a damaged line is skipped, logged)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as exc:  # a folder or a device planted there: the integrity check's job
        logger.warning("{}: cannot be read ({})", path, exc.strerror or exc)
        return
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                break  # a torn last line: cut on the next open
            parsed = record_id(line)
            if parsed is None:
                logger.warning("{}: line {} is not a message record; skipped", path, number)
                continue
            yield parsed[1]


def version_key(record: dict[str, Any]) -> tuple[int, str, str]:
    """What makes a version one version: its message id, when it was edited and its text.
    Telegram's edit dates are in whole seconds: two edits within one second share a date,
    and the text tells them apart (the later one is written later, and shown)."""
    return int(record["id"]), str(record.get("edited_unixtime") or ""), str(record.get("text"))


def find_record(jsonl: Path, message_id: int) -> dict[str, Any] | None:
    """The saved record of ``message_id`` in a messages.jsonl (ids ascending), found by
    bisecting the file's bytes: a few reads, whatever its size. None if it is not there."""
    try:
        fd = open_fd(jsonl, os.O_RDONLY)
    except OSError:  # missing, or not a file: nothing can be found in it
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        low, high = 0, info.st_size
        while low < high:
            middle = (low + high) // 2
            start = after_last_newline(fd, middle, CHUNK)
            record = _record_at(fd, start)
            if record is None:
                return None  # a damaged line: the integrity check deals with it
            if int(record["id"]) == message_id:
                return record
            if int(record["id"]) < message_id:
                low = _line_end(fd, start) + 1
            else:
                high = start
        return None
    finally:
        os.close(fd)


CHUNK = 4096  # lines are a few hundred bytes: small reads find their ends


def _line_end(fd: int, start: int) -> int:
    """Offset of the newline ending the line that starts at ``start``."""
    position = start
    while True:
        data = pread(fd, CHUNK, position)
        if not data:
            return position
        cut = data.find(b"\n")
        if cut >= 0:
            return position + cut
        position += len(data)


def _record_at(fd: int, start: int) -> dict[str, Any] | None:
    parsed = record_id(pread(fd, _line_end(fd, start) - start, start))
    return None if parsed is None else parsed[1]


@dataclass
class Changes:
    """What happened to a chat's saved messages: every later version (in the order saved)
    and when each deleted one was noticed."""

    versions: dict[int, list[dict[str, Any]]]
    deleted: dict[int, str]

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` (a first version) as it is now: its latest version, with ``versions``
        (how many there are) when edited, and ``deleted_on_telegram`` when deleted."""
        message_id = record.get("id")
        if not isinstance(message_id, int):
            return record
        later = self.versions.get(message_id)
        gone = self.deleted.get(message_id)
        if later is None and gone is None:
            return record
        shown = dict(self.history(record)[-1] if later else record)
        if later:
            shown["versions"] = len(later) + 1
        if gone is not None:
            shown["deleted_on_telegram"] = gone
        return shown

    def history(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Every version of a message, oldest first: by when it was edited, and of two made
        in the same second the one saved later is the later. (A version can be saved after
        a newer one: a copy that read the message after its edit, then a difference that
        names the edit.) A version with the media an earlier version saved keeps its file
        (`tgtui.format.records.carry_file`)."""
        message_id = record.get("id")
        later = self.versions.get(message_id, []) if isinstance(message_id, int) else []
        if not later:
            return [record]
        # A stable sort: the first version, saved before any of its edits, stays first
        # among versions of the same second, and edits keep the order they were saved in.
        ordered = sorted([record, *later], key=_when)
        shown = [ordered[0]]
        for version in ordered[1:]:
            shown.append(carry_file(shown[-1], version))
        return shown


def _when(record: dict[str, Any]) -> int:
    try:
        return int(record.get("edited_unixtime") or 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def load_changes(folder: Path) -> Changes:
    """The edits and deletions saved in a chat's folder (both small: read whole)."""
    versions: dict[int, list[dict[str, Any]]] = {}
    for record in saved_records(folder / EDITS):
        versions.setdefault(int(record["id"]), []).append(record)
    deleted = {int(r["id"]): str(r.get("deleted", "")) for r in saved_records(folder / DELETED)}
    return Changes(versions, deleted)


def latest_view(folder: Path) -> Iterator[dict[str, Any]]:
    """The chat in ``folder`` as it is now, in id order: each saved message in its latest
    version, with ``versions`` (how many there are, when more than one) and, for one deleted
    on Telegram, ``deleted_on_telegram`` (when tgtui noticed). For the reader and exports."""
    changes = load_changes(folder)
    for record in saved_records(folder / JSONL):
        yield changes.apply(record)
