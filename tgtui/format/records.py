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
    if not path.isascii():
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:  # half a surrogate pair: no file can have that name
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

# Message ids are positive and fit SQLite's (and every array's) signed 64 bits; Telegram's
# are 32-bit. A chat's peer id (Telethon's, marked: -100... for channels) fits them too.
MAX_ID = (1 << 63) - 1
MIN_PEER_ID = -MAX_ID


def message_id(record: object) -> int | None:
    """The id of a parsed line when it is a message record (a JSON object whose ``id`` is an
    integer from 1 to `MAX_ID`, not a boolean), else None. The one test every reader uses."""
    if type(record) is not dict:
        return None
    value = record.get("id")
    if type(value) is not int or not 0 < value <= MAX_ID:
        return None
    return value


def record_id(line: bytes) -> tuple[int, dict[str, Any]] | None:
    """The id and record of one JSONL line, None if it is not a message record: not UTF-8,
    not one JSON object, nested deeper than the parser goes, or without a usable id
    (`message_id`). Such a line is a damaged line, wherever it is read."""
    try:
        text = line.decode("utf-8")
        if text[:1] == "{":  # as tgtui writes every line: straight to the scanner
            record, end = _SCAN(text, 0)
            if text[end:].strip():
                return None  # something after the object
        else:
            record = _DECODER.decode(text)
    except (ValueError, StopIteration, RecursionError):  # bad JSON or UTF-8, or too deep
        return None
    if type(record) is not dict:  # `message_id`, written out: this runs for every line
        return None
    value = record.get("id")
    if type(value) is not int or not 0 < value <= MAX_ID:
        return None
    return value, record


def peer_id(value: object) -> int | None:
    """A chat's peer id from a manifest: a non-zero integer that fits 64 bits, else None."""
    if type(value) is not int or value == 0 or not MIN_PEER_ID <= value <= MAX_ID:
        return None
    return value


# The last second of 9999 (UTC): every date type takes it, and a search index's row ids
# (seconds << 24) stay within 63 bits.
MAX_UNIXTIME = 253_402_300_799


def unixtime(value: object) -> int | None:
    """A `*_unixtime` field as seconds: a string of ASCII digits (as tgtui and Telegram
    Desktop write it) or an integer, from 0 to `MAX_UNIXTIME`; None for anything else
    (``"²"`` and ``"٣"`` are digits to Python, not to a date)."""
    if type(value) is str:
        if not (value.isascii() and value.isdigit()) or len(value) > 12:
            return None
        seconds = int(value)
    elif type(value) is int:
        seconds = value
    else:
        return None
    return seconds if 0 <= seconds <= MAX_UNIXTIME else None


def non_negative(value: object) -> int | None:
    """A field that counts something (a size, voters, seconds): an integer from 0 to
    `MAX_ID` (not a boolean), else None."""
    return value if type(value) is int and 0 <= value <= MAX_ID else None


# What tells one media from another in a record without ``media_id`` (records before tgtui
# 0.5): the same kind of media with the same size, name, type and dimensions is the same file.
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
    photo or file replaced). Versions without media never match. When both name Telegram's
    id of their media (``media_id``, from tgtui 0.5) it decides: a file replaced by another
    of the same name and size is another file; older records are told apart by shape."""
    if not earlier.get("media_type") or earlier.get("media_unavailable"):
        return False
    ids = earlier.get("media_id"), later.get("media_id")
    if all(type(i) is str for i in ids) and ids[0] != ids[1]:
        return False
    return all(_scalar(earlier.get(key)) == _scalar(later.get(key)) for key in MEDIA_KEYS)


def _scalar(value: object) -> object:
    """``value`` when it is a plain JSON scalar (compared cheaply, however a stranger nested
    the rest), else a mark that matches nothing."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    return object()


def carry_file(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """``later`` with the file ``earlier`` saved, when both carry the same media and
    ``later`` names none of its own: editing a caption keeps the photo saved with the first
    text. A version whose media changed keeps its own (or none)."""
    if "file" in later or "file" not in earlier or not same_media(earlier, later):
        return later
    return {**later, "file": earlier["file"]}
