"""The batch writer: one chat's messages.jsonl, appended a batch at a time.

Records are buffered and written per batch (a count or an age, whichever comes first) with a
single write, then flushed and fsynced: never a file opened per message. A crash can leave at
most a torn last line, which `open` cuts off; a failed write (disk full) is rolled back to the
last whole batch. So every line in the file is a whole message, written exactly once.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from json import encoder as json_encoder
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.backup.files import PRIVATE_FILE, make_private_dir
from tgtui.portable import open_fd, pread

TAIL_CHUNK = 64 * 1024


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


def after_last_newline(fd: int, end: int, chunk: int = TAIL_CHUNK) -> int:
    """Offset just past the last newline in the first ``end`` bytes (0 if there is none):
    where the line holding byte ``end`` starts. Read backwards ``chunk`` bytes at a time."""
    while end > 0:
        start = max(0, end - chunk)
        cut = pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = start
    return 0


def _cut(fd: int, path: Path, size: int, keep: int, what: str) -> int:
    logger.warning("{}: cut {} ({} bytes)", path, what, size - keep)
    os.ftruncate(fd, keep)
    os.fsync(fd)
    return keep


def repair_tail(path: Path) -> int | None:
    """Cut a torn or unreadable last line off ``path``; return the last whole record's id.

    None when the file has no record. Only the very end of a file can be torn (it is written
    append-only), so only the end is read.
    """
    fd = open_fd(path, os.O_RDWR)
    try:
        size = os.fstat(fd).st_size
        while size:
            if pread(fd, 1, size - 1) != b"\n":
                size = _cut(fd, path, size, after_last_newline(fd, size), "a torn last line")
                continue
            start = after_last_newline(fd, size - 1)
            line = pread(fd, size - start, start)
            try:
                return int(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                size = _cut(fd, path, size, start, "an unreadable last line")
        return None
    finally:
        os.close(fd)


# Characters some line splitters take for a line end (Python's str.splitlines, old
# JavaScript): written as JSON escapes, so a record is one line for every reader.
_LINE_BREAKERS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _record_encoder() -> Callable[[dict[str, Any]], str]:
    """json.dumps(record, ensure_ascii=False), without what it costs per call.

    `json.dumps` builds an encoder per call, and the encoder a C scanner plus a dict to catch
    circular references; a record is a tree this module's callers build, and a backup encodes
    millions. So the C encoder is made once, without the circular check, and checked to write
    exactly what `json.dumps` writes; where the C encoder is missing (another Python), the
    plain encoder is used.
    """
    plain = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json_encoder, "c_make_encoder", None)  # not in the module's stubs
    if make is None:
        return plain.encode
    scan = make(
        None,  # no circular-reference check
        plain.default,
        json_encoder.encode_basestring,  # as ensure_ascii=False does
        None,
        plain.key_separator,
        plain.item_separator,
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )

    def encode(record: dict[str, Any]) -> str:
        return "".join(scan(record, 0))

    probe = {"id": 1, "text": 'é\u2028"x"', "n": [1.5, None, True], "e": {}}
    return encode if encode(probe) == plain.encode(probe) else plain.encode


_encode = _record_encoder()


def encode_record(record: dict[str, Any]) -> bytes:
    """One record as its JSONL line (UTF-8, newline-terminated, no other line breaker)."""
    text = _encode(record)
    if not text.isascii() and ("\u2028" in text or "\u2029" in text or "\x85" in text):
        text = text.translate(_LINE_BREAKERS)
    return text.encode("utf-8") + b"\n"


class BatchWriter:
    """Appends records to a JSONL file in fsynced batches."""

    def __init__(self, path: Path, *, batch_size: int = 500, max_age: float = 2.0) -> None:
        self.path = path
        self.batch_size = batch_size
        self.max_age = max_age
        self.last_id: int | None = None  # the last record safely on disk
        self._buffer: list[bytes] = []
        self._buffer_last_id: int | None = None
        self._oldest: float | None = None
        self._fd: int | None = None

    def open(self) -> int | None:
        """Open (creating, or repairing a torn tail); return the last id already on disk."""
        try:
            make_private_dir(self.path.parent, tighten=False)  # the folder tightens it
            if self.path.exists():
                self.last_id = repair_tail(self.path)
            self._fd = open_fd(self.path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, PRIVATE_FILE)
        except OSError as exc:
            raise BackupWriteError(self.path, exc) from exc
        return self.last_id

    def add(self, record: dict[str, Any]) -> bool:
        """Buffer one record; True when the batch is full or old enough to flush."""
        self._buffer.append(encode_record(record))
        self._buffer_last_id = int(record["id"])
        if self._oldest is None:
            self._oldest = time.monotonic()
        return self.due()

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
        if self._fd is None:
            raise RuntimeError("BatchWriter.open() was not called")
        data = b"".join(self._buffer)
        before = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
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
