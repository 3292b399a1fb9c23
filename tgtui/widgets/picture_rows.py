"""Pictures drawn as screen lines for the reader's message list: in Unicode half blocks
(every terminal with colours: tmux and ssh too), in Kitty's graphics protocol (Unicode
placeholders, which scroll with the text), or in Sixel (xterm, foot, WezTerm, iTerm2,
Konsole...), the last two written by textual-image.

Which one a terminal gets is chosen once, before the app starts (a terminal can be asked
only before Textual reads its input): `choose`. A terminal the environment does not name as
one that draws pictures is not asked at all (asking one that does not answer costs a wait),
and gets half blocks; one that shows no colours (``NO_COLOR`` set, ``TERM=dumb``) gets none,
unless config.toml says ``images = "blocks"``.

A drawn picture is a `Drawn`: its lines as Rich segments, made from pixels already decoded
(`tgtui.archive.pictures.decode`) in the picture thread, and its size in bytes for the
cache.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from rich.color import Color
from rich.console import Console
from rich.control import Control
from rich.segment import ControlType, Segment
from rich.style import Style

from tgtui.archive.pictures import Box, Refused, decode

if TYPE_CHECKING:
    from PIL.Image import Image

Mode = Literal["auto", "blocks", "off"]
Kind = Literal["blocks", "kitty", "sixel", "off"]
HALF = "▀"  # the upper half: its colour on top, the background's below
DEFAULT_CELL = (10, 20)  # pixels of a cell, where the terminal does not say
BLOCK_CELL = (1, 2)  # a half-block cell: one pixel wide, two high
SEGMENT_BYTES = 240  # about what one coloured cell (a Segment and its Style) holds
# Terminals that draw Sixel or Kitty's pictures, as their environment names them; others are
# not asked (and get half blocks): asking a terminal that does not answer costs a wait.
SIXEL_TERMINALS = frozenset({"foot", "foot-extra", "mlterm", "contour", "yaft-256color"})
SIXEL_PROGRAMS = frozenset({"WezTerm", "iTerm.app", "mintty", "vscode", "contour"})
KITTY_PROGRAMS = frozenset({"ghostty"})


@dataclass(frozen=True)
class PictureChoice:
    """How the reader draws pictures: the setting (config.toml's ``images``), what the
    terminal gets (``kind``), and its cell's size in pixels."""

    mode: Mode = "auto"
    kind: Kind = "blocks"
    cell: tuple[int, int] = DEFAULT_CELL

    @property
    def shown(self) -> bool:
        """Whether pictures are drawn when a chat opens."""
        return self.kind != "off"

    @property
    def pixels_per_cell(self) -> tuple[int, int]:
        """The pixels a picture is decoded to per cell."""
        return BLOCK_CELL if self.kind in ("blocks", "off") else self.cell


def images_mode(value: str) -> Mode:
    """config.toml's ``images`` (checked by `tgtui.config`) as `choose` takes it."""
    return "off" if value == "off" else "blocks" if value == "blocks" else "auto"


def choose(mode: Mode, environ: Mapping[str, str] | None = None) -> PictureChoice:
    """What this terminal gets for ``mode``: nothing (off, or "auto" on a terminal without
    colours), half blocks, or the best protocol textual-image finds it answers to (asked
    here, before the app starts)."""
    env = os.environ if environ is None else environ
    if mode == "off" or (mode == "auto" and not shows_colour(env)):
        return PictureChoice(mode, "off")
    if mode == "blocks" or not _may_draw_pixels(env):
        return PictureChoice(mode, "blocks")
    stdout = sys.__stdout__
    if stdout is None or not stdout.isatty():
        return PictureChoice(mode, "blocks")
    try:
        # Importing it asks the terminal (Sixel first, then Kitty's protocol).
        from textual_image import renderable
        from textual_image._terminal import get_cell_size
    except ImportError:  # an install without it: half blocks need only Pillow
        return PictureChoice(mode, "blocks")
    cell = get_cell_size()
    found: Kind = "blocks"
    if renderable.Image is renderable.SixelImage:
        found = "sixel"
    elif renderable.Image is renderable.TGPImage:
        found = "kitty"
    return PictureChoice(mode, found, (max(1, cell.width), max(1, cell.height)))


def shows_colour(env: Mapping[str, str]) -> bool:
    """Whether the terminal shows colours, as its environment says: not when ``NO_COLOR``
    is set to anything (https://no-color.org) or ``TERM`` is "dumb". Pictures in half blocks
    are colours: such a terminal draws them as blank cells."""
    return not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def _may_draw_pixels(env: Mapping[str, str]) -> bool:
    """Whether the environment names a terminal that may draw pixels (never inside tmux or
    screen, which pass no pictures on unless told to)."""
    if env.get("TMUX") or env.get("STY"):
        return False
    term = env.get("TERM", "")
    if term.startswith(("screen", "tmux")):
        return False
    program = env.get("TERM_PROGRAM", "")
    return bool(
        term == "xterm-kitty"
        or env.get("KITTY_WINDOW_ID")
        or term in SIXEL_TERMINALS
        or program in SIXEL_PROGRAMS
        or program in KITTY_PROGRAMS
        or env.get("KONSOLE_VERSION")
        or env.get("WEZTERM_EXECUTABLE")
    )


class Drawn(Protocol):
    """A picture ready to draw: ``rows`` lines of ``columns`` cells."""

    columns: int
    rows: int
    nbytes: int

    def line(self, y: int, console: Console, place: tuple[int, int, int, int]) -> list[Segment]:
        """Line ``y`` of the picture: ``columns`` cells. ``place`` is where the picture's
        first column and row are on the screen, and the rows of it the screen shows (first,
        last)."""
        ...

    def close(self) -> None:
        """Free what the terminal holds of it."""
        ...


def _colour(pixel: tuple[int, ...]) -> Color:
    return Color.from_rgb(pixel[0], pixel[1], pixel[2])


def block_lines(image: Image, columns: int, rows: int) -> list[list[Segment]]:
    """``image`` (at most ``columns`` x ``2 * rows`` pixels) as lines of half blocks: each
    cell's upper pixel in the foreground, its lower in the background; beyond the picture,
    blank cells."""
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    lines: list[list[Segment]] = []
    for y in range(rows):
        line: list[Segment] = []
        top, bottom = 2 * y, 2 * y + 1
        for x in range(min(width, columns)):
            if top >= height:
                line.append(Segment(" "))
                continue
            upper = pixels[x, top]
            assert isinstance(upper, tuple)
            if bottom < height:
                lower = pixels[x, bottom]
                assert isinstance(lower, tuple)
                style = Style(color=_colour(upper), bgcolor=_colour(lower))
            else:
                style = Style(color=_colour(upper))
            line.append(Segment(HALF, style))
        if columns > width:
            line.append(Segment(" " * (columns - width)))
        lines.append(list(Segment.simplify(line)))
    return lines


@dataclass
class BlockPicture:
    """A picture in half blocks."""

    columns: int
    rows: int
    lines: list[list[Segment]]
    nbytes: int = 0

    @classmethod
    def of(cls, image: Image, columns: int, rows: int) -> BlockPicture:
        """``image`` drawn in half blocks in a box of ``columns`` x ``rows``."""
        lines = block_lines(image, columns, rows)
        return cls(columns, rows, lines, SEGMENT_BYTES * columns * rows + 512)

    def line(self, y: int, console: Console, place: tuple[int, int, int, int]) -> list[Segment]:
        """Line ``y``."""
        return self.lines[y] if 0 <= y < len(self.lines) else [Segment(" " * self.columns)]

    def close(self) -> None:
        """Nothing is held by the terminal."""


@dataclass
class KittyPicture:
    """A picture in Kitty's graphics protocol: sent to the terminal once (textual-image
    writes it, when first drawn), then drawn by Unicode placeholders that scroll like text.
    Closing it deletes it from the terminal."""

    columns: int
    rows: int
    image: Image
    nbytes: int = 0
    _renderable: object | None = None
    _lines: list[list[Segment]] = field(default_factory=list)

    @classmethod
    def of(cls, image: Image, columns: int, rows: int) -> KittyPicture:
        """``image`` to be drawn over ``columns`` x ``rows`` cells."""
        nbytes = image.width * image.height * 3 + 160 * columns * rows
        return cls(columns, rows, image, nbytes)

    def line(self, y: int, console: Console, place: tuple[int, int, int, int]) -> list[Segment]:
        """Line ``y`` (the first call sends the picture to the terminal)."""
        if not self._lines:
            from textual_image.renderable.tgp import Image as TGPImage

            renderable = TGPImage(self.image, width=self.columns, height=self.rows)
            self._renderable = renderable
            options = console.options.update(width=self.columns, height=self.rows)
            self._lines = console.render_lines(renderable, options, pad=False, new_lines=False)
        return self._lines[y] if 0 <= y < len(self._lines) else [Segment(" " * self.columns)]

    def close(self) -> None:
        """Delete it from the terminal."""
        renderable = self._renderable
        cleanup = getattr(renderable, "cleanup", None)
        if callable(cleanup):
            cleanup()
        self._renderable = None
        self._lines = []


@dataclass
class SixelPicture:
    """A picture in Sixel, written by textual-image's encoder over the picture's last line
    on screen (the lines above it are drawn first, blank, so none of them paints over it).
    Partly scrolled off the screen, it is drawn in half blocks."""

    columns: int
    rows: int
    sixels: str
    blocks: BlockPicture
    nbytes: int = 0

    @classmethod
    def of(cls, image: Image, small: Image, columns: int, rows: int) -> SixelPicture:
        """``image`` (cell pixels) in Sixel, ``small`` (two pixels a cell) in half blocks."""
        sixels = sixel_data(image)
        blocks = BlockPicture.of(small, columns, rows)
        return cls(columns, rows, sixels, blocks, len(sixels) + blocks.nbytes)

    def line(self, y: int, console: Console, place: tuple[int, int, int, int]) -> list[Segment]:
        """Line ``y``: blank, the last one carrying the picture."""
        x, top, first, last = place
        if first != 0 or last != self.rows - 1:
            return self.blocks.line(y, console, place)
        blank = Segment(" " * self.columns)
        if y != self.rows - 1:
            return [blank]
        return [blank, *sixel_segments(self.sixels, x, top, self.columns, self.rows)]

    def close(self) -> None:
        """Nothing is held by the terminal."""


_NO_MOVE = ((ControlType.CURSOR_FORWARD, 0),)  # keeps Rich and Textual off the data


def sixel_data(image: Image) -> str:
    """``image`` in Sixel, by textual-image's encoder."""
    from textual_image._sixel import image_to_sixels

    return image_to_sixels(image)


def sixel_segments(sixels: str, x: int, y: int, columns: int, rows: int) -> list[Segment]:
    """The segments that draw ``sixels`` with its top left corner at screen cell (x, y),
    then put the cursor back after the picture's last line (as textual-image's widget does:
    they take no cell)."""
    return [
        Segment(Control.move_to(x, y).segment.text, control=_NO_MOVE),
        Segment(sixels, control=_NO_MOVE),
        Segment(Control.move_to(x + columns, y + rows - 1).segment.text, control=_NO_MOVE),
    ]


def draw(
    path: Path, box: Box, choice: PictureChoice, background: tuple[int, int, int]
) -> Drawn | Refused:
    """The picture in ``path`` decoded and drawn for ``choice``'s terminal in ``box`` (in the
    picture thread); or why it is not drawn."""
    if choice.kind in ("blocks", "off"):
        small = decode(path, box.columns, 2 * box.rows, background)
        if isinstance(small, Refused):
            return small
        return BlockPicture.of(small, box.columns, box.rows)
    cell_width, cell_height = choice.cell
    image = decode(path, box.columns * cell_width, box.rows * cell_height, background)
    if isinstance(image, Refused):
        return image
    # The box as the picture fills it (its shape may differ from what the message said).
    columns = max(1, min(box.columns, -(-image.width // cell_width)))
    rows = max(1, min(box.rows, -(-image.height // cell_height)))
    if choice.kind == "kitty":
        return KittyPicture.of(image, columns, rows)
    small = image.copy()
    small.thumbnail((columns, 2 * rows))
    return SixelPicture.of(image, small, columns, rows)


def choice_of(app: object, environ: Mapping[str, str] | None = None) -> PictureChoice:
    """How ``app`` draws pictures: as it was told (`ReaderApp.pictures`, and the full app's
    `TgtuiApp.pictures`: both ask their terminal with `choose` before they start); an app
    told nothing (tests) draws half blocks unless its config.toml says ``images = "off"``,
    or says nothing of them (or "auto") on a terminal without colours (`shows_colour`)."""
    chosen = getattr(app, "pictures", None)
    if isinstance(chosen, PictureChoice):
        return chosen
    settings = getattr(getattr(app, "context", None), "settings", None)
    images = getattr(settings, "images", None)
    if images == "blocks":
        return PictureChoice("blocks", "blocks")
    env = os.environ if environ is None else environ
    if images == "off" or not shows_colour(env):
        return PictureChoice("off" if images == "off" else "auto", "off")
    return PictureChoice("auto", "blocks")
