"""Files only their owner may read, and exclusive locks: shared by the client and the sandbox.

Session files hold the key to an account and backups hold a person's messages and phone
number, so both are created 0600 in 0700 folders from the first byte (never created open and
tightened later). The client (`tgtui.telegram`, `tgtui.backup`) and the sandbox both use these
helpers; neither imports the other.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

from tgtui import portable
from tgtui.portable import NOFOLLOW, lock_exclusive, open_fd, pread, unlock

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def session_file_path(path: Path) -> Path:
    """Telethon appends ".session" to SQLite session names that lack it."""
    return path if path.suffix == ".session" else path.with_name(path.name + ".session")


def create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 from the start (FileExistsError if it exists).

    A symlink at ``path`` is refused (FileExistsError too): it could point anywhere.
    """
    os.close(open_fd(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | NOFOLLOW, PRIVATE_FILE))


def make_private_dir(path: Path, *, tighten: bool = True) -> None:
    """Create ``path`` and its missing parents 0700; tighten ``path`` if it is looser (unless
    ``tighten`` is False: someone else, such as `tgtui.backup.folder.tighten`, does it).

    Folders that exist above it are left as they are (``~``, ``/tmp``).
    """
    missing = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for one in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made by someone else meanwhile
            one.mkdir(mode=PRIVATE_DIR)
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "it is not a folder", str(path))
    if tighten and portable.UNIX_MODES and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, PRIVATE_DIR)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """While inside, whatever this process (and a process it starts) creates is private:
    files 0600, folders 0700, however the code that creates them opens them.

    The umask belongs to the whole process: for a process that does one thing at a time,
    such as an export (`tgtui.export.run`). Windows keeps privacy by ACLs; its umask only
    decides read-only, which 0o077 leaves alone.
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


class LockHeld(Exception):
    """Another process holds the lock; ``pid`` is what it wrote in the lock file, if any."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(f"{path} is locked by process {pid if pid else '?'}")
        self.path = path
        self.pid = pid


class ExclusiveLock:
    """An advisory lock on a file (`tgtui.portable.lock_exclusive`): taken at once or
    refused, dropped when we exit.

    The OS drops it when the process dies, so a crash never leaves a stale lock behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise LockHeld at once (never wait)."""
        fd = open_fd(self.path, os.O_CREAT | os.O_RDWR | NOFOLLOW, PRIVATE_FILE)
        if not lock_exclusive(fd):
            try:
                text = pread(fd, 32, 0).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            raise LockHeld(self.path, int(text) if text.isdigit() else None)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock."""
        if self._fd is not None:
            unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
