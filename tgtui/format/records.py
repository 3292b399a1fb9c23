"""The shape of a backup's lines: what makes a line a message record, and a usable file path.

No Textual, no Telethon, no engine: the backup engine, the reader, search and the exports all
judge a line by these functions, so a line is a record (or damaged) the same way everywhere.
"""

from __future__ import annotations

import json
from typing import Any

from tgtui.untrusted import NAME_MAX_BYTES

# In every line that names a media file, as tgtui writes lines now ('"file":"media/...') and
# wrote them before 0.4 ('"file": "media/...'); in JSON text a '"' in a string is escaped,
# so only a key can look like this.
FILE_MARK = b'"file":'


def media_path_problem(path: object) -> str | None:
    """Why a line's ``file`` cannot be used (None when it is a plain path under media/)."""
    if not isinstance(path, str) or not path:
        return "its file path is not text"
    parts = path.split("/")
    if parts[0] != "media" or len(parts) < 2 or "\\" in path or "\x00" in path:
        return "its file path leaves the chat folder"
    if any(p in ("", ".", "..") for p in parts):
        return "its file path leaves the chat folder"
    if any(len(p.encode("utf-8", "replace")) > NAME_MAX_BYTES for p in parts):
        return "its file name is too long"
    return None


_DECODER = json.JSONDecoder()


_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner, no regexes


def record_id(line: bytes) -> tuple[int, dict[str, Any]] | None:
    """The id and record of one JSONL line, None if it is not a message record."""
    try:
        text = line.decode("utf-8")
        if text[:1] == "{":  # as tgtui writes every line: straight to the scanner
            record, end = _SCAN(text, 0)
            if text[end:].strip():
                return None  # something after the object
        else:
            record = _DECODER.decode(text)
    except (ValueError, StopIteration):  # bad JSON, or bytes that are not UTF-8
        return None
    if not isinstance(record, dict):
        return None
    value = record.get("id")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return value, record


# What tells one media from another in a record (Telegram's ids are not kept): the same
# kind of media with the same size, name, type and dimensions is the same file.
MEDIA_KEYS = (
    "media_type",
    "file_size",
    "file_name",
    "mime_type",
    "width",
    "height",
    "duration_seconds",
)
FILE_KEYS = ("file",)  # what a saved version says about its file on disk


def same_media(earlier: dict[str, Any], later: dict[str, Any]) -> bool:
    """Whether two versions of a message carry the same media (a caption edited, not the
    photo or file replaced). Versions without media never match."""
    if not earlier.get("media_type") or earlier.get("media_unavailable"):
        return False
    return all(earlier.get(key) == later.get(key) for key in MEDIA_KEYS)


def carry_file(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """``later`` with the file ``earlier`` saved, when both carry the same media and
    ``later`` names none of its own: editing a caption keeps the photo saved with the first
    text. A version whose media changed keeps its own (or none)."""
    if "file" in later or "file" not in earlier or not same_media(earlier, later):
        return later
    return {**later, "file": earlier["file"]}
