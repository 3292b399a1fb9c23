"""What differs between Linux, macOS and Windows, in one place.

tgtui runs on all three. The POSIX-only pieces it needs (flock, pread, owner ids, fsync of a
folder, SIGTERM through the event loop) each have one function here with a Windows path;
everything else uses these functions, never `fcntl`, `os.pread` or `os.getuid` directly.
Tests run both paths on Linux by hiding the POSIX modules (`tests/unit/test_portable.py`).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import FrameType

WINDOWS = sys.platform == "win32"
# Unix permission bits mean something (0600 files, 0700 folders). On Windows a user's files
# are private by the ACLs of their profile folder, and stat shows made-up modes.
UNIX_MODES = not WINDOWS

# Flags that only some systems have, as 0 where they are missing.
BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation, ever
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

try:
    import msvcrt
except ImportError:  # POSIX
    msvcrt = None  # type: ignore[assignment]


def open_fd(path: str | Path, flags: int, mode: int = 0o777) -> int:
    """`os.open` in binary mode on every system (Windows would turn \\n into \\r\\n)."""
    return os.open(path, flags | BINARY, mode)


def lock_exclusive(fd: int) -> bool:
    """Take an exclusive lock on the open file ``fd`` without waiting; False if another
    process holds it. The OS drops it when the process dies."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    assert msvcrt is not None
    # Windows locks a byte range: the file's first byte stands for the whole file (a lock
    # beyond the end is allowed, so an empty lock file works too).
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def unlock(fd: int) -> None:
    """Drop the lock `lock_exclusive` took."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return
    assert msvcrt is not None
    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def pread(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes of ``fd`` from ``offset`` (fewer at the end of the file).

    POSIX reads without moving the file position; elsewhere the position moves, so callers
    never rely on it (every read here names its offset).
    """
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable. Windows cannot open a folder to
    sync it; NTFS journals its renames itself, so there is nothing to do there."""
    if WINDOWS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def owned_by_someone_else(info: os.stat_result) -> bool:
    """Whether another user owns the file ``info`` describes. Windows has no owner ids in
    stat: files in the user's profile are the user's, so this is never true there."""
    getuid = getattr(os, "getuid", None)
    return getuid is not None and info.st_uid != getuid()


def on_terminate(
    callback: Callable[[], object], names: tuple[str, ...] = ("SIGTERM",)
) -> Callable[[], None]:
    """Call ``callback`` in the running event loop when the process gets one of the signals
    ``names`` (those the system has); returns a function that undoes it. Where the loop
    cannot watch signals (Windows), a plain signal handler hands the call to the loop."""
    import asyncio  # here: the command line's --help and --version start without it

    loop = asyncio.get_running_loop()
    undo: list[Callable[[], object]] = []
    for name in names:
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            loop.add_signal_handler(number, callback)
        except (NotImplementedError, RuntimeError):
            previous = signal.getsignal(number)

            def handler(signum: int, frame: FrameType | None) -> None:
                loop.call_soon_threadsafe(callback)

            signal.signal(number, handler)
            undo.append(partial(signal.signal, number, previous))
        else:
            undo.append(partial(loop.remove_signal_handler, number))

    def restore() -> None:
        for step in undo:
            step()

    return restore


def process_gone(pid: int) -> bool:
    """Whether no process ``pid`` runs on this machine (False when that cannot be told: on
    Windows, where the only such call would end the process rather than look at it)."""
    if WINDOWS or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: alive
        return False
    return False
