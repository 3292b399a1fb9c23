"""What a person sees on a terminal, row by row, and the checks every screen must pass at
80x24: no value wrapped mid-unit, nothing needed cut, the footer's main keys there."""

from __future__ import annotations

import html
import itertools
import re
from collections import defaultdict
from typing import Any

from textual.app import App

from tgtui.widgets.key_footer import KeyFooter

# A number at the end of a row whose unit starts the next one ("78.3" / "MB").
_NUMBER_END = re.compile(r"\d[\d.,]*\s*$")
_UNIT_START = re.compile(r"^\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|%|msg/s|s|min|h)\b")
_TEXT = re.compile(
    r'<text[^>]*x="([\d.]+)"[^>]*clip-path="url\(#terminal-(?:\d+-)?line-(\d+)\)"[^>]*>'
    r"(.*?)</text>",
    re.S,
)
CELL = 12.2  # the width of a cell in Textual's screenshots (0.61 of its 20 px font)


def rows(app: App[Any]) -> list[str]:
    """The terminal's rows as text (from the app's own screenshot)."""
    svg = app.export_screenshot()
    width, height = app.size
    found: dict[int, list[str]] = defaultdict(lambda: [" "] * width)
    for x, number, content in _TEXT.findall(svg):
        text = html.unescape(re.sub(r"<[^>]+>", "", content)).replace("\xa0", " ")
        row = found[int(number)]
        start = round(float(x) / CELL)  # blank runs are drawn as background, not text
        for offset, char in enumerate(text):
            if start + offset < width:
                row[start + offset] = char
    return ["".join(found[n]).rstrip() for n in range(height)]


def wrapped_mid_value(lines: list[str]) -> list[tuple[str, str]]:
    """Pairs of rows where a number ends one and its unit starts the next."""
    pairs = itertools.pairwise(lines)
    return [(a, b) for a, b in pairs if _NUMBER_END.search(a.rstrip("│ ")) and _UNIT_START.match(b)]


def footer_keys(app: App[Any]) -> list[str]:
    """The keys the footer of the screen in front shows ("esc", "s", "⏎"...)."""
    footer = app.screen.query(KeyFooter)
    if not footer:
        return []
    return [str(getattr(key, "key_display", "")) for key in footer.first().children]


def cut(lines: list[str], words: list[str]) -> list[str]:
    """The ``words`` that are not on screen whole."""
    screen = "\n".join(lines)
    return [word for word in words if word not in screen]
