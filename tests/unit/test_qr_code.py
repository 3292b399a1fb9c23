"""The QR code on the login screen is the code of the link, module for module: each cell's
upper half is one module and its lower half the next row's, black on white."""

from __future__ import annotations

import segno
from rich.style import Style
from rich.text import Text

from tgtui.telegram.auth import QrCode as Token
from tgtui.widgets.qr_code import BORDER, DARK, LIGHT, qr_lines


def _modules(lines: list[Text]) -> list[list[int]]:
    rows: list[list[int]] = []
    for line in lines:
        upper, lower = [], []
        for span in line.spans:
            style = Style.parse(str(span.style))
            assert style.color is not None
            assert style.bgcolor is not None
            for _ in range(span.end - span.start):
                upper.append(int(style.color.triplet.hex == DARK))  # type: ignore[union-attr]
                lower.append(int(style.bgcolor.triplet.hex == DARK))  # type: ignore[union-attr]
        rows += [upper, lower]
    return rows


def test_the_drawing_is_the_code_of_the_login_link() -> None:
    link = Token(bytes(range(24)), 0.0).url
    assert link == "tg://login?token=AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"
    lines = qr_lines(link)
    expected = [list(row) for row in segno.make(link, error="l", micro=False).matrix_iter(
        scale=1, border=BORDER)]  # fmt: skip
    drawn = _modules(lines)[: len(expected)]
    assert drawn == expected
    assert {line.plain for line in lines} == {"▀" * len(expected[0])}
    assert len(lines) <= 17  # fits an 80x24 terminal with the header, footer and border
    assert len(expected[0]) <= 33
    assert {DARK, LIGHT} == {"#000000", "#ffffff"}
