"""Finding lines in a JSONL file without reading it whole (its end, a line around an offset)."""

from __future__ import annotations

from tgtui.portable import pread

TAIL_CHUNK = 64 * 1024


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
