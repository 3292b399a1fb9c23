"""A QR code drawn with half blocks: two rows of modules per line of text, so a version-3 code
(a login link) takes 33 columns and 17 lines with its quiet zone and fits an 80x24 terminal.

Each cell is "▀" with the upper module as its colour and the lower one as its background,
black on white whatever the theme (a scanner wants dark modules on a light ground). When the
widget is too small for the code, it shows the link instead, with what to do.
"""

from __future__ import annotations

import segno
from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from tgtui.i18n import _

DARK, LIGHT = "#000000", "#ffffff"
BORDER = 2  # modules of quiet zone around the code (the standard asks 4; 2 scans in practice)


def qr_lines(data: str) -> list[Text]:
    """The QR code of ``data`` as lines of half blocks (quiet zone included)."""
    code = segno.make(data, error="l", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=BORDER)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))  # a light row under an odd one
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        line = Text()
        for upper, lower in zip(top, bottom, strict=True):
            line.append("▀", style=f"{DARK if upper else LIGHT} on {DARK if lower else LIGHT}")
        lines.append(line)
    return lines


class QrCode(Widget):
    """Shows a QR code of a link, or the link itself when there is no room for the code."""

    DEFAULT_CSS = """
    QrCode { height: auto; width: 100%; content-align: center middle; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._data = ""
        self._lines: list[Text] = []

    @property
    def data(self) -> str:
        """What the code holds ("" for nothing)."""
        return self._data

    def show(self, data: str) -> None:
        """Draw the code of ``data`` (a tg://login link)."""
        self._data = data
        self._lines = qr_lines(data) if data else []
        self.refresh(layout=True)

    @property
    def fits(self) -> bool:
        """Whether the code fits the room the widget has now."""
        if not self._lines:
            return True
        width = self._lines[0].cell_len
        return width <= self.size.width and len(self._lines) <= max(0, self.app.size.height - 7)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """As many lines as the code, or the fallback's."""
        return len(self._lines) if self.fits else 3

    def render(self) -> RenderableType:
        """The code, centred; the link when it does not fit."""
        if not self._lines:
            return Text("")
        if not self.fits:
            too_small = _(
                "The window is too small for the QR code: make it bigger, or open this link "
                "on a phone signed in to Telegram:"
            )
            return Text.assemble(
                (too_small + "\n", "bold"),
                (self._data, ""),
            )
        return Text("\n").join(self._lines)
