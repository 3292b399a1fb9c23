"""The one way to read a file of a backup folder, which may have come from a stranger.

Any name in a backup someone sent may be a FIFO (opening it would wait forever), a device
(`/dev/zero` never ends), a link (to `~/.ssh/id_rsa`, or out of the folder) or a file far
bigger than its kind ever is. So every file of a backup is read through here:

- opened without following a link (``O_NOFOLLOW``) and without waiting (``O_NONBLOCK``: a
  FIFO opens at once), then checked with ``fstat``: only a regular file is read, anything
  else is an `OSError` saying what it is;
- read whole only up to a cap for its kind (`MANIFEST_MAX`, `STATE_MAX`, `SIDE_FILE_MAX`):
  a bigger one is refused before a byte of it is held;
- read line by line with a cap on each line (`MAX_LINE`): a longer line is a damaged line,
  skipped without being held in memory, and without reading the holes of a sparse file
  (`next_data`, `hole_start`): a stranger's file may end in gigabytes that are not there
  (`truncate -s +20G`), and a hole reads as zeros, which hold no newline.

`inside_folder` says whether a path under a backup folder crosses a link on its way;
`copy_with_holes` copies such a file without writing its holes (`write_all` writes every
byte of a buffer, for it and for the engine's writers). No Textual, no Telethon, no engine.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tgtui.i18n import _, number
from tgtui.portable import NOFOLLOW, NONBLOCK, open_fd

MiB = 1 << 20
MAX_LINE = 4 * MiB  # a message line is a few hundred bytes; Telegram caps texts at 4,096
MANIFEST_MAX = 64 * MiB  # about 200,000 chats
STATE_MAX = 64 * MiB  # a chat's state.json: its checkpoint and why files failed
SIDE_FILE_MAX = 256 * MiB  # a chat's edits.jsonl or deleted.jsonl (read whole)
_SKIP = 1 * MiB  # an over-long line is skipped this much at a time


class TooBig(OSError):
    """A backup file is bigger than its kind of file can be; it is not read."""


def not_a_file(mode: int) -> str:
    """Why a file of this mode is not read: what it is."""
    if stat.S_ISDIR(mode):
        return _("it is not a regular file but a folder")
    if stat.S_ISFIFO(mode):
        return _("it is not a regular file but a FIFO")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("it is not a regular file but a device")
    return _("it is not a regular file")


def link_refused() -> str:
    """Why a link in a backup is not followed."""
    return _("it is a link (tgtui follows no link in a backup)")


def open_regular(path: Path | str) -> int:
    """A read-only descriptor of ``path``, which must be a regular file and not a link.

    OSError if it is not: ELOOP for a link (it is not followed), EINVAL for a FIFO, device,
    socket or folder (a FIFO is opened without waiting, then refused).
    """
    try:
        fd = open_fd(path, os.O_RDONLY | NONBLOCK | NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # FreeBSD says EMLINK
            raise OSError(errno.ELOOP, link_refused(), str(path)) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, not_a_file(info.st_mode), str(path))
    return fd


def looked_at(
    path: Path | str, limit: int | None = None
) -> tuple[os.stat_result | None, str | None]:
    """A backup file seen without opening it (`open_regular` says the same when it opens
    it): its `lstat` when it can be read, else why not (a link, not a regular file, bigger
    than ``limit``, an error); (None, None) when it is not there (nothing to read: not a
    problem)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, exc.strerror or str(exc)
    if stat.S_ISLNK(info.st_mode):
        return None, link_refused()
    if not stat.S_ISREG(info.st_mode):
        return None, not_a_file(info.st_mode)
    if limit is not None and info.st_size > limit:
        return None, too_big(limit)
    return info, None


def is_regular(path: Path | str) -> bool:
    """Whether ``path`` is a regular file, reached through no link (not followed)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def file_problem(path: Path | str, limit: int | None = None) -> str | None:
    """Why a backup file would not be read (`looked_at`): None when it can be, or is not
    there."""
    return looked_at(path, limit)[1]


def open_lines(path: Path | str, buffering: int = 1 << 16) -> IO[bytes]:
    """``path`` opened as `open_regular` opens it, as a buffered binary file."""
    return os.fdopen(open_regular(path), "rb", buffering=buffering)


def read_small(path: Path | str, limit: int) -> bytes:
    """The whole of a file that is at most ``limit`` bytes (`TooBig` if it is bigger)."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        size = os.fstat(fd).st_size
        data = b"" if size > limit else handle.read(limit + 1)  # it may have grown since
    if size > limit or len(data) > limit:
        raise TooBig(errno.EFBIG, too_big(limit), str(path))
    return data


def too_big(limit: int) -> str:
    """Why a file bigger than ``limit`` bytes is not read."""
    return _("it is bigger than {size} MB, more than its kind of file holds").format(
        size=number(limit // 1_000_000)
    )


def parse_json(data: bytes | str) -> Any:
    """One JSON document; ValueError if it is not one (or is nested deeper than the parser
    goes: a RecursionError is a ValueError here)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(_("it is nested too deep")) from None


def read_json(path: Path | str, limit: int) -> Any:
    """The JSON document in a small file (`read_small`); ValueError if it is not JSON."""
    return parse_json(read_small(path, limit))


_SEEK_DATA: int | None = getattr(os, "SEEK_DATA", None)  # Linux, macOS, the BSDs
_SEEK_HOLE: int | None = getattr(os, "SEEK_HOLE", None)
COPY_CHUNK = 1 << 20


def _seek_from(fd: int, position: int, whence: int) -> int:
    """Where ``lseek(fd, position, whence)`` goes, the descriptor's offset left where it
    was (a buffered reader relies on it); its OSError raised."""
    saved = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        return os.lseek(fd, position, whence)
    finally:
        os.lseek(fd, saved, os.SEEK_SET)


def next_data(fd: int, position: int) -> int | None:
    """Where the first byte of data at or after ``position`` is: ``position`` itself when it
    is data (or the system cannot tell), further on past a hole, None when only a hole
    follows to the end of the file. The descriptor's offset is left where it was."""
    if _SEEK_DATA is None:
        return position
    try:
        return _seek_from(fd, position, _SEEK_DATA)
    except OSError as exc:  # ENXIO: no data from there on; EINVAL...: the system cannot say
        return None if exc.errno == errno.ENXIO else position


def data_end(fd: int, position: int, size: int) -> int:
    """Where the data that starts at ``position`` ends: the next hole's start, ``size``
    when the system cannot tell (or no hole comes before it). The descriptor's offset is
    left where it was."""
    if _SEEK_HOLE is None:
        return size
    try:
        return min(_seek_from(fd, position, _SEEK_HOLE), size)
    except OSError:  # the system cannot say
        return size


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` at ``fd``'s position (`os.write` may write fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def copy_with_holes(source: int, target: int) -> int:
    """Copy the regular file open at ``source`` (from its start) to the empty one at
    ``target``, its holes left holes: a sparse file's copy takes the room the file takes,
    not its apparent size (a planted ``truncate -s 1T`` file is not a terabyte of zeros
    written to the user's disk). Returns the bytes copied, the size ``source`` had when the
    copy began (less if it got shorter meanwhile)."""
    size = os.fstat(source).st_size
    position = 0
    while position < size:
        start = next_data(source, position)
        if start is None or start >= size:
            break  # only a hole to the end: the size below makes it
        end = max(data_end(source, start, size), start + 1)
        os.lseek(source, start, os.SEEK_SET)
        os.lseek(target, start, os.SEEK_SET)
        while start < end:
            chunk = os.read(source, min(COPY_CHUNK, end - start))
            if not chunk:  # the file got shorter since it was looked at
                size = start
                break
            write_all(target, chunk)
            start += len(chunk)
        position = start
    os.ftruncate(target, size)
    return size


def hole_start(fd: int, end: int) -> int:
    """Where the hole that ends at ``end`` starts: bytes [result, end) are a hole, zeros
    that need not be read. ``end`` itself when the byte before it is data (or the system
    cannot tell). Found by bisection: a few dozen seeks, whatever the hole's size."""
    if _SEEK_DATA is None or end <= 0:
        return end
    found = next_data(fd, end - 1)
    if found is not None and found < end:
        return end  # the byte before ``end`` is data
    low, high = 0, end - 1  # the smallest x with no data in [x, end)
    while low < high:
        middle = (low + high) // 2
        found = next_data(fd, middle)
        if found is not None and found < end:
            low = middle + 1
        else:
            high = middle
    return low


def read_lines(
    handle: IO[bytes], start: int = 0, limit: int = MAX_LINE
) -> Iterator[tuple[int, int, bytes | None]]:
    """(start, end, line) of each line from ``start`` (the handle's position), the line with
    its newline; a line longer than ``limit`` is (start, end, None), never held whole, and
    the holes of a sparse file in it are not read (`next_data`). The last line may lack its
    newline (a torn line, or one being written); an over-long one at the end without its
    newline is damaged all the same (no line being written is that long)."""
    readline = handle.readline
    offset = start
    while line := readline(limit):
        end = offset + len(line)
        if line[-1] != 10 and len(line) == limit:  # no newline within the limit
            end = _skip_line(handle, end)
            yield offset, end, None
        else:
            yield offset, end, line
        offset = end


def _skip_line(handle: IO[bytes], position: int) -> int:
    """Read on from ``position`` (the handle's) to just past the next newline, or to the end
    of the file; a piece at a time, never held whole, and a hole on the way is not read: it
    holds no newline. Where the handle is left (the end of the line)."""
    try:
        fd = handle.fileno()
    except (AttributeError, io.UnsupportedOperation):  # not a file: every byte is read
        fd = -1
    while more := handle.readline(_SKIP):
        position += len(more)
        if more[-1] == 10:
            break
        after = next_data(fd, position) if fd >= 0 else position
        if after is None:  # only a hole from here to the end: no newline
            position = max(position, os.fstat(fd).st_size)
            handle.seek(position)
        elif after > position:
            position = after
            handle.seek(position)
    return position


def inside_folder(root: Path, relative: Path | str) -> str | None:
    """Why ``root / relative`` is not a plain path inside ``root`` (None when it is): no part
    of it, from ``root`` down, may be a link, and every part but the last must be a folder
    (the caller looks at what the last one is). ``root`` itself is trusted: the user chose
    it. A missing part is no problem here (the caller finds it missing)."""
    current = root
    path = Path(relative)
    if path.anchor:  # "/etc/passwd" (or "C:\\..."): joined to root, it would replace it
        return _("it leaves the folder")
    parts = path.parts
    for place, part in enumerate(parts):
        if part in ("", ".", "..") or "\x00" in part:
            return _("it leaves the folder")
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return None
        except OSError as exc:
            return exc.strerror or str(exc)
        if stat.S_ISLNK(mode):
            return link_refused()
        if place < len(parts) - 1 and not stat.S_ISDIR(mode):
            return _("it is not in a folder")
    return None
