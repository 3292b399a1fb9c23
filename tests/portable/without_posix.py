"""Run tgtui as it would run on Windows, on Linux: `python without_posix.py ARGS` is
`tgtui ARGS` with the POSIX-only pieces gone.

Hidden: the `fcntl` module, `os.pread`, `os.getuid`, `os.O_NONBLOCK`, `os.O_NOFOLLOW`, and
signal handling through the event loop (`add_signal_handler` raises NotImplementedError, as
on Windows' event loops). In their place an `msvcrt` module whose `locking` behaves like
Windows' (a byte-range lock from the file position, refused at once when held), built on
POSIX record locks. `tgtui.portable` then takes its Windows paths, with `WINDOWS` set.
"""

from __future__ import annotations

import asyncio
import fcntl as real_fcntl
import os
import sys
import types
from typing import Any

LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2


def _locking(fd: int, mode: int, nbytes: int) -> None:
    if mode == LK_UNLCK:
        real_fcntl.lockf(fd, real_fcntl.LOCK_UN, nbytes, 0, os.SEEK_CUR)
    else:
        try:
            real_fcntl.lockf(fd, real_fcntl.LOCK_EX | real_fcntl.LOCK_NB, nbytes, 0, os.SEEK_CUR)
        except BlockingIOError as exc:
            raise PermissionError(13, "Permission denied") from exc  # as msvcrt says it


def hide_posix() -> None:
    """Take the POSIX-only pieces away and put Windows' in (see the module's doc)."""
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_UNLCK, msvcrt.LK_LOCK, msvcrt.LK_NBLCK = LK_UNLCK, LK_LOCK, LK_NBLCK  # type: ignore[attr-defined]
    msvcrt.locking = _locking  # type: ignore[attr-defined]
    sys.modules["msvcrt"] = msvcrt
    sys.modules["fcntl"] = None  # type: ignore[assignment]  # import fcntl: ImportError
    for name in ("pread", "getuid", "O_NONBLOCK", "O_NOFOLLOW"):
        if hasattr(os, name):
            delattr(os, name)

    def no_signals(self: Any, *args: Any) -> None:
        raise NotImplementedError

    loop_class: Any = type(asyncio.new_event_loop())
    loop_class.add_signal_handler = no_signals
    loop_class.remove_signal_handler = no_signals

    import tgtui.portable as portable

    assert getattr(portable, "fcntl") is None  # noqa: B009 - not exported
    assert getattr(portable, "msvcrt") is msvcrt  # noqa: B009 - not exported
    portable.WINDOWS = True
    portable.UNIX_MODES = False


if __name__ == "__main__":
    hide_posix()
    from tgtui.cli import main

    sys.exit(main(sys.argv[1:]))
