"""The userpics a backup saved: ``avatars/index.jsonl`` read as every reader reads it (SCHEMA.md,
"Thumbnails and avatars"), and a chat's saved preview files found safely.

The index is append-only, one line a change: ``{"peer": "user123", "photo_id": "567", "file":
"avatars/user123_567.jpg", "seen": 1765000000}``, or ``"photo_id": null`` (and no file) when
the peer has no picture (any more). A peer's current picture is its last line. The file may
come from a stranger: it is read with the size cap of every backup file, a line that is not
such an object is passed over, and a path that is not one tgtui writes is never followed.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tgtui.format.media_paths import AVATAR_INDEX, avatar_path_problem, thumbnail_path_problem
from tgtui.format.safe_files import inside_folder, open_lines

INDEX_MAX = 64 * 1024 * 1024  # bytes of avatars/index.jsonl read at most
LINE_MAX = 4096  # an index line is a hundred bytes; a longer one is not tgtui's


def current_avatars(root: Path) -> dict[str, str]:
    """Each peer's current userpic, as a path relative to the backup folder ``root``
    ("user123" -> "avatars/user123_567.jpg"); a peer whose last line says it has none is
    left out, and so is every peer of a backup made before userpics were saved."""
    current: dict[str, str | None] = {}
    try:
        handle = open_lines(root / AVATAR_INDEX)
    except OSError:  # none (an older backup), or refused: a link, a FIFO...
        return {}
    read = 0
    with handle:
        for line in handle:
            read += len(line)
            if read > INDEX_MAX:
                break
            if len(line) > LINE_MAX:
                continue
            entry = _entry(line)
            if entry is not None:
                peer, path = entry
                current[peer] = path
    return {peer: path for peer, path in current.items() if path is not None}


def _entry(line: bytes) -> tuple[str, str | None] | None:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    peer, path = value.get("peer"), value.get("file")
    if not isinstance(peer, str) or avatar_path_problem(f"avatars/{peer}_0.jpg") is not None:
        return None
    if value.get("photo_id") is None:
        return peer, None
    if avatar_path_problem(path) is not None or not isinstance(path, str):
        return None
    if not path.startswith(f"avatars/{peer}_"):
        return None
    return peer, path


def saved_file(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it is a regular file reached through no link (None when it
    is not there, or refused)."""
    if inside_folder(root, relative) is not None:
        return None
    target = root / relative
    try:
        mode = os.lstat(target).st_mode
    except OSError:
        return None
    return target if stat.S_ISREG(mode) else None


def saved_thumbnail(record: dict[str, object], folder: Path) -> Path | None:
    """The preview a message's record names (its ``thumbnail``), if it is saved in the chat
    ``folder``: a regular file, through no link, at a path tgtui writes (None otherwise)."""
    path = record.get("thumbnail")
    if thumbnail_path_problem(path) is not None or not isinstance(path, str):
        return None
    return saved_file(folder, path)
