"""A chat's picture, small: the userpic the backup saved (`avatars/`, SCHEMA.md "Thumbnails
and avatars"), else the name's initials on a colour, as the HTML export draws them.

It is one more picture of the reader's `Pictures` (the chat's header shares the message
list's cache and thread; elsewhere it has one of its own): found in the backup's
index in a thread, decoded in the picture thread like every other picture, from a file that
may come from a stranger (a link, a bomb, noise: the initials stay). Pictures off (`i`, or
config.toml's ``images = "off"``) hide it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from tgtui.archive.pictures import Box, PictureSource
from tgtui.format.avatars import current_avatars, saved_file
from tgtui.format.media_paths import AVATAR_INDEX
from tgtui.format.userpics import COLOURS, chat_peer, colour_index
from tgtui.format.userpics import initials as name_initials
from tgtui.i18n import N_
from tgtui.untrusted import clean
from tgtui.widgets.message_pictures import Pictures, Slot, start_decoding
from tgtui.widgets.picture_rows import PictureChoice

# Cells: four half blocks wide and two high are a square of 4 x 4 pixels (beside a title of
# two lines); six by three beside three lines.
SMALL = (4, 2)
BIG = (6, 3)
INITIALS_STYLE = Style(color="#ffffff", bold=True)


def initials(name: str) -> str:
    """One or two initials of a name ("Ana Lima" -> "AL"), as the HTML export takes them,
    made safe for the terminal ("?" when it has none)."""
    return clean(name_initials(name), limit=8) or "?"


def colour(name: str) -> str:
    """The colour a name's initials are drawn on (the HTML export's, for the same name)."""
    return COLOURS[colour_index(name)]


class _Index:
    """Each backup's ``avatars/index.jsonl``, read once (and again when it changes: a
    backup running into the folder adds lines). Safe to use from threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: dict[Path, tuple[tuple[int, int], dict[str, str]]] = {}

    def find(self, root: Path, peer: str) -> Path | None:
        """The peer's saved userpic in the backup ``root``: a regular file reached through
        no link, at a path tgtui writes (None: none saved, or refused)."""
        try:
            info = os.lstat(root / AVATAR_INDEX)
            stamp = (info.st_size, info.st_mtime_ns)
        except OSError:
            return None
        with self._lock:
            kept = self._read.get(root)
        if kept is None or kept[0] != stamp:
            kept = (stamp, current_avatars(root))
            with self._lock:
                if len(self._read) > 8:
                    self._read.clear()
                self._read[root] = kept
        relative = kept[1].get(peer)
        return None if relative is None else saved_file(root, relative)


INDEX = _Index()


def chat_avatar(root: Path, chat_id: int) -> Path | None:
    """The saved picture of the chat whose Telethon peer id is ``chat_id`` (in a thread:
    it reads the backup's index)."""
    peer = chat_peer(chat_id)
    return None if peer is None else INDEX.find(root, peer)


class Avatar(Widget):
    """A chat's picture in ``size`` cells (columns, rows), or its initials on a colour."""

    def __init__(
        self,
        pictures: Pictures | PictureChoice,
        *,
        size: tuple[int, int] = SMALL,
        owner: str = "avatar",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns, self.rows = size
        self.styles.width, self.styles.height = size
        self.pictures = pictures if isinstance(pictures, Pictures) else Pictures(pictures)
        self.owner = owner
        self._initials = "?"
        self._background = Style(bgcolor=COLOURS[0])
        self.slot: Slot | None = None  # the saved picture, once found
        self.looking = False  # the backup's index is being read
        self._asked = 0  # the last `show` (a late answer for another chat is dropped)
        self._showing: tuple[str, Path | None, int | None] | None = None
        self._stop_listening = self.pictures.listen(self._landed)
        self.display = self.pictures.on

    def show(self, name: str, root: Path | None = None, chat_id: int | None = None) -> None:
        """The chat ``name`` (its initials), and its picture if the backup in ``root`` saved
        one for the chat ``chat_id`` (looked for in a thread). The same chat again (the
        archive read anew) keeps what is shown."""
        shown = (name, root, chat_id)
        if shown == self._showing:
            return
        self._showing = shown
        self._initials = initials(name)
        self._background = Style(bgcolor=colour(name))
        self.slot = None
        self._asked += 1
        self.pictures.want([], lambda: None, self.owner)
        self.display = self.pictures.on
        self.refresh()
        if root is not None and chat_id is not None:
            self._look(root, chat_id, self._asked)

    def _look(self, root: Path, chat_id: int, asked: int) -> None:
        self.looking = True
        self.run_worker(
            lambda: self._found(asked, chat_avatar(root, chat_id)),
            thread=True,
            group="avatar",
            exclusive=True,
            exit_on_error=False,
            description=N_("Finding the chat's picture"),
        )

    def _found(self, asked: int, path: Path | None) -> None:
        """In the index's thread: hand what was found to the app's thread."""
        if asked == self._asked:
            self.app.call_from_thread(self._picture, asked, path)

    def _picture(self, asked: int, path: Path | None) -> None:
        if asked != self._asked:
            return
        self.looking = False
        if path is None:
            return
        cell_width, cell_height = self.pictures.choice_for_kind().pixels_per_cell
        box = Box(self.columns, self.rows, self.columns * cell_width, self.rows * cell_height)
        self.slot = Slot(PictureSource(path, None, None, False, None), box, self.pictures.kind)
        self._want()

    def _want(self) -> None:
        if self.slot is not None and self.pictures.on:
            self.pictures.want([self.slot], lambda: start_decoding(self, self.pictures), self.owner)

    def shown(self, on: bool) -> None:
        """Pictures turned on or off (`i`)."""
        self.display = on
        if on:
            self._want()
        self.refresh()

    @property
    def drawn(self) -> bool:
        """Whether the saved picture is drawn (not the initials)."""
        return self.slot is not None and self.slot.key in self.pictures.cache

    @property
    def settled(self) -> bool:
        """Whether it shows what it will: the picture drawn, or the initials for good (none
        saved, or the saved file is no picture)."""
        if self.looking:
            return False
        return self.slot is None or self.drawn or self.slot.key in self.pictures.failed

    def _landed(self, slot: Slot, failed: bool) -> None:
        if slot == self.slot:
            self.refresh()

    def on_unmount(self) -> None:
        """Nothing more to decode for it."""
        self._stop_listening()
        self.pictures.stopped(self.owner)

    def render_line(self, y: int) -> Strip:
        """Line ``y``: of the picture, or of the initials on their colour."""
        width = self.size.width
        drawn = None if self.slot is None else self.pictures.cache.get(self.slot.key)
        if drawn is not None:
            place = (self.region.x, self.region.y, 0, drawn.rows - 1)
            segments = drawn.line(y, self.app.console, place) if y < drawn.rows else []
            used = sum(segment.cell_length for segment in segments)
            segments = [*segments, Segment(" " * max(0, width - used))]
            return Strip(Segment.apply_style(segments, self.rich_style), width)
        line = Text(no_wrap=True)
        if y == (min(self.rows, self.size.height) - 1) // 2:
            line.append(self._initials, style=INITIALS_STYLE)
            line.truncate(width)
        line.align("center", width)
        initials = Segment.apply_style(line.render(self.app.console), self._background)
        return Strip(initials, width).crop(0, width)
