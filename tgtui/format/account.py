"""The account's own data in a backup (`tgtui backup --account`), as every reader sees it.

``OUT/account/SECTION.jsonl``, one file a section (`SECTIONS`), each line one version of one
item, appended when the item is first seen or changes, never rewritten: a versioned file
(`tgtui.format.versioned`, which reads it). SCHEMA.md documents each section's ``data``.
"""

from __future__ import annotations

from pathlib import Path

from tgtui.format.versioned import TooBig, Version, Versions, parse_version, read_versions

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


def section_path(out: Path, section: str) -> Path:
    """Where ``section`` of the backup in ``out`` is kept."""
    return out / FOLDER / f"{section}.jsonl"


Section = Versions  # a section as read: every item's versions (`Versions`)


def read_section(out: Path, section: str) -> Section:
    """``section`` of the backup in ``out`` (empty when the backup has none). OSError when
    the file cannot be read (a link, a folder, too big to be a section: `TooBig`)."""
    return read_versions(section_path(out, section))


__all__ = [
    "FOLDER",
    "PROFILE_KEY",
    "SECTIONS",
    "Section",
    "TooBig",
    "Version",
    "parse_version",
    "read_section",
]
