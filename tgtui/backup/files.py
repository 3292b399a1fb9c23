"""Small file helpers every writer shares: atomic replace, directory fsync, private modes."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from tgtui.format.safe_files import write_all
from tgtui.portable import NOFOLLOW, NONBLOCK, fsync_dir, open_fd
from tgtui.private_files import PRIVATE_FILE, make_private_dir

__all__ = [
    "PRIVATE_FILE",
    "fsync_dir",
    "link_on_the_way",
    "make_private_dir",
    "open_new",
    "open_to_write",
    "write_all",
    "write_atomically",
]

T = TypeVar("T")
LINK_REFUSED = "it is a link, and tgtui does not write through links"


def open_new(path: Path) -> int:
    """A new private file at ``path``, open for writing. Whatever had the name (a stale
    temp file of a run that was killed, or a link planted in a backup from elsewhere) is
    removed first, never written through."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    return open_fd(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | NOFOLLOW, PRIVATE_FILE)


def open_to_write(path: Path, *, append: bool = False, read: bool = False) -> int:
    """``path`` open for writing (made private if it is new; also for reading with
    ``read``), at its end with ``append``. Only a regular file is written: a link there is
    refused (OSError ELOOP), and so is a FIFO or a device (EINVAL), without waiting for a
    FIFO's reader."""
    flags = os.O_CREAT | (os.O_RDWR if read else os.O_WRONLY) | NOFOLLOW | NONBLOCK
    flags |= os.O_APPEND if append else 0
    try:
        fd = open_fd(path, flags, PRIVATE_FILE)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # FreeBSD says EMLINK
            raise OSError(errno.ELOOP, LINK_REFUSED, str(path)) from None
        if exc.errno == errno.ENXIO:  # a FIFO with no reader
            raise OSError(errno.EINVAL, "it is not a regular file", str(path)) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "it is not a regular file", str(path))
    return fd


# A chat's file smaller than this is read in the event loop, not in a thread: a thread's
# start and hand-back cost more than reading it (a backup of thousands of small chats spent
# more in the threads than in the files).
READ_HERE_BYTES = 64 << 10


async def read_by_size(
    size: int | None, function: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """``function(*args, **kwargs)``, which reads a file of ``size`` bytes (None: none is
    there): here when it is under `READ_HERE_BYTES`, else in a thread."""
    if size is None or size < READ_HERE_BYTES:
        return function(*args, **kwargs)
    return await asyncio.to_thread(function, *args, **kwargs)


def write_atomically(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, rename, fsync the folder.

    A reader (or a restart after a crash) sees the old content or the new, never a mix.
    Without ``sync_folder`` the rename may be lost in a power cut (the old content comes
    back): for files that may be behind, never ahead, such as checkpoints.
    """
    temp = path.with_name(f".{path.name}.tmp")
    fd = open_new(temp)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    if sync_folder:
        fsync_dir(path.parent)


def write_json_atomically(path: Path, value: Any, *, sync_folder: bool = True) -> None:
    """`write_atomically` of pretty JSON (`pretty_json`)."""
    write_atomically(path, pretty_json(value), sync_folder=sync_folder)


def pretty_json(value: Any) -> bytes:
    """``value`` as JSON indented by two, UTF-8, a newline at the end, by orjson (the
    standard encoder, indenting, is Python: a manifest of 10,000 chats took 0.17 s of CPU)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"
    except TypeError:  # what orjson refuses (a number beyond 64 bits...): the standard way
        return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def link_on_the_way(base: Path, *names: str) -> Path | None:
    """The first of ``base``/names... (each a path below ``base``, "/"-separated), walked
    one part at a time, that is a symbolic link: tgtui never writes through one (a backup
    folder may come from someone else, with a link planted to lead a write elsewhere)."""
    for name in names:
        current = base
        for part in name.split("/"):
            current = current / part
            try:
                if stat.S_ISLNK(os.lstat(current).st_mode):
                    return current
            except FileNotFoundError:
                break  # nothing further down exists yet: tgtui makes it
            except OSError:
                return current  # cannot be looked at: not written through either
    return None
