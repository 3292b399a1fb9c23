"""Opening a saved file with the system's own application (xdg-open, open, the shell)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tgtui.i18n import _


class OpenerError(Exception):
    """The file could not be handed to an application; the message says why."""


def open_with_system(path: Path) -> None:
    """Hand ``path`` to the application the system uses for it, without waiting for it.

    The path goes to the opener as one argument (no shell), so a hostile file name is only
    ever a name.
    """
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined,unused-ignore]
        return
    command = "open" if sys.platform == "darwin" else "xdg-open"
    program = shutil.which(command)
    if program is None:
        raise OpenerError(
            _("{command} is not installed: open {path} yourself").format(command=command, path=path)
        )
    try:
        subprocess.Popen(
            [program, str(path.absolute())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise OpenerError(
            _("cannot run {command}: {reason}").format(command=command, reason=exc.strerror or exc)
        ) from exc
