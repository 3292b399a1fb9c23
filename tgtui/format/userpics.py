"""How a peer looks where no picture of it is saved, the same in the terminal and the HTML
export: the first letters of its name on one of eight colours chosen by a key (its id or
name); and a chat's peer as a record's ``from_id`` names it."""

from __future__ import annotations

import unicodedata
import zlib

# The userpics' backgrounds (the HTML export's ``.userpic.c0`` ... ``.c7``, tgtui.export.site).
COLOURS = ("#e17076", "#7bc862", "#e5ca77", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774")


def colour_index(key: str) -> int:
    """Which of the `COLOURS` a peer's initials are drawn on (its key: an id or a name)."""
    return zlib.crc32(key.encode("utf-8", "replace")) % len(COLOURS)


def _first_grapheme(word: str) -> str:
    """The first letter or digit of a word (else its first visible character), with the
    marks, variation selectors, skin tones and joined characters that belong to it: close
    enough to a grapheme for an initial, and never a control or a lone surrogate."""
    start = None
    for at, char in enumerate(word):
        category = unicodedata.category(char)
        if category[0] in "LN":
            start = at
            break
        if start is None and category[0] not in "CZM":
            start = at
    if start is None:
        return ""
    end = start + 1
    while end < len(word) and end - start < 8:
        char = word[end]
        category = unicodedata.category(char)
        if char == "\u200d" and end + 1 < len(word):  # a zero-width joiner and what it joins
            end += 2
        elif category[0] == "M" or category == "Sk" or "\U0001f3fb" <= char <= "\U0001f3ff":
            end += 1
        else:
            break
    grapheme = word[start:end]
    if any(unicodedata.category(c) in ("Cs", "Co", "Cn", "Cc") for c in grapheme):
        return ""
    upper = grapheme.upper()
    return upper if len(upper) == len(grapheme) else grapheme


def initials(name: str) -> str:
    """One or two initials of a name ("Ana Lima" -> "AL"), not escaped; "?" if it has none."""
    found = []
    for word in name.split()[:8]:
        first = _first_grapheme(word)
        if first:
            found.append(first)
            if len(found) == 2:
                break
    return "".join(found) or "?"


def chat_peer(peer_id: int) -> str | None:
    """A chat's peer as a record's from_id names it ("user123", "chat456", "channel789"),
    from Telethon's peer id (-100... a channel, -... a basic group)."""
    if peer_id > 0:
        return f"user{peer_id}"
    if peer_id < -1_000_000_000_000:
        return f"channel{-peer_id - 1_000_000_000_000}"
    if peer_id < 0:
        return f"chat{-peer_id}"
    return None
