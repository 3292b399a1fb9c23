"""Finding lines in a JSONL file without reading it whole (its end, a line around an offset),
and without reading the holes of a sparse file (`tgtui.format.safe_files.next_data`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tgtui.format.safe_files import hole_start, next_data, open_regular
from tgtui.portable import pread

TAIL_CHUNK = 64 * 1024


def after_last_newline(fd: int, end: int, chunk: int = TAIL_CHUNK) -> int:
    """Offset just past the last newline in the first ``end`` bytes (0 if there is none):
    where the line holding byte ``end`` starts. Read backwards ``chunk`` bytes at a time
    (a hole is passed over unread)."""
    while end > 0:
        start = max(0, end - chunk)
        cut = pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = hole_start(fd, start)
    return 0


def line_number(path: Path, offset: int, chunk: int = 1 << 20) -> int | None:
    """The number (from 1) of the line that starts at byte ``offset`` of ``path``, counted
    from its start; None if the file cannot be read (or has changed: it is shorter)."""
    try:
        fd = open_regular(path)
    except OSError:
        return None
    try:
        if os.fstat(fd).st_size < offset:
            return None
        newlines = 0
        position = 0
        while position < offset:
            data = pread(fd, min(chunk, offset - position), position)
            if not data:
                return None
            found = data.count(b"\n")
            newlines += found
            position += len(data)
            if not found and position < offset:  # a hole holds no newline: not read
                after = next_data(fd, position)
                position = offset if after is None else min(offset, after)
        return newlines + 1
    finally:
        os.close(fd)


KEPT = 20  # damaged lines of a file remembered one by one (the rest are counted)


@dataclass
class DamagedLines:
    """A file's damaged lines: how many, and where the first `KEPT` start (byte offsets).
    Bounded: a stranger's file of a billion bad lines costs no more than one of twenty."""

    count: int = 0
    first: list[int] = field(default_factory=list)

    def add(self, offset: int) -> None:
        """One more damaged line, starting at byte ``offset``."""
        self.count += 1
        if len(self.first) < KEPT:
            self.first.append(offset)
