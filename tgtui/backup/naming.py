"""Where a chat's backup goes: its folder in ``chats/``, the names of the files in it, and how
long a name the folder's filesystem takes."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import NAME_BYTES, PART_SUFFIX
from tgtui.untrusted import NAME_MAX_BYTES

JSONL = "messages.jsonl"
STATE = "state.json"


def name_bytes_for(out: Path) -> int:
    """How many bytes of a sender's file name fit in ``out``'s file names (255 on most
    filesystems; fewer on some, such as eCryptfs)."""
    try:
        limit = int(os.pathconf(out, "PC_NAME_MAX"))
    except (OSError, ValueError):
        limit = NAME_MAX_BYTES
    # <message id>_<name>.part: 20 digits, "_" and ".part" must fit beside the name.
    return max(16, min(NAME_BYTES, limit - 20 - 1 - len(PART_SUFFIX)))


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[:40]
    return slug or "chat"


def chat_folders(out: Path) -> dict[int, Path]:
    """The existing chat folders of a backup by chat id, from one listing of ``chats/``."""
    try:
        entries = sorted(os.scandir(out / "chats"), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found: dict[int, Path] = {}
    for entry in entries:
        head, underscore, _ = entry.name.partition("_")
        if underscore and head.lstrip("-").isdigit() and entry.is_dir(follow_symlinks=False):
            found.setdefault(int(head), Path(entry.path))
    return found


def chat_folder(out: Path, target: ChatTarget, folders: dict[int, Path] | None = None) -> Path:
    """The chat's folder: an existing one for this id (names change), else ``<id>_<name>``.

    ``folders`` (from `chat_folders`) spares listing the backup's chats again for each chat.
    """
    existing = (folders if folders is not None else chat_folders(out)).get(target.chat_id)
    return existing or out / "chats" / f"{target.chat_id}_{_slug(target.name)}"
