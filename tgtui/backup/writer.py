"""The batch writer: one chat's messages.jsonl, appended a batch at a time.

Records are buffered and written per batch (a count or an age, whichever comes first) with a
single write, then flushed and fsynced: never a file opened per message. A crash can leave at
most a torn last line, which `open` cuts off; a failed write (disk full) is rolled back to the
last whole batch. So every line in the file is a whole message, written exactly once.
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import orjson
from loguru import logger

from tgtui.backup.files import make_private_dir, open_to_write, write_all
from tgtui.format.jsonl import after_last_newline
from tgtui.format.records import record_id
from tgtui.portable import pread

# Write errors no other file will escape either: the whole backup stops on them.
RUN_STOPPING_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


class BackupWriteError(Exception):
    """Writing a backup file failed (disk full, permissions...); the message says where."""

    def __init__(self, path: Path, error: OSError) -> None:
        reason = error.strerror or str(error)
        super().__init__(f"Cannot write {path}: {reason}")
        self.path = path
        self.error = error

    @property
    def stops_run(self) -> bool:
        """Whether every chat would fail the same way (disk full, read-only, I/O error)."""
        return self.error.errno in RUN_STOPPING_ERRNOS


def _cut(fd: int, path: Path, size: int, keep: int, what: str) -> int:
    logger.warning("{}: cut {} ({} bytes)", path, what, size - keep)
    os.ftruncate(fd, keep)
    os.fsync(fd)
    return keep


def repair_tail(path: Path) -> int | None:
    """Cut a torn last line (one without its newline: a write a crash cut short) off
    ``path``; return the id of the last readable record (None when there is none).

    A whole line that is not a record is not cut: the integrity check keeps it in
    messages.jsonl.damaged (lines are never thrown away). Only the end of a file can be torn
    (it is written append-only), so only the end is read.
    """
    fd = open_to_write(path, read=True)  # never a link's target, nor a FIFO
    try:
        size = os.fstat(fd).st_size
        if size and pread(fd, 1, size - 1) != b"\n":
            size = _cut(fd, path, size, after_last_newline(fd, size), "a torn last line")
        return last_record_id(fd, size)
    finally:
        os.close(fd)


def last_record_id(fd: int, end: int) -> int | None:
    """The id of the last readable record among the whole lines before ``end`` of ``fd``,
    read backwards a line at a time (unreadable lines at the end are passed over)."""
    while end > 0:
        start = after_last_newline(fd, end - 1)
        parsed = record_id(pread(fd, end - start, start))
        if parsed is not None:
            return parsed[0]
        end = start
    return None


# Characters some line splitters take for a line end (Python's str.splitlines, old
# JavaScript), as UTF-8: written as JSON escapes, so a record is one line for every reader.
# (Neither sequence can occur inside another character's UTF-8.)
_LINE_BREAKERS = (
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
    (b"\xc2\x85", b"\\u0085"),
)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as None, as orjson writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def encode_record(record: dict[str, Any]) -> bytes:
    """One record as its JSONL line (compact UTF-8 JSON, newline-terminated, no other line
    breaker).

    orjson writes it (a backup encodes millions of records: 2-3x the standard library's
    speed); what orjson refuses (a lone surrogate, an integer past 64 bits) is written by
    the standard library with every non-ASCII character escaped, so a line is always valid
    UTF-8 JSON. NaN and infinities, which JSON has no words for, become null.
    """
    try:
        data = orjson.dumps(record)
    except orjson.JSONEncodeError:
        data = json.dumps(_finite(record), separators=(",", ":")).encode()
    if not data.isascii():
        for raw, escaped in _LINE_BREAKERS:
            if raw in data:
                data = data.replace(raw, escaped)
    # A copy, not orjson's OPT_APPEND_NEWLINE: orjson's own bytes keep its whole write
    # buffer (some 4 KiB each), and a batch holds hundreds of lines.
    return data + b"\n"


class BatchWriter:
    """Appends records to a JSONL file in fsynced batches."""

    def __init__(
        self, path: Path, *, batch_size: int = 500, max_age: float = 2.0, lazy: bool = False
    ) -> None:
        self.path = path
        self.batch_size = batch_size
        self.max_age = max_age
        # lazy: the file is made by the first batch that has something in it, not by open
        # (files that exist only if something happened, such as edits.jsonl).
        self.lazy = lazy
        self._opened = False
        self.last_id: int | None = None  # the last record safely on disk
        self._buffer: list[bytes] = []
        self._buffer_last_id: int | None = None
        self._oldest: float | None = None
        self._fd: int | None = None

    def open(self) -> int | None:
        """Open (creating, or repairing a torn tail); return the last id already on disk.
        A lazy writer only repairs a file that exists; the first batch creates it."""
        self._opened = True
        try:
            if self.path.exists():
                self.last_id = repair_tail(self.path)
            elif self.lazy:
                return None
            self._create()
        except OSError as exc:
            raise BackupWriteError(self.path, exc) from exc
        return self.last_id

    def _create(self) -> None:
        make_private_dir(self.path.parent, tighten=False)  # the folder tightens it
        self._fd = open_to_write(self.path, append=True)  # a link planted there is refused

    def add(self, record: dict[str, Any]) -> bool:
        """Buffer one record; True when the batch is full or old enough to flush."""
        buffer = self._buffer
        buffer.append(encode_record(record))
        self._buffer_last_id = int(record["id"])
        now = time.monotonic()
        oldest = self._oldest
        if oldest is None:
            self._oldest = oldest = now
        return len(buffer) >= self.batch_size or now - oldest >= self.max_age

    def due(self) -> bool:
        """Whether the buffered batch should be written now."""
        if not self._buffer:
            return False
        age = time.monotonic() - (self._oldest or time.monotonic())
        return len(self._buffer) >= self.batch_size or age >= self.max_age

    @property
    def pending(self) -> int:
        """Records buffered, not yet on disk."""
        return len(self._buffer)

    def flush(self) -> int:
        """Write the buffered batch in one write, fsync it; return how many records it held.

        On failure the file is cut back to its last whole batch and BackupWriteError raised;
        the batch stays buffered, so nothing is lost or written twice.
        """
        if not self._buffer:
            return 0
        if self._fd is None and self.lazy and self._opened:
            try:
                self._create()
            except OSError as exc:
                raise BackupWriteError(self.path, exc) from exc
        if self._fd is None:
            raise RuntimeError("BatchWriter.open() was not called")
        data = b"".join(self._buffer)
        before = os.fstat(self._fd).st_size
        try:
            write_all(self._fd, data)
            os.fsync(self._fd)
        except OSError as exc:
            try:
                os.ftruncate(self._fd, before)
            except OSError:
                logger.exception("{}: could not roll back a failed write", self.path)
            raise BackupWriteError(self.path, exc) from exc
        count = len(self._buffer)
        self.last_id = self._buffer_last_id
        self._buffer.clear()
        self._oldest = None
        return count

    def abandon(self) -> None:
        """Close without writing the buffer (after a failure: it is fetched again next run)."""
        self._buffer.clear()
        self._oldest = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        """Flush what is buffered and close."""
        try:
            self.flush()
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
