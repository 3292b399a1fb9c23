"""Small file helpers every writer shares: atomic replace, directory fsync, private modes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from tgtui.portable import fsync_dir, open_fd
from tgtui.private_files import PRIVATE_FILE, make_private_dir

__all__ = [
    "PRIVATE_FILE",
    "fsync_dir",
    "link_on_the_way",
    "make_private_dir",
    "write_atomically",
]


def write_atomically(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, rename, fsync the folder.

    A reader (or a restart after a crash) sees the old content or the new, never a mix.
    Without ``sync_folder`` the rename may be lost in a power cut (the old content comes
    back): for files that may be behind, never ahead, such as checkpoints.
    """
    temp = path.with_name(f".{path.name}.tmp")
    fd = open_fd(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    if sync_folder:
        fsync_dir(path.parent)


def write_json_atomically(path: Path, value: Any, *, sync_folder: bool = True) -> None:
    """`write_atomically` of pretty JSON."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write_atomically(path, text.encode("utf-8"), sync_folder=sync_folder)


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
