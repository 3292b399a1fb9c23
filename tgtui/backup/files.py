"""Small file helpers every writer shares: atomic replace, directory fsync, private modes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tgtui.portable import fsync_dir, open_fd
from tgtui.private_files import PRIVATE_FILE, make_private_dir

__all__ = ["PRIVATE_FILE", "fsync_dir", "make_private_dir", "write_atomically"]


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
