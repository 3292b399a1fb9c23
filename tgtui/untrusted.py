"""Strings from Telegram made safe: to show on a terminal, in a JSON line or an HTML page,
and to use in a file name.

Every chat title, user name, message text and file name comes from strangers. Shown raw, an
escape sequence in one can write the user's clipboard (OSC 52), retitle the window (OSC 0),
wipe the screen (CSI 2J) or smuggle a link (OSC 8); a bidi override can reorder our own
words around it; a `[tag]` in one breaks or restyles Rich markup. So:

- every display path passes server strings through `clean` (or `safe_text`, which gives a
  Rich `Text`, never markup);
- every JSON line printed for scripts goes through `json_line` (strings kept exactly, what
  a terminal would act on escaped), and every string put in an HTML page through
  `html_text` (escaped; controls and bidi overrides dropped);
- every name we create on disk from a server string goes through `file_name`, which cuts by
  UTF-8 bytes, not characters.

The saved data (messages.jsonl) keeps the original strings byte for byte: only what is shown
and what is named is changed here. No Textual import: the CLI and the engine use it too.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Rich loads when a `Text` is made, not with the sanitiser (a search's
    from rich.text import Text  # JSON lines and plain output never need it)

# Control characters become the visible "control pictures" (U+2400 block): the user sees that
# something was there, and the terminal sees nothing it would act on.
_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_DELETE = {0x7F: "\u2421"}
_C1 = {code: "\ufffd" for code in range(0x80, 0xA0)}  # C1 controls (CSI is 0x9B): replaced
# Explicit bidi embeddings, overrides and isolates: dropped, so they cannot reorder the UI
# text around a name. Right-to-left letters themselves are kept.
_BIDI = {code: None for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_SEPARATORS = {0x2028: " ", 0x2029: " ", 0x85: " "}  # line/paragraph separators, NEL
_SURROGATES = {code: "\ufffd" for code in range(0xD800, 0xE000)}  # cannot be encoded
_ANNOTATIONS = {code: None for code in range(0xFFF9, 0xFFFC)}

_COMMON: dict[int, str | None] = {
    **_C0_PICTURES,
    **_DELETE,
    **_C1,
    **_BIDI,
    **_SEPARATORS,
    **_SURROGATES,
    **_ANNOTATIONS,
}
ONE_LINE: dict[int, str | None] = {**_COMMON, 0x09: " ", 0x0A: " "}
MULTI_LINE: dict[int, str | None] = {**_COMMON, 0x09: "    ", 0x0A: "\n"}

# More than a few combining marks on one letter ("Zalgo" text) only draws over other lines.
_COMBINING = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
MAX_MARKS_SHOWN = 4

# The patterns below are compiled when first used, not on import (each costs a few tenths of
# a millisecond, and a command such as `tgtui search` starts within ripgrep's time).
_mark_flood: re.Pattern[str] | None = None
_unsafe_in_json: re.Pattern[str] | None = None
_unsafe_in_html: re.Pattern[str] | None = None


def _compiled_mark_flood() -> re.Pattern[str]:
    """A letter's combining marks past the first `MAX_MARKS_SHOWN`."""
    global _mark_flood  # compiled once, on first use
    _mark_flood = re.compile(f"([{_COMBINING}]{{4}})[{_COMBINING}]+")
    return _mark_flood


ELLIPSIS = "…"


def clean(value: object, *, limit: int | None = None, multiline: bool = False) -> str:
    """``value`` as text that is safe to put on a terminal.

    Controls become visible placeholders (ESC shows as ␛), bidi overrides are dropped, floods
    of combining marks are thinned, and the result is cut to ``limit`` characters (with an
    ellipsis). Newlines are kept only when ``multiline``. ``None`` gives "".
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else _text_of(value)
    if limit is not None and len(text) > 4 * limit:
        text = text[: 4 * limit]  # a megabyte-long name costs no more than a short one
    text = text.translate(MULTI_LINE if multiline else ONE_LINE)
    if not text.isascii():
        text = (_mark_flood or _compiled_mark_flood()).sub(r"\1", text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    return text


def _text_of(value: object) -> str:
    """``str(value)`` for what is not a string; a value nested deeper than ``str`` goes (a
    stranger's list in a list in a list...) shows as an ellipsis."""
    try:
        return str(value)
    except RecursionError:
        return ELLIPSIS


def safe_text(
    value: object, *, style: str = "", limit: int | None = None, multiline: bool = False
) -> Text:
    """`clean` as a Rich `Text`: shown literally, never parsed as markup."""
    from rich.text import Text

    return Text(clean(value, limit=limit, multiline=multiline), style=style)


# -- JSON for a terminal ----------------------------------------------------------------------


def _compiled_unsafe_in_json() -> re.Pattern[str]:
    """What JSON writes raw and a terminal may act on (DEL, C1 controls such as the one-byte
    CSI, bidi overrides, line separators) or, for lone surrogates, cannot be encoded at all
    (JSON escapes C0 controls itself)."""
    global _unsafe_in_json  # compiled once, on first use
    _unsafe_in_json = re.compile(
        "[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
    )
    return _unsafe_in_json


def json_line(value: object) -> str:
    """``value`` as one line of JSON that keeps every string exactly (scripts need the real
    names) and shows a terminal nothing it would act on: DEL, C1 controls, bidi overrides,
    line separators and lone surrogates are written as \\u escapes, which parse back to the
    same characters. The one way tgtui prints JSON for scripts."""
    text = json.dumps(value, ensure_ascii=False)
    return (_unsafe_in_json or _compiled_unsafe_in_json()).sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


# -- HTML -------------------------------------------------------------------------------------


def _compiled_unsafe_in_html() -> re.Pattern[str]:
    """What is not allowed in HTML text (C0 controls but tab and newlines, DEL, C1), or could
    reorder a page's own words around a name (bidi embeddings, overrides, isolates): dropped.
    Lone surrogates cannot be written in UTF-8: replaced."""
    global _unsafe_in_html  # compiled once, on first use
    _unsafe_in_html = re.compile(
        "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
    )
    return _unsafe_in_html


def _html_replacement(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""


def html_text(value: object) -> str:
    """``value`` as text for an HTML page or attribute (a link's address too): escaped,
    controls and bidi overrides dropped, lone surrogates replaced. The one way tgtui puts a
    string in a page."""
    text = value if isinstance(value, str) else _text_of(value)
    unsafe = _unsafe_in_html or _compiled_unsafe_in_html()
    if unsafe.search(text):
        text = unsafe.sub(_html_replacement, text)
    # html.escape(text, quote=True), as the standard library spells it (its module, with
    # every named entity, is not loaded for it)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("'", "&#x27;")


# -- file names ------------------------------------------------------------------------------

NAME_MAX_BYTES = 255  # the limit of ext4, btrfs, xfs, APFS and NTFS (in UTF-8 bytes, for us)
MAX_EXTENSION_BYTES = 16
_UNSAFE_IN_NAME = re.compile(r"[^\w.\-]+")


def cut_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` that is at most ``max_bytes`` in UTF-8 (whole letters)."""
    return text.encode("utf-8", "replace")[:max_bytes].decode("utf-8", "ignore")


def file_name(name: str, max_bytes: int) -> str:
    """A file name made from a stranger's ``name``, at most ``max_bytes`` in UTF-8.

    Letters, digits, ``.``, ``-`` and ``_`` are kept (any script); anything else (slashes,
    controls, spaces, bidi marks) becomes ``_``; leading and trailing dots go, so the result
    is never ``..`` or hidden. A short extension survives the cut. "" when nothing usable is
    left: the caller names the file itself.
    """
    safe = _UNSAFE_IN_NAME.sub("_", name.translate(_SURROGATES)).strip("._")
    if len(safe.encode("utf-8")) <= max_bytes:
        return safe
    stem, dot, extension = safe.rpartition(".")
    if dot and stem and len(extension.encode("utf-8")) <= MAX_EXTENSION_BYTES:
        room = max_bytes - len(extension.encode("utf-8")) - 1
        cut = cut_bytes(stem, room).rstrip("._")
        if cut:
            return f"{cut}.{extension}"
    return cut_bytes(safe, max_bytes).rstrip("._")
