"""A line of text with some parts styled, for the commands' stderr, with no Rich in it.

A command run by cron or a script writes its lines as plain text and never loads Rich
(about 25 ms of a `tgtui backup`'s start); on a terminal Rich draws the same line with its
styles (`Line.rich_text`). Nothing in a line is ever read as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

Part = str | tuple[str, str]  # plain text, or (text, a Rich style name)


@dataclass(frozen=True, slots=True)
class Line:
    """Plain and (text, style) parts, in order."""

    parts: tuple[Part, ...]

    @property
    def plain(self) -> str:
        """The line without its styles, as Rich writes it where there are none."""
        return "".join(part if isinstance(part, str) else part[0] for part in self.parts)

    def rich_text(self) -> Text:
        """The line as Rich's `Text`, styles and all."""
        from rich.text import Text

        return Text.assemble(*self.parts)


def line(*parts: Part) -> Line:
    """A line of plain and (text, style) parts."""
    return Line(parts)
