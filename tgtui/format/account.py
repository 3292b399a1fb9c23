"""The account's own data in a backup (`tgtui backup --account`), as every reader sees it.

``OUT/account/SECTION.jsonl``, one file a section (`SECTIONS`), each line one version of one
item, appended when the item is first seen or changes, never rewritten: a versioned file
(`tgtui.format.versioned`, which reads it). SCHEMA.md documents each section's ``data``.

The files of the profile pictures and stories go in ``account/profile_pictures/<photo
id>.jpg`` and ``account/stories/<story id>.<ext>``; an item whose file is saved names it in
its ``file`` field, relative to the backup folder. A backup may come from a stranger: only a
``file`` of exactly that shape, naming a regular file reached through no link, is used
(`saved_account_file`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tgtui.format.avatars import saved_file
from tgtui.format.versioned import (
    MAX_FILE,
    TooBig,
    Version,
    Versions,
    parse_version,
    read_versions,
)

FOLDER = "account"
# In the order Telegram Desktop's export writes them.
SECTIONS = (
    "profile",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
    "sessions",
    "web_sessions",
    "left_chats",
)
PROFILE_KEY = "self"  # the profile section's one item
# The sections whose items have a file, and the folder (under FOLDER) each file goes in.
FILE_FOLDERS = {"profile_pictures": "profile_pictures", "stories": "stories"}
FILE_FIELD = "file"  # an item's saved file, relative to the backup folder
# What tgtui writes in a ``file`` field, and nothing else is followed.
_FILE_PATH = re.compile(r"account/(profile_pictures|stories)/[0-9]{1,20}\.[a-z0-9]{1,8}")
EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")  # a saved file's extension (".jpg", ".mp4")
MAX_SECTION = MAX_FILE  # a section file bigger than this is not read (`read_versions`)


def section_path(out: Path, section: str) -> Path:
    """Where ``section`` of the backup in ``out`` is kept."""
    return out / FOLDER / f"{section}.jsonl"


def picture_file(photo_id: int) -> str:
    """Where a profile picture's file goes, relative to the backup folder."""
    return f"{FOLDER}/{FILE_FOLDERS['profile_pictures']}/{int(photo_id)}.jpg"


def story_file(story_id: int, extension: str) -> str:
    """Where a story's file goes, relative to the backup folder (``extension`` as ".mp4";
    anything but a short lower-case one is ".bin")."""
    extension = extension if EXTENSION.fullmatch(extension) else ".bin"
    return f"{FOLDER}/{FILE_FOLDERS['stories']}/{int(story_id)}{extension}"


def account_file_problem(path: object) -> str | None:
    """Why an item's ``file`` cannot be used (None when it has the shape tgtui writes:
    ``account/profile_pictures/<digits>.<ext>`` or ``account/stories/<digits>.<ext>``)."""
    if not isinstance(path, str):
        return "its file is not text"
    if not _FILE_PATH.fullmatch(path):
        return "its file is not a path tgtui writes"
    return None


def saved_account_file(out: Path, data: dict[str, Any]) -> Path | None:
    """The file an item's ``data`` names, when it is saved in the backup in ``out``: a path
    tgtui writes, to a regular file reached through no link (None otherwise)."""
    path = data.get(FILE_FIELD)
    if account_file_problem(path) is not None or not isinstance(path, str):
        return None
    return saved_file(out, path)


Section = Versions  # a section as read: every item's versions (`Versions`)


def read_section(out: Path, section: str) -> Section:
    """``section`` of the backup in ``out`` (empty when the backup has none). OSError when
    the file cannot be read (a link, a folder, bigger than `MAX_SECTION`: `TooBig`)."""
    return read_versions(section_path(out, section))


__all__ = [
    "FILE_FIELD",
    "FILE_FOLDERS",
    "FOLDER",
    "MAX_SECTION",
    "PROFILE_KEY",
    "SECTIONS",
    "Section",
    "TooBig",
    "Version",
    "account_file_problem",
    "parse_version",
    "picture_file",
    "read_section",
    "saved_account_file",
    "story_file",
]
