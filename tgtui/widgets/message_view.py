"""The reader's message list: a virtual list of messages of any height over a `ChatLog`.

Nothing is measured up front. The view is a place (a message, and how many of its lines are
scrolled off the top), and each frame lays out only the messages that fill the screen from
there, so a chat of a million messages costs what one screenful does. Messages are counted
from the newest (0), as the log finds them; a running backup appending messages shifts the
count, and the view either stays with the newest (when it was there) or keeps its place.

Two caches serve the frames: each message's lines (by its place in the file and the width)
and the screen's rows. The rows are remembered with the layout they were made for (the
place, the count, the size, the messages' look) and made again when any of it differs, so
nothing that moves the view has to forget them; what changes how messages look (another
chat, a file saved or lost) calls `_relayout`.

A message's picture is lines of its own in the message's lines (`PictureLine`), drawn from
the pictures decoded for the screen (`tgtui.widgets.message_pictures`): laying out decodes
nothing, and only the pictures on screen are decoded, in a thread. In a chat of several
senders, each sender's run of messages has their userpic beside its name line, in a gutter
(`tgtui.widgets.userpics`), decoded the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.dom import NoScreen
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tgtui.archive.chat_log import ChatLog, Record
from tgtui.i18n import N_, _
from tgtui.widgets.message_pictures import PictureLine, Pictures, Slot, start_decoding
from tgtui.widgets.message_text import INDENT, Shown, message_parts
from tgtui.widgets.picture_rows import PictureChoice
from tgtui.widgets.userpics import GUTTER, Line, UserpicLine, Userpics

BLOCK_CACHE = 500  # laid-out messages kept (by byte offset and width)
CURSOR_STYLE = Style(bgcolor="grey23")
CURSOR_MARK = Style(color="bright_yellow", bold=True)


@dataclass
class Row:
    """One screen line: the message it belongs to and its text."""

    k: int
    text: Line


class MessageView(Widget, can_focus=True):
    """Messages of one chat, newest at the bottom, with a cursor message."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(1)", N_("Older"), show=False, id="older"),
        Binding("down,j", "move(-1)", N_("Newer"), show=False, id="newer"),
        Binding("pageup", "page(-1)", N_("Page up"), show=False, id="page-up"),
        Binding("pagedown", "page(1)", N_("Page down"), show=False, id="page-down"),
        Binding("home,g", "oldest", N_("Oldest"), show=False, id="oldest"),
        Binding("end,G", "newest", N_("Newest"), show=False, id="newest"),
    ]

    @dataclass
    class Moved(Message):
        """The cursor moved to another message (or the messages changed)."""

        view: MessageView

    @dataclass
    class WantOldest(Message):
        """Home was pressed before the oldest message's place is known."""

        view: MessageView

    def __init__(self, *, id: str | None = None, pictures: PictureChoice | None = None) -> None:
        super().__init__(id=id)
        self.pictures = Pictures(pictures or PictureChoice(kind="off"))
        self._stop_listening = self.pictures.listen(self._picture_landed)
        self.userpics = Userpics(self.pictures)
        self.chat_log: ChatLog | None = None
        self.cursor = 0  # message under the cursor, from the newest
        self.top = 0  # message at the top of the screen
        self.top_skip = 0  # its lines scrolled off the top
        self._blocks: OrderedDict[tuple[int, int, int], list[Line]] = OrderedDict()
        self._look = 0  # counts the times the messages' look changed (see `_relayout`)
        self._rows: list[Row] = []
        self._rows_for: tuple[int, ...] | None = None  # the layout `_rows` shows
        self._none_known = False  # no message's place was known when the chat was shown
        self._unplaced = False  # shown before it had a height: placed by its first frame

    # --- data ------------------------------------------------------------------------------

    def show(self, log: ChatLog, at: int = 0) -> None:
        """Show ``log`` with message ``at`` under the cursor (0: the newest, at the bottom)."""
        self.chat_log = log
        self._none_known = self.count == 0  # until the scan finds some
        self.userpics.start(log, self._backup_root())
        self._relayout()
        if at == 0:
            self.cursor = 0
            # Shown as its screen mounts, it has no height yet: placing the newest message
            # then laid it out 10 columns wide and left the first frame blank (the rows are
            # placed by `rows`, for the height the first frame gives).
            self._unplaced = self.size.height <= 0
            if not self._unplaced:
                self._align_bottom(0)
        else:
            self.jump(at)
        self._changed()

    def grew(self, added: int) -> None:
        """A running backup appended ``added`` messages: follow them if at the newest."""
        if added <= 0 or self.chat_log is None:
            return
        if self.cursor == 0:
            self._align_bottom(0)
        else:
            self.cursor += added
            self.top += added
        self._changed()

    def placed(self) -> None:
        """Every message's place is known now (the scan ended): lay the messages out again
        (a reply laid out meanwhile could not yet find an older message it quotes, and said
        it is not in the backup); show them at the newest if none were known when the view
        was laid out (a damaged tail of megabytes before the newest message, say)."""
        self._relayout()
        if self._none_known and self.count and self.chat_log is not None:
            self.userpics.start(self.chat_log, self.userpics.root)
            self.cursor = 0
            self._align_bottom(0)
        self._none_known = False
        self._changed()

    def refresh_blocks(self) -> None:
        """Lay every message out again (files saved or lost since change their lines)."""
        self._relayout()
        self._changed()

    @property
    def count(self) -> int:
        """Messages known."""
        return 0 if self.chat_log is None else self.chat_log.count

    def _backup_root(self) -> Path | None:
        """The backup folder of the screen reading the chat (its ``service``), whose
        avatars/ the senders' userpics come from; None outside one."""
        try:
            service = getattr(self.screen, "service", None)
        except NoScreen:
            return None
        folder = getattr(service, "folder", None)
        return folder if isinstance(folder, Path) else None

    @property
    def current(self) -> Record | None:
        """The message under the cursor."""
        if self.chat_log is None or self.count == 0:
            return None
        return self.chat_log.at(self.cursor)

    # --- layout ----------------------------------------------------------------------------

    def _block(self, k: int) -> list[Line]:
        log = self.chat_log
        assert log is not None
        gutter = self.userpics.shown(self.size.width)
        width = max(10, self.size.width - 2 - (GUTTER if gutter else 0))
        start, _ = log.span(k)
        older_start = log.span(k + 1)[0] if k + 1 < log.count else -1
        key = (start, older_start, width)
        kept = self._blocks.get(key)
        if kept is not None:
            self._blocks.move_to_end(key)
            return kept
        shown = Shown(
            older=log.at(k + 1) if k + 1 < log.count else None,
            replied=log.exact,
            folder=log.chat.folder,
            failed=log.media_failed,
        )
        record = log.at(k)
        head, tail = message_parts(record, shown, width, self.app.console)
        across = self.size.width - (GUTTER if gutter else 0)
        pictures = self.pictures.lines(record, log.chat.folder, across, self.size.height)
        block: list[Line] = [*head, *pictures, *tail] or [Text("")]
        if gutter:
            block = self.userpics.beside(record, shown.older, block)
        self._blocks[key] = block
        if len(self._blocks) > BLOCK_CACHE:
            self._blocks.popitem(last=False)
        return block

    def _height(self, k: int) -> int:
        return len(self._block(k))

    @property
    def rows(self) -> list[Row]:
        """The screen's lines, laid out from the top message down."""
        width, height = self.size
        if self._unplaced and height > 0:
            self._unplaced = False
            self._place()
        layout = (self.top, self.top_skip, self.count, width, height, self._look)
        if layout != self._rows_for:
            rows: list[Row] = []
            k, skip = self.top, self.top_skip
            while self.chat_log is not None and len(rows) < height and 0 <= k < self.count:
                rows.extend(Row(k, text) for text in self._block(k)[skip:])
                k, skip = k - 1, 0
            if height <= 0:
                return rows  # not laid out yet: nothing to keep
            self._rows, self._rows_for = rows[:height], layout
            self._want_pictures()
        return self._rows

    def _relayout(self) -> None:
        """The messages look different now (another chat, another width, files saved or
        lost): forget every laid-out message, and with them the rows."""
        self._blocks.clear()
        self._look += 1

    def _changed(self) -> None:
        self.refresh()
        self.post_message(self.Moved(self))

    def on_resize(self) -> None:
        """Widths change the wrapping: lay out again, keeping the cursor in view."""
        self._relayout()
        self._unplaced = False
        if self.chat_log is not None:
            self._place()
        self.refresh()

    def _place(self) -> None:
        """Keep the cursor in view at the size the view has now: the newest message at the
        bottom when the cursor is on it, else the cursor's message whole."""
        if self.cursor == 0:
            self._align_bottom(0)
        else:
            self._follow()

    def _align_bottom(self, k: int) -> None:
        """Place message ``k``'s last line on the screen's last line (or as low as it goes)."""
        height = max(1, self.size.height)
        total = 0
        j = k
        while j < self.count:
            total += self._height(j)
            if total >= height:
                self.top, self.top_skip = j, total - height
                return
            j += 1
        self.top, self.top_skip = max(0, self.count - 1), 0

    def _follow(self) -> None:
        """Scroll just enough to show the whole cursor message (its top if it is taller)."""
        height = max(1, self.size.height)
        if self.cursor > self.top or (self.cursor == self.top and self.top_skip > 0):
            self.top, self.top_skip = self.cursor, 0
            return
        above = -self.top_skip
        for k in range(self.top, self.cursor, -1):
            above += self._height(k)
            if above > height:
                break
        bottom = above + self._height(self.cursor)
        if bottom > height:
            if self._height(self.cursor) >= height:
                self.top, self.top_skip = self.cursor, 0
            else:
                self._align_bottom(self.cursor)

    def scroll_lines(self, lines: int) -> None:
        """Scroll by ``lines`` screen lines (positive: towards the newest)."""
        if self.chat_log is None or self.count == 0:
            return
        while lines > 0:
            left = self._height(self.top) - self.top_skip
            if lines < left:
                self.top_skip += lines
                break
            if self.top == 0:
                break
            lines -= left
            self.top, self.top_skip = self.top - 1, 0
        while lines < 0:
            if self.top_skip >= -lines:
                self.top_skip += lines
                break
            lines += self.top_skip
            self.top_skip = 0
            if self.top >= self.count - 1:
                break
            self.top += 1
            self.top_skip = self._height(self.top)
        self._clamp_bottom()
        shown = {row.k for row in self.rows}
        if shown and self.cursor not in shown:
            self.cursor = max(shown) if self.cursor > max(shown) else min(shown)
        self._changed()

    def _clamp_bottom(self) -> None:
        """Never leave empty lines under the newest message when there is more above."""
        height = max(1, self.size.height)
        total = -self.top_skip
        for k in range(self.top, -1, -1):
            total += self._height(k)
            if total >= height:
                return
        self._align_bottom(0)

    # --- moving ----------------------------------------------------------------------------

    def move_to(self, k: int) -> None:
        """Put the cursor on message ``k`` and show it."""
        if self.count == 0:
            return
        self.cursor = max(0, min(k, self.count - 1))
        self._follow()
        self._changed()

    def jump(self, k: int) -> None:
        """Put the cursor on message ``k``, with a third of a screen of older ones above it."""
        if self.count == 0:
            return
        self.cursor = max(0, min(k, self.count - 1))
        self.top, self.top_skip = self.cursor, 0
        self.scroll_lines(-(max(1, self.size.height) // 3))
        if self.cursor not in {row.k for row in self.rows}:
            self._follow()
        self._changed()

    def action_move(self, step: int) -> None:
        """Move the cursor ``step`` messages (positive: older)."""
        self.move_to(self.cursor + step)

    def action_page(self, pages: int) -> None:
        """Scroll by a screenful, the cursor coming along."""
        height = max(1, self.size.height - 2)
        target = self.cursor
        self.scroll_lines(pages * height)
        shown = [row.k for row in self.rows]
        if shown:
            target = min(shown) if pages > 0 else max(shown)
            if target == self.cursor and 0 <= target - pages < self.count:
                target -= pages
        self.move_to(target)

    def action_newest(self) -> None:
        """To the newest message."""
        if self.count:
            self.cursor = 0
            self._align_bottom(0)
            self._changed()

    def action_oldest(self) -> None:
        """To the oldest message (once every message's place is known)."""
        if self.chat_log is None:
            return
        if not self.chat_log.complete:
            self.post_message(self.WantOldest(self))
            return
        self.cursor = self.count - 1
        self.top, self.top_skip = self.cursor, 0
        self._clamp_bottom()
        self._changed()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel scrolls three lines."""
        event.stop()
        self.scroll_lines(-3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel scrolls three lines."""
        event.stop()
        self.scroll_lines(3)

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the message clicked."""
        rows = self.rows
        if 0 <= event.y < len(rows):
            self.move_to(rows[event.y].k)

    # --- pictures --------------------------------------------------------------------------

    def show_pictures(self, on: bool) -> None:
        """Draw the messages' pictures, or not (`i`); the cursor's message stays in view."""
        self.pictures.on = on
        self._relayout()
        if self.chat_log is not None:
            self._place()
        self._changed()

    def _want_pictures(self) -> None:
        """Ask for the pictures on screen (decoded in a thread, the newest first), the
        senders' userpics on screen too."""
        slots: list[Slot] = []
        for row in self._rows:
            if isinstance(row.text, PictureLine) and row.text.slot not in slots:
                slots.append(row.text.slot)
        _fg, background = self.background_colors
        self.pictures.background = background.rgb
        self.userpics.want((row.text for row in self._rows), self)
        if not slots:
            self.pictures.want([], lambda: None)
            return
        self.pictures.want(slots, lambda: start_decoding(self, self.pictures))

    def _picture_landed(self, slot: Slot, failed: bool) -> None:
        """A picture landed (one of the screen's, a sender's, or the header's)."""
        if self.userpics.showing(slot):
            self.refresh()  # drawn, or the initials stay
            return
        if not any(
            isinstance(row.text, PictureLine) and row.text.slot == slot for row in self._rows
        ):
            return
        if failed:
            self._relayout()  # it is one line saying why now: the messages move up
            if self.chat_log is not None:
                self._place()
                self._clamp_bottom()
            self._changed()
            return
        self.refresh()

    def on_unmount(self) -> None:
        """Nothing more to decode; the terminal forgets the pictures it holds."""
        self._stop_listening()
        self.pictures.stopped()

    def _picture_strip(self, y: int, row: Row, selected: bool) -> Strip:
        """Screen line ``y``: a line of a picture (or, until it is decoded, a blank one)."""
        line = row.text
        assert isinstance(line, PictureLine)
        width = self.size.width
        mark = Text("▌ " if selected else "  ", style=CURSOR_MARK if selected else "")
        mark.append(" " * (line.left + INDENT))
        prefix = list(mark.render(self.app.console))
        drawn = self.pictures.cache.get(line.slot.key)
        columns = line.slot.box.columns
        if drawn is None:
            dots = "…" if line.y == 0 else ""
            picture = [Segment(dots.ljust(columns), Style(dim=True))]
        else:
            first = last = line.y
            for other in self._rows[y + 1 :]:
                if not isinstance(other.text, PictureLine) or other.text.slot != line.slot:
                    break
                last = other.text.y
            first = line.y - next(
                (
                    n
                    for n, other in enumerate(reversed(self._rows[:y]))
                    if not (isinstance(other.text, PictureLine) and other.text.slot == line.slot)
                ),
                y,
            )
            top = self.region.y + y - line.y
            place = (self.region.x + len(mark), top, first, last)
            picture = drawn.line(line.y, self.app.console, place)
            columns = drawn.columns if drawn.columns <= columns else columns
        used = len(mark) + sum(segment.cell_length for segment in picture)
        rest = [Segment(" " * max(0, width - used))]
        base = self.rich_style
        around = CURSOR_STYLE if selected and self.has_focus else None
        return Strip(
            [
                *Segment.apply_style(prefix, base, around),
                *Segment.apply_style(picture, base),
                *Segment.apply_style(rest, base, around),
            ],
            width,
        )

    def _userpic_strip(self, y: int, row: Row, selected: bool) -> Strip:
        """Screen line ``y``: a line of a sender's userpic, in the gutter, and the line of
        the message beside it."""
        line = row.text
        assert isinstance(line, UserpicLine)
        width = self.size.width
        console = self.app.console
        mark = Text("▌ " if selected else "  ", style=CURSOR_MARK if selected else "")
        rows = self._rows

        def same(at: int) -> bool:
            other = rows[at].text if 0 <= at < len(rows) else None
            return isinstance(other, UserpicLine) and rows[at].k == row.k

        first = line.y - 1 if line.y == 1 and same(y - 1) else line.y
        last = line.y + 1 if line.y == 0 and same(y + 1) else line.y
        place = (self.region.x + len(mark), self.region.y + y - line.y, first, last)
        userpic = self.userpics.cells(line, console, place)
        text = Text(" ")
        text.append_text(line.text)
        text.no_wrap = True
        text.truncate(max(0, width - len(mark) - GUTTER + 1), overflow="ellipsis", pad=True)
        base = self.rich_style
        around = CURSOR_STYLE if selected and self.has_focus else None
        return Strip(
            [
                *Segment.apply_style(mark.render(console), base, around),
                *Segment.apply_style(userpic, base),
                *Segment.apply_style(text.render(console), base, around),
            ],
            width,
        ).crop(0, width)

    # --- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """One screen line: part of a message, the cursor's marked."""
        width = self.size.width
        rows = self.rows
        if self.chat_log is not None and self.count == 0 and y == 0:
            empty = (
                _("No messages saved in this chat yet.")
                if self.chat_log.complete
                else _("Reading the chat…")
            )
            text = Text("  " + empty, style="dim italic")
            strip = Strip(list(text.render(self.app.console))).extend_cell_length(width)
            return strip.apply_style(self.rich_style)
        if y >= len(rows):
            return Strip.blank(width, self.rich_style)
        row = rows[y]
        selected = row.k == self.cursor
        if isinstance(row.text, PictureLine):
            return self._picture_strip(y, row, selected)
        if isinstance(row.text, UserpicLine):
            return self._userpic_strip(y, row, selected)
        line = Text("▌ " if selected else "  ", style=CURSOR_MARK if selected else "")
        line.append_text(row.text)
        line.no_wrap = True
        line.truncate(width, overflow="ellipsis", pad=True)
        strip = Strip(list(line.render(self.app.console))).apply_style(self.rich_style)
        if selected and self.has_focus:
            strip = Strip(Segment.apply_style(strip, post_style=CURSOR_STYLE), strip.cell_length)
        return strip.crop(0, width)

    def on_focus(self) -> None:
        """The cursor's colour shows focus."""
        self.refresh()

    def on_blur(self) -> None:
        """The cursor's colour shows focus."""
        self.refresh()
