"""What is on disk, checked before each run: a chat's messages.jsonl and its media files.

A backup can be damaged after it was written: a disk error, a sync tool, a person editing the
file. Each run scans every line of a chat's JSONL (it must parse, carry an integer id, and the
ids must rise strictly) and looks at every media file a line names (it must be inside the chat
folder, exist and have the recorded size). What is wrong is described in a `Scan`; the engine
then rewrites the file in order (`rewrite`) and fetches what is missing again from Telegram.
Lines that cannot be read are never thrown away: they go to ``messages.jsonl.damaged``.
"""

from __future__ import annotations

import os
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.backup.files import fsync_dir, open_new, open_to_write
from tgtui.format.records import FILE_MARK, media_path_problem, record_id
from tgtui.format.safe_files import MAX_LINE, open_lines, read_lines
from tgtui.i18n import N_plural, counted

DAMAGED_SUFFIX = ".damaged"


@dataclass
class Scan:
    """What one chat's messages.jsonl holds, and what is wrong with it."""

    records: int = 0  # lines that are message records (duplicates included)
    last_id: int = 0  # the highest id
    bad_lines: int = 0  # lines that do not parse or have no id
    duplicates: int = 0  # records whose id came before
    out_of_order: int = 0  # records with an id below the one before (duplicates included)
    gaps: list[tuple[int, int]] = field(default_factory=list)  # ids between which lines broke
    damaged_files: dict[int, str] = field(default_factory=dict)  # message id -> what is wrong
    unsafe_files: dict[int, str] = field(default_factory=dict)  # message id -> why refused
    absent_files: list[int] = field(default_factory=list)  # named, not on disk (yet, or lost)
    ids: array[int] = field(default_factory=lambda: array("q"))
    offsets: array[int] = field(default_factory=lambda: array("q"))

    @property
    def needs_rewrite(self) -> bool:
        """Whether the file must be rewritten (bad lines, duplicates or disorder)."""
        return bool(self.bad_lines or self.out_of_order)

    def problems(self) -> list[str]:
        """What was found, in the user's words."""
        counts = (
            (N_plural("{count} damaged line", "{count} damaged lines"), self.bad_lines),
            (
                N_plural("{count} repeated message", "{count} repeated messages"),
                self.duplicates,
            ),
            (
                N_plural("{count} message out of order", "{count} messages out of order"),
                self.out_of_order - self.duplicates,
            ),
            (
                N_plural(
                    "{count} deleted or changed media file",
                    "{count} deleted or changed media files",
                ),
                len(self.damaged_files),
            ),
            (
                N_plural(
                    "{count} file path outside the chat folder",
                    "{count} file paths outside the chat folder",
                ),
                len(self.unsafe_files),
            ),
        )
        return [counted(*words, count) for words, count in counts if count]

    def tally(self) -> str:
        """What was found, for the log (English, figures only)."""
        return (
            f"{self.bad_lines} bad lines, {self.duplicates} duplicates, {self.out_of_order} "
            f"out of order, {len(self.damaged_files)} damaged files, "
            f"{len(self.unsafe_files)} unsafe paths"
        )


CHUNK = 1 << 20


def lines_naming_files(handle: Any) -> Iterator[bytes]:
    """The lines that contain FILE_MARK, found by searching 1 MiB at a time (most lines
    name no file, and are never split into lines at all). A line longer than `MAX_LINE`
    is not a record tgtui writes: it is skipped without being held."""
    tail = b""
    skipping = False  # in a line too long to be a record, until its newline
    while chunk := handle.read(CHUNK):
        data = tail + chunk
        end = data.rfind(b"\n") + 1
        data, tail = data[:end], data[end:]
        if skipping and end:
            data, skipping = data[data.find(b"\n") + 1 :], False
        elif skipping:
            tail = b""
            continue
        if len(tail) > MAX_LINE:
            tail, skipping = b"", True
        at = data.find(FILE_MARK)
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            stop = data.find(b"\n", at) + 1
            yield data[start:stop]
            at = data.find(FILE_MARK, stop)
    if FILE_MARK in tail:
        yield tail


def scan(jsonl: Path, folder: Path, *, lines: bool = True) -> Scan:
    """Look at every media file ``jsonl`` names; with ``lines``, check every line too.

    Without ``lines`` (a file unchanged since tgtui wrote it) only the lines naming a file
    are parsed, which makes the check a fraction of a full read. The caller has cut a torn
    last line off already (`tgtui.backup.writer.repair_tail`).
    """
    result = Scan()
    broken_after: int | None = None  # a bad line was seen after this id
    try:
        handle = open_lines(jsonl, 1 << 20)  # a regular file, no link followed, no wait
    except FileNotFoundError:
        return result
    with handle:
        if not lines:
            for line in lines_naming_files(handle):
                if (parsed := record_id(line)) is not None:
                    _check_file(result, folder, *parsed)
            return result
        for offset, _end, raw in read_lines(handle):
            parsed = None if raw is None else record_id(raw)  # None: too long to be one
            if parsed is None:
                result.bad_lines += 1
                if broken_after is None:
                    broken_after = result.last_id
                continue
            message_id, record = parsed
            if broken_after is not None:
                result.gaps.append((broken_after, message_id))
                broken_after = None
            if message_id <= result.last_id:
                result.out_of_order += 1
            result.last_id = max(result.last_id, message_id)
            result.records += 1
            result.ids.append(message_id)
            result.offsets.append(offset)
            _check_file(result, folder, message_id, record)
    if broken_after is not None:
        result.gaps.append((broken_after, 0))  # 0: up to the newest message
    if result.out_of_order:
        result.duplicates = len(result.ids) - len(set(result.ids))
    return result


def _check_file(result: Scan, folder: Path, message_id: int, record: dict[str, Any]) -> None:
    if record.get("file") is None:
        return
    problem = media_path_problem(record["file"])
    if problem is not None:
        result.unsafe_files[message_id] = problem
        return
    try:
        info = os.stat(os.path.join(folder, record["file"]))
    except OSError:
        result.absent_files.append(message_id)  # not saved yet, failed, or deleted since
        return
    size = record.get("file_size")
    if isinstance(size, int) and info.st_size != size:
        result.damaged_files[message_id] = "its size differs from the recorded size"


def rewrite(jsonl: Path, found: Scan, extra: Iterable[tuple[int, bytes]]) -> int:
    """Rewrite ``jsonl`` with every message once, in id order, plus ``extra`` (id, line).

    Lines that cannot be read are appended to ``messages.jsonl.damaged`` first, so nothing
    the file held is lost. The new file replaces the old atomically. Returns its line count.
    """
    extra_lines = dict(extra)
    order = sorted(range(len(found.ids)), key=found.ids.__getitem__)
    temp = jsonl.with_name(f".{jsonl.name}.tmp")
    written = 0
    seen_last = 0
    with open_lines(jsonl) as source:
        if found.bad_lines:
            _keep_damaged(source, jsonl, found)
        present = set(found.ids)
        pending = deque(sorted(i for i in extra_lines if i not in present))
        fd = open_new(temp)
        with os.fdopen(fd, "wb") as out:
            for index in order:
                message_id = found.ids[index]
                if message_id == seen_last:
                    continue  # a repeat: the first copy was written
                while pending and pending[0] < message_id:
                    out.write(extra_lines[pending.popleft()])
                    written += 1
                source.seek(found.offsets[index])
                out.write(source.readline())
                written += 1
                seen_last = message_id
            for message_id in pending:
                out.write(extra_lines[message_id])
                written += 1
            out.flush()
            os.fsync(out.fileno())
    os.replace(temp, jsonl)
    fsync_dir(jsonl.parent)
    logger.info("{}: rewritten in order, {} messages", jsonl, written)
    return written


def _keep_damaged(source: Any, jsonl: Path, found: Scan) -> None:
    """Append the lines that are not records to ``<jsonl>.damaged`` (fsynced)."""
    source.seek(0)
    keep = jsonl.with_name(jsonl.name + DAMAGED_SUFFIX)
    fd = open_to_write(keep, append=True)
    with os.fdopen(fd, "ab") as out:
        for start, end, line in read_lines(source):
            if line is None:  # longer than any record: copied a piece at a time, never whole
                _copy_span(source, out, start, end)
                source.seek(end)
            elif record_id(line) is None:
                out.write(line if line.endswith(b"\n") else line + b"\n")
        out.flush()
        os.fsync(out.fileno())
    source.seek(0)


def _copy_span(source: Any, out: Any, start: int, end: int) -> None:
    """Copy bytes [start, end) of ``source`` to ``out`` in chunks (a newline ends it)."""
    source.seek(start)
    left = end - start
    last = b""
    while left > 0 and (piece := source.read(min(CHUNK, left))):
        out.write(piece)
        last = piece
        left -= len(piece)
    if not last.endswith(b"\n"):
        out.write(b"\n")
