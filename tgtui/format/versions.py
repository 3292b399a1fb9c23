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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.format.jsonl import KEPT, after_last_newline
from tgtui.format.records import carry_file, record_id, unixtime
from tgtui.format.safe_files import (
    MAX_LINE,
    SIDE_FILE_MAX,
    open_lines,
    open_regular,
    read_lines,
    too_big,
)
from tgtui.i18n import _, ngettext
from tgtui.i18n import number as number_text
from tgtui.lazylog import logger
from tgtui.portable import pread

EDITS = "edits.jsonl"
DELETED = "deleted.jsonl"
JSONL = "messages.jsonl"

NOTICED_BY = ("channel difference", "account difference", "re-check", "live update")


def saved_records(path: Path, *, max_bytes: int | None = None) -> Iterator[dict[str, Any]]:
    """The whole, readable records of a JSONL file (a damaged line is skipped, logged).

    The file is opened the one safe way (`tgtui.format.safe_files`): a link, a FIFO or a
    device is not read (logged), nor is a file bigger than ``max_bytes`` when given, and a
    line longer than `MAX_LINE` is a damaged line."""
    yield from _records(path, max_bytes, None)


def _records(
    path: Path, max_bytes: int | None, damaged: list[str] | None
) -> Iterator[dict[str, Any]]:
    """`saved_records`; each line left out, as "NAME: line N", appended to ``damaged`` (the
    first `KEPT` of them; the others are counted in one more entry: a stranger's file of a
    hundred million bad lines costs no more than one of twenty)."""
    try:
        handle = open_lines(path)
    except FileNotFoundError:
        return
    except OSError as exc:  # a folder, FIFO, device or link planted there
        logger.warning("{}: not read ({})", path, exc.strerror or exc)
        if damaged is not None:
            damaged.append(
                _("{file} is not read: {reason}").format(file=path.name, reason=exc.strerror or exc)
            )
        return
    with handle:
        if max_bytes is not None and os.fstat(handle.fileno()).st_size > max_bytes:
            logger.warning("{}: more than {:,} bytes; not read", path, max_bytes)
            if damaged is not None:
                damaged.append(
                    _("{file} is not read: {reason}").format(
                        file=path.name, reason=too_big(max_bytes)
                    )
                )
            return
        more = 0  # damaged lines past the first `KEPT`
        for number, (_start, _end, line) in enumerate(read_lines(handle), start=1):
            if line is not None and not line.endswith(b"\n"):
                break  # a torn last line: cut on the next open
            parsed = None if line is None else record_id(line)
            if parsed is None:
                if damaged is not None and more == 0 and len(damaged) < KEPT:
                    logger.warning("{}: line {} is not a message record; skipped", path, number)
                    damaged.append(
                        _("{file} line {number} is damaged (not a record tgtui saved)").format(
                            file=path.name, number=number
                        )
                    )
                else:
                    more += 1
                continue
            yield parsed[1]
        if more:
            logger.warning("{}: {} more lines are not message records; skipped", path, more)
        if more and damaged is not None:
            damaged.append(
                ngettext(
                    "{file}: {count} more damaged line (not a record tgtui saved)",
                    "{file}: {count} more damaged lines (not a record tgtui saved)",
                    more,
                ).format(file=path.name, count=number_text(more))
            )


def version_key(record: dict[str, Any]) -> tuple[int, str, str]:
    """What makes a version one version: its message id, when it was edited and its text.
    Telegram's edit dates are in whole seconds: two edits within one second share a date,
    and the text tells them apart (the later one is written later, and shown)."""
    return int(record["id"]), str(record.get("edited_unixtime") or ""), str(record.get("text"))


def find_record(jsonl: Path, message_id: int) -> dict[str, Any] | None:
    """The saved record of ``message_id`` in a messages.jsonl (ids ascending), found by
    bisecting the file's bytes: a few reads, whatever its size. None if it is not there."""
    try:
        fd = open_regular(jsonl)
    except OSError:  # missing, or not a regular file: nothing can be found in it
        return None
    try:
        info = os.fstat(fd)
        low, high = 0, info.st_size
        while low < high:
            middle = (low + high) // 2
            start = after_last_newline(fd, middle, CHUNK)
            record = record_at(fd, start)
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
    """Offset of the newline ending the line that starts at ``start`` (looked for as far as
    `MAX_LINE`: a line longer than that ends, for this, where the search stopped)."""
    position = start
    while position - start <= MAX_LINE:
        data = pread(fd, CHUNK, position)
        if not data:
            return position
        cut = data.find(b"\n")
        if cut >= 0:
            return position + cut
        position += len(data)
    return position


def record_at(fd: int, start: int) -> dict[str, Any] | None:
    """The message record whose line starts at byte ``start`` of ``fd`` (None if that line
    is damaged, or longer than any line tgtui writes)."""
    end = _line_end(fd, start)
    if end - start > MAX_LINE:
        return None  # not a line tgtui writes: damaged
    parsed = record_id(pread(fd, end - start, start))
    return None if parsed is None else parsed[1]


@dataclass
class Changes:
    """What happened to a chat's saved messages: every later version (in the order saved)
    and when each deleted one was noticed; ``damaged`` names the lines (or files) of
    edits.jsonl and deleted.jsonl that could not be read, which are left out."""

    versions: dict[int, list[dict[str, Any]]]
    deleted: dict[int, str]
    damaged: list[str] = field(default_factory=list)

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
    return unixtime(record.get("edited_unixtime")) or 0


def load_changes(folder: Path) -> Changes:
    """The edits and deletions saved in a chat's folder (both small: read whole, each up
    to `SIDE_FILE_MAX`; a bigger one is left out and named in ``damaged``)."""
    damaged: list[str] = []
    versions: dict[int, list[dict[str, Any]]] = {}
    for record in _records(folder / EDITS, SIDE_FILE_MAX, damaged):
        versions.setdefault(int(record["id"]), []).append(record)
    deleted: dict[int, str] = {}
    for record in _records(folder / DELETED, SIDE_FILE_MAX, damaged):
        when = record.get("deleted")
        deleted[int(record["id"])] = when if isinstance(when, str) else ""
    return Changes(versions, deleted, damaged)


def latest_view(folder: Path) -> Iterator[dict[str, Any]]:
    """The chat in ``folder`` as it is now, in id order: each saved message in its latest
    version, with ``versions`` (how many there are, when more than one) and, for one deleted
    on Telegram, ``deleted_on_telegram`` (when tgtui noticed). For the reader and exports."""
    changes = load_changes(folder)
    for record in saved_records(folder / JSONL):
        yield changes.apply(record)
