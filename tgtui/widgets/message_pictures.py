"""The reader's pictures: the lines a message's picture takes in the message list, the
pictures decoded for the screen, and the thread that decodes them.

Laying a message out decodes nothing: its picture takes a box of lines sized from what the
message says of it (its media's size, else its thumbnail's: `tgtui.archive.pictures.box_for`),
so a chat of a million messages lays out as fast as without pictures, and a box keeps its
lines when its picture lands (nothing moves while scrolling). Only the pictures of the lines
on screen are asked for (`want`); one thread decodes them, newest request first, skipping
any that has left the screen meanwhile, and hands each to the view (`landed`). Drawn
pictures are kept up to `CACHE_BYTES`; one that cannot be decoded becomes one line saying
why.

The chat's picture in the reader's header (`tgtui.widgets.avatar`) is one more picture of the
same `Pictures`: it asks as its own ``owner`` (what the list wants does not forget it), and
is told when it lands as the list is (`listen`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.widget import Widget

from tgtui.archive.pictures import (
    Box,
    ByteCache,
    PictureSource,
    Record,
    Refused,
    box_for,
    picture_of,
    sticker_emoji,
)
from tgtui.i18n import N_, _
from tgtui.units import duration
from tgtui.untrusted import clean
from tgtui.widgets.message_text import INDENT
from tgtui.widgets.picture_rows import Drawn, PictureChoice, draw

CACHE_BYTES = 32 * 1024 * 1024  # drawn pictures kept (half blocks: ~100 KB each)
MIN_COLUMNS = 50  # a narrower view shows no pictures
MAX_COLUMNS = 64  # a picture is at most this wide...
MAX_ROWS = 16  # ...and this high, and two thirds of the view's height
FAILED_KEPT = 4096  # pictures that could not be drawn, remembered (one line each)

Key = tuple[str, int, int, str]


@dataclass(frozen=True)
class Slot:
    """A picture's place in a message: its file and its box."""

    source: PictureSource
    box: Box
    kind: str

    @property
    def key(self) -> Key:
        """What the picture is kept by."""
        return (str(self.source.path), self.box.columns, self.box.rows, self.kind)


@dataclass(frozen=True)
class PictureLine:
    """Line ``y`` of a picture, in a message's lines (``left``: columns of the list's
    gutter before it, `tgtui.widgets.userpics`)."""

    slot: Slot
    y: int
    left: int = 0


Line = Text | PictureLine


def _dropped(drawn: Drawn | Refused) -> None:
    if not isinstance(drawn, Refused):
        drawn.close()


def _size(drawn: Drawn | Refused) -> int:
    return 64 if isinstance(drawn, Refused) else drawn.nbytes


class Pictures:
    """The pictures of one message list: on or off, drawn ones, failed ones, and the
    decoding thread's queue."""

    def __init__(self, choice: PictureChoice) -> None:
        self.choice = choice
        self.on = choice.shown
        self.cache: ByteCache[Key, Drawn] = ByteCache(CACHE_BYTES, _size, _dropped)
        self.failed: OrderedDict[Key, str] = OrderedDict()
        self.background: tuple[int, int, int] = (0, 0, 0)
        self._lock = threading.Lock()
        self._pending: OrderedDict[Key, Slot] = OrderedDict()
        self._taken: set[Key] = set()  # being decoded, or decoded and not yet landed
        self._wanted: dict[str, set[Key]] = {}  # by who wants them (the list, the header)
        self._listeners: list[Callable[[Slot, bool], None]] = []
        self._decoding = False
        self.decoded = 0  # pictures decoded so far (for the bench and the tests)

    @property
    def kind(self) -> str:
        """What the terminal gets (half blocks where pictures were off at the start)."""
        return "blocks" if self.choice.kind == "off" else self.choice.kind

    def fits(self, width: int) -> bool:
        """Whether a view ``width`` columns wide shows pictures."""
        return width >= MIN_COLUMNS

    def lines(self, record: Record, folder: Path, width: int, height: int) -> list[Line]:
        """The lines a message's picture takes at this view size (none when it has none,
        pictures are off, or the view is too narrow)."""
        if not self.on or not self.fits(width):
            return []
        source = picture_of(record, folder)
        if source is None:  # an animated sticker with no still frame saved: its emoji
            emoji = sticker_emoji(record)
            if emoji is None:
                return []
            return [Text(" " * INDENT + clean(emoji, limit=8) + "  " + _("(animated sticker)"))]
        max_columns = min(MAX_COLUMNS, width - INDENT - 4)
        max_rows = max(3, min(MAX_ROWS, (height - 2) * 2 // 3))
        cell = self.choice.pixels_per_cell if self.choice.kind != "off" else (1, 2)
        slot = Slot(source, box_for(source, max_columns, max_rows, cell), self.kind)
        reason = self.failed.get(slot.key)
        if reason is not None:
            words = _("picture not shown: {reason}").format(reason=reason)
            return [Text(" " * INDENT + clean(words, limit=200), style="yellow")]
        lines: list[Line] = [PictureLine(slot, y) for y in range(slot.box.rows)]
        if source.moving:
            mark = "▶"
            if source.duration:
                mark += " " + duration(source.duration)
            lines.append(Text(" " * INDENT + mark, style="bold"))
        return lines

    def want(self, slots: list[Slot], start: Callable[[], None], owner: str = "list") -> None:
        """The pictures ``owner`` shows now (what it wanted before is forgotten, not what
        others want): the ones not drawn yet are queued (newest request first) and ``start``
        is called when the decoding thread is not running."""
        with self._lock:
            self._wanted[owner] = {slot.key for slot in slots}
            for slot in reversed(slots):
                key = slot.key
                if key in self.cache or key in self.failed or key in self._pending:
                    continue
                if key in self._taken:  # the thread has it: asked again, decoded once
                    continue
                self._pending[key] = slot
            if not self._pending or self._decoding:
                return
            self._decoding = True
        start()

    def next_wanted(self) -> Slot | None:
        """The next picture to decode (one still on screen), or None when there is none
        (the thread then ends)."""
        with self._lock:
            while self._pending:
                key, slot = self._pending.popitem(last=True)
                if any(key in keys for keys in self._wanted.values()):
                    self._taken.add(key)
                    return slot
            self._decoding = False
            return None

    def broken(self) -> None:
        """The decoding thread failed: the next `want` starts another."""
        with self._lock:
            self._decoding = False
            self._taken.clear()

    def decode(self, slot: Slot) -> Drawn | Refused:
        """Decode and draw one picture (in the decoding thread)."""
        self.decoded += 1
        return draw(slot.source.path, slot.box, self.choice_for_kind(), self.background)

    def choice_for_kind(self) -> PictureChoice:
        """The choice pictures are drawn with now (half blocks when turned on by hand)."""
        if self.choice.kind == "off":
            return PictureChoice(self.choice.mode, "blocks")
        return self.choice

    def landed(self, slot: Slot, drawn: Drawn | Refused) -> bool:
        """Keep a decoded picture and tell every listener (in the app's thread); True when
        the messages' lines change (it failed)."""
        failed = isinstance(drawn, Refused)
        if isinstance(drawn, Refused):
            self.failed[slot.key] = drawn.reason
            while len(self.failed) > FAILED_KEPT:
                self.failed.popitem(last=False)
        else:
            self.cache.put(slot.key, drawn)
        with self._lock:
            self._taken.discard(slot.key)
        for listener in list(self._listeners):
            listener(slot, failed)
        return failed

    def listen(self, listener: Callable[[Slot, bool], None]) -> Callable[[], None]:
        """Call ``listener(slot, failed)`` as each picture lands; returns what stops it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def decoding(self) -> Iterator[tuple[Slot, Drawn | Refused]]:
        """The picture thread's work: each wanted picture decoded, until none is left (a
        fault ends it, and the next `want` starts another thread)."""
        try:
            while (slot := self.next_wanted()) is not None:
                yield slot, self.decode(slot)
        except BaseException:
            self.broken()
            raise

    def stopped(self, owner: str | None = None) -> None:
        """``owner`` is going (None: every one): nothing more to decode for it; when none is
        left, the terminal forgets the pictures."""
        with self._lock:
            if owner is None:
                self._wanted.clear()
            else:
                self._wanted.pop(owner, None)
            if self._wanted:
                return
            self._pending.clear()
            self._taken.clear()
        self.cache.clear()


def start_decoding(widget: Widget, pictures: Pictures) -> None:
    """Start the picture thread, a worker of ``widget``: it decodes what is wanted until
    nothing is left, each picture landing in the app's thread (`Pictures.landed`)."""

    def run() -> None:
        for slot, drawn in pictures.decoding():
            widget.app.call_from_thread(pictures.landed, slot, drawn)

    widget.run_worker(
        run,
        thread=True,
        group="pictures",
        exit_on_error=False,
        description=N_("Drawing pictures"),
    )
