"""Where each line of a chat's messages.jsonl starts, found from the end backwards.

A reader opens a chat at its newest message, so lines are counted from the end: line 0 is
the last whole line, line 1 the one before... The offsets of the last few thousand lines are
known after one small read; the rest are found by `scan`, in chunks, from a background thread
(a million lines take well under a second, and the newest are on screen long before).

A backup may be running into the file: `refresh` picks up whole lines appended since (a line
still being written counts only once its newline is there) and says when the file was
replaced or cut (a repair rewrote it), in which case the reader opens it again. The file is
untrusted: it must be a regular file, and nothing here parses it. A tail longer than any
line without a newline (a stranger's `truncate -s +1G`) is one more line, a damaged one,
and the lines before it are found as any others: the holes of a sparse file are passed
over unread (`tgtui.format.safe_files.hole_start`), since a hole holds no newline.

Memory: eight bytes per line (8 MB for a million) and nothing else.
"""

from __future__ import annotations

import os
import re
import threading
from array import array
from pathlib import Path

from tgtui.format.safe_files import MAX_LINE, hole_start, next_data, open_regular
from tgtui.i18n import _
from tgtui.portable import pread

FIRST_CHUNK = 64 * 1024  # the newest lines, found before anything is drawn
FIRST_LINES = 64  # ... at least this many of them, if they are within `MAX_LINE` or so
CHUNK = 2 * 1024 * 1024  # later chunks: small enough to never hold the UI back for long
_NEWLINE = re.compile(b"\n")
MAX_LINE_SHOWN = 4 * 1024 * 1024  # a longer line is read only this far (it is not a message)


class LinesError(Exception):
    """The file cannot be read as a chat's messages; the message says why."""


class LineIndex:
    """Line offsets of one JSONL file, from its end; safe to scan from another thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            fd = open_regular(path)
        except OSError as exc:
            raise LinesError(
                _("cannot open {path}: {value}").format(path=path, value=exc.strerror or exc)
            ) from exc
        info = os.fstat(fd)
        self._fd = fd
        self._inode = info.st_ino
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.complete = threading.Event()  # set once every line's offset is known
        # Lines found going back (descending starts) and lines appended since (ascending).
        self._back = array("q")
        self._added = array("q")
        self._scanned_to = 0  # the backward scan has covered [_scanned_to, _start_end)
        self._start_end = self._last_newline(info.st_size)
        self._end = self._start_end  # just after the last whole line
        self._scanned_to = self._start_end
        # The newest screenful, even past a damaged tail: a few chunks at most, holes free.
        for _chunk in range(MAX_LINE // FIRST_CHUNK + 2):
            if not self._scan_chunk(FIRST_CHUNK) or self.count >= FIRST_LINES:
                break

    # --- reading ---------------------------------------------------------------------------

    def _last_newline(self, size: int) -> int:
        """The offset just after the last newline before ``size`` (0 if there is none).
        Looked for as far back as a line can be long (`MAX_LINE`): a longer tail is no line
        being written but a damaged one, and counts as a (last) line, shown unreadable, so
        that a stranger's file of gigabytes without a newline opens at once."""
        position = size
        while position > 0:
            if size - position > MAX_LINE:
                return size
            start = max(0, position - FIRST_CHUNK)
            data = pread(self._fd, position - start, start)
            at = data.rfind(b"\n")
            if at >= 0:
                return start + at + 1
            position = hole_start(self._fd, start)  # a hole holds no newline
        return 0

    def _scan_chunk(self, size: int) -> bool:
        """Find the line starts in the next ``size`` bytes going back; False when done."""
        end = self._scanned_to
        if end <= 0:
            self.complete.set()
            return False
        start = max(0, end - size)
        with self._lock:
            if self._fd < 0:  # closed: nothing more will be found
                self.complete.set()
                return False
            data = pread(self._fd, end - start, start)
            # A chunk without a newline may be the end of a hole (a sparse tail): the rest
            # of the hole holds none either, and is passed over unread.
            skipped = hole_start(self._fd, start) if start > 0 and b"\n" not in data else start
        # A line starts after each newline (the one that ends the file's last line starts
        # none) and at offset 0. A newline that ends this chunk starts the next chunk's line.
        last = self._start_end
        starts = [start + m.end() for m in _NEWLINE.finditer(data) if start + m.end() < last]
        start = skipped
        if start == 0:
            starts.insert(0, 0)
        starts.reverse()
        with self._lock:
            self._back.extend(starts)
            self._scanned_to = start
        if start == 0:
            self.complete.set()
            return False
        return True

    def scan(self) -> None:
        """Find every line's offset (run from a thread; `stop` ends it early)."""
        while not self._stop.is_set() and self._scan_chunk(CHUNK):
            pass

    def close(self) -> None:
        """Let go of the file; a scan still running stops, and whoever waits for it to
        complete is let go too (reads from then on fail with LinesError)."""
        self._stop.set()
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
        self.complete.set()

    # --- lines -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Lines known so far (all of them once `complete` is set)."""
        with self._lock:
            return len(self._added) + len(self._back)

    def _span(self, k: int) -> tuple[int, int]:
        added, back = self._added, self._back
        if k < len(added):
            i = len(added) - 1 - k
            return added[i], added[i + 1] if i + 1 < len(added) else self._end
        j = k - len(added)
        if j >= len(back):
            raise IndexError(k)
        end = back[j - 1] if j > 0 else added[0] if added else self._end
        return back[j], end

    def span(self, k: int) -> tuple[int, int]:
        """(start, end) in bytes of line ``k`` from the end (0 is the newest)."""
        with self._lock:
            return self._span(k)

    def line(self, k: int) -> bytes:
        """Line ``k`` from the end, without its newline (IndexError past the known lines)."""
        return self.read(*self.span(k))

    def read(self, start: int, end: int) -> bytes:
        """The line at bytes [start, end) (a `span`), without its newline, read at most
        `MAX_LINE_SHOWN` far."""
        with self._lock:
            if self._fd < 0:
                raise LinesError(_("{path} is closed").format(path=self.path))
            return pread(self._fd, min(end - start, MAX_LINE_SHOWN), start).rstrip(b"\n")

    # --- a backup writing into it ------------------------------------------------------------

    def refresh(self) -> int | None:
        """Take in whole lines appended since; their number, or None when the file was
        replaced or cut, or this index was closed (open it again)."""
        if self._fd < 0:
            return None
        try:
            info = os.lstat(self.path)  # a link put in its place is not followed
        except OSError:
            return None
        if info.st_ino != self._inode or info.st_size < self._end:
            return None
        if info.st_size == self._end:
            return 0
        with self._lock:
            if self._fd < 0:
                return None
            end = self._last_newline(info.st_size)
            if end <= self._end:
                return 0
            base = self._end
            starts = array("q", [base])
            starts.extend(self._newlines(base, end))
            if starts[-1] == end:  # the newline that ends the last line starts none
                starts.pop()
            self._added.extend(starts)
            self._end = end
        return len(starts)

    def _newlines(self, start: int, end: int) -> array[int]:
        """The offsets just past each newline in bytes [start, end), read a chunk at a time
        (a stranger's file may have grown by gigabytes); holes are not read."""
        found = array("q")
        position = start
        while position < end:
            data = pread(self._fd, min(CHUNK, end - position), position)
            if not data:
                break
            found.extend(position + m.end() for m in _NEWLINE.finditer(data))
            position += len(data)
            if b"\n" not in data and position < end:
                after = next_data(self._fd, position)
                position = end if after is None else max(position, after)
        return found
