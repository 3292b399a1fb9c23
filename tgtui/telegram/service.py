"""The one Telethon client of the app: secure session file, single-instance lock, connect.

Only this module constructs a `TelegramClient`; screens and workers borrow it.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path
from types import TracebackType

from telethon import TelegramClient
from telethon.sessions import SQLiteSession

SESSION_DIR_MODE = 0o700
SESSION_FILE_MODE = 0o600


class SessionLockedError(Exception):
    """Another tgtui already uses this session."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"Another tgtui is already running with the session {path}. "
            "Close it first (two programs on one session would corrupt it)."
        )
        self.path = path


def session_file_path(path: Path) -> Path:
    """Telethon appends ".session" to SQLite session names that lack it."""
    return path if path.suffix == ".session" else path.with_name(path.name + ".session")


def create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 from the start (FileExistsError if it exists)."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, SESSION_FILE_MODE))


def prepare_session_file(path: Path) -> Path:
    """Make sure ``path`` (a .session file) exists 0600 inside a 0700 folder; return it.

    The file is created with its final mode, so there is no moment when another user could
    read the auth key; an existing file or folder with looser modes is tightened.
    """
    path = session_file_path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=SESSION_DIR_MODE)
    os.chmod(path.parent, SESSION_DIR_MODE)
    try:
        create_private_file(path)
    except FileExistsError:
        os.chmod(path, SESSION_FILE_MODE)
    return path


class SessionLock:
    """An exclusive advisory lock next to the session file, held while the app runs."""

    def __init__(self, session_file: Path) -> None:
        self.session_file = session_file
        self.path = session_file.with_name(session_file.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise SessionLockedError at once (never wait)."""
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, SESSION_FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SessionLockedError(self.session_file) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock (the OS also drops it if the process dies)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SessionLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def reset_task_factory() -> None:
    """Undo an eager task factory (Textual's run_async installs one on Python >= 3.12).

    Under eager tasks Telethon's send and receive loops exit right after connect() and the
    app hangs. Call this inside the running loop before the first Telethon call.
    """
    asyncio.get_running_loop().set_task_factory(None)


def make_client(session_file: Path, api_id: int, api_hash: str) -> TelegramClient:
    """The app's client on a prepared session file.

    ``flood_sleep_threshold=0``: Telethon never sleeps silently on FLOOD_WAIT; the retry
    policy waits instead, so the UI can count down.
    """
    session = SQLiteSession(str(prepare_session_file(session_file)))
    return TelegramClient(
        session,
        api_id,
        api_hash,
        flood_sleep_threshold=0,
        device_model="tgtui",
        app_version="tgtui",
    )
