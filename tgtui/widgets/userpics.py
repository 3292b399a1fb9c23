"""The senders' userpics in the reader's message list, as a group chat shows them: in a chat
with several senders (a group; a channel whose posts name people), each run of messages by
one sender starts with the sender's small userpic beside its name line, in a gutter on the
left of the list; the sender's initials on their colour where the backup saved no picture
of them (or saved a file that is no picture: a link, a bomb, noise).

One-to-one chats have none (the chat's picture is in the header). Pictures off (`i`,
config.toml's ``images = "off"``, a terminal without colours) or a view too narrow for
pictures: no gutter, the list as without userpics.

Laying a message out reads nothing: its userpic is two lines of it (`UserpicLine`) that only
name the sender. Which file is a sender's is looked up in the backup's ``avatars/index.jsonl``
(`tgtui.widgets.avatar.INDEX`: read once, in a thread, bounded), only for the senders on
screen; their pictures are decoded by the list's picture thread into its cache
(`tgtui.widgets.message_pictures.Pictures`, as their own ``owner``), like every picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from tgtui.archive.pictures import Box, PictureSource, Record
from tgtui.format.records import unixtime
from tgtui.format.userpics import COLOURS, colour_index
from tgtui.i18n import N_
from tgtui.widgets.avatar import INDEX, INITIALS_STYLE, initials
from tgtui.widgets.message_pictures import PictureLine, Pictures, Slot, start_decoding
from tgtui.widgets.message_text import day_of

if TYPE_CHECKING:
    from tgtui.archive.chat_log import ChatLog

USERPIC = (4, 2)  # cells: four half blocks wide and two high are a square of 4 x 4 pixels
GUTTER = USERPIC[0] + 1  # columns left of every line of a chat that shows userpics
SAMPLE = 200  # newest messages looked at to tell whether a chat has several senders
ONE_TO_ONE = frozenset({"personal_chat", "bot_chat", "saved_messages"})
# A message joins the run before it (no userpic again) when sent within this many seconds of
# it, as the HTML export groups messages (Telegram Desktop's rule).
JOIN_WITHIN = 900
FOUND_KEPT = 4096  # senders whose saved picture was looked up, remembered
NOT_MESSAGES = frozenset({"service", "unreadable"})


@dataclass(frozen=True)
class Sender:
    """Whom a userpic shows: the peer its picture is saved for ("user123"; "" when the
    message names none), and its initials (made safe) on their colour."""

    peer: str
    initials: str
    colour: str

    @classmethod
    def of(cls, record: Record) -> Sender:
        """The sender of a message."""
        peer = record.get("from_id")
        name = record.get("from")
        peer = peer if isinstance(peer, str) else ""
        name = name if isinstance(name, str) else ""
        return cls(peer, initials(name[:200]), COLOURS[colour_index(peer or name)])


@dataclass(frozen=True)
class UserpicLine:
    """A line of a message with line ``y`` of its sender's userpic beside it, in the
    gutter."""

    sender: Sender
    y: int
    text: Text


Line = Text | PictureLine | UserpicLine


def sender_key(record: Record | None) -> str:
    """Who sent a message, to tell runs apart: its from_id, else its sender's name."""
    if record is None:
        return ""
    for field in ("from_id", "from"):
        value = record.get(field)
        if isinstance(value, str) and value:
            return value
    return ""


def starts_run(record: Record, older: Record | None) -> bool:
    """Whether a message starts a run of its sender's (and has the userpic): the first of a
    day, after another sender's or a service message, or long after the one before."""
    if record.get("type") in NOT_MESSAGES:
        return False
    if older is None or older.get("type") in NOT_MESSAGES:
        return True
    if sender_key(older) != sender_key(record) or day_of(older) != day_of(record):
        return True
    sent, before = unixtime(record.get("date_unixtime")), unixtime(older.get("date_unixtime"))
    return sent is None or before is None or abs(sent - before) > JOIN_WITHIN


def several_senders(log: ChatLog) -> bool:
    """Whether a chat shows userpics: not a one-to-one chat, and its newest messages (up to
    `SAMPLE`, already read to show them) come from more than one sender."""
    if log.chat.type in ONE_TO_ONE:
        return False
    seen: set[str] = set()
    for k in range(min(log.count, SAMPLE)):
        record = log.at(k)
        if record.get("type") in NOT_MESSAGES:
            continue
        seen.add(sender_key(record))
        if len(seen) > 1:
            return True
    return False


class Userpics:
    """The senders' userpics of one message list: whether its chat shows them, which file
    each sender's is, and the lines they take."""

    def __init__(self, pictures: Pictures) -> None:
        self.pictures = pictures
        self.root: Path | None = None  # the backup folder, whose avatars/ they come from
        self.several = False  # the chat has several senders
        self.found: dict[str, Path | None] = {}  # peer -> its saved picture (None: none)
        self._looking: set[str] = set()  # peers being looked up
        self._asked = 0  # the chat shown (a late answer for another is dropped)
        self._on_screen: list[Sender] = []

    def start(self, log: ChatLog, root: Path | None) -> None:
        """Another chat (``log``) of the backup in ``root``: whether it shows userpics."""
        self.root = root
        self.found.clear()
        self._looking.clear()
        self._asked += 1
        self.several = several_senders(log)

    def shown(self, width: int) -> bool:
        """Whether a list ``width`` columns wide shows the userpics (and their gutter):
        where it shows the messages' pictures beside them."""
        return self.several and self.pictures.on and self.pictures.fits(width - GUTTER)

    def beside(self, record: Record, older: Record | None, block: list[Line]) -> list[Line]:
        """A message's lines (laid out `GUTTER` columns narrower) moved right of the gutter,
        its userpic beside its name line and the next when it starts a run; its day line, if
        it has one, stays where it was."""
        day = day_of(record)
        head = 1 if day is not None and day != day_of(older) else 0
        lines = list(block)
        userpic = starts_run(record, older) and len(lines) > head
        if userpic and (len(lines) == head + 1 or not isinstance(lines[head + 1], Text)):
            lines.insert(head + 1, Text(""))  # a message of one line: its userpic's second
        out: list[Line] = []
        for n, line in enumerate(lines):
            if isinstance(line, PictureLine):
                out.append(replace(line, left=GUTTER))
            elif isinstance(line, UserpicLine) or n < head:
                out.append(line)
            elif userpic and n in (head, head + 1):
                out.append(UserpicLine(Sender.of(record), n - head, line))
            else:
                out.append(Text(" " * GUTTER).append_text(line))
        return out

    def slot(self, sender: Sender) -> Slot | None:
        """The sender's saved picture as the list decodes it (None: none known to be saved)."""
        path = self.found.get(sender.peer)
        if path is None:
            return None
        cell_width, cell_height = self.pictures.choice_for_kind().pixels_per_cell
        columns, rows = USERPIC
        box = Box(columns, rows, columns * cell_width, rows * cell_height)
        return Slot(PictureSource(path, None, None, False, None), box, self.pictures.kind)

    def want(self, lines: Iterable[Line], widget: Widget) -> None:
        """The userpics of ``lines`` (the screen's) are shown: their senders' files looked
        up (in a thread) and their pictures decoded (in the picture thread)."""
        senders: list[Sender] = []
        for line in lines:
            if isinstance(line, UserpicLine) and line.sender not in senders:
                senders.append(line.sender)
        self._on_screen = senders
        missing = {
            sender.peer
            for sender in senders
            if sender.peer and sender.peer not in self.found and sender.peer not in self._looking
        }
        if missing and self.root is not None:
            self._looking |= missing
            self._look(widget, self.root, sorted(missing), self._asked)
        self._want_slots(widget)

    def _look(self, widget: Widget, root: Path, peers: list[str], asked: int) -> None:
        def run() -> None:
            found = {peer: INDEX.find(root, peer) for peer in peers}
            widget.app.call_from_thread(self._found, widget, found, asked)

        widget.run_worker(
            run,
            thread=True,
            group="userpics",
            exit_on_error=False,
            description=N_("Finding the senders' pictures"),
        )

    def _found(self, widget: Widget, found: dict[str, Path | None], asked: int) -> None:
        """In the app's thread: the senders' files, looked up."""
        if asked != self._asked:
            return
        if len(self.found) + len(found) > FOUND_KEPT:
            self.found.clear()
        self.found.update(found)
        self._looking -= found.keys()
        self._want_slots(widget)
        widget.refresh()

    def _want_slots(self, widget: Widget) -> None:
        slots = [slot for sender in self._on_screen if (slot := self.slot(sender)) is not None]
        self.pictures.want(slots, lambda: start_decoding(widget, self.pictures), "userpics")

    def showing(self, slot: Slot) -> bool:
        """Whether ``slot`` is the picture of a sender on screen."""
        return any(self.slot(sender) == slot for sender in self._on_screen)

    def cells(
        self, line: UserpicLine, console: Console, place: tuple[int, int, int, int]
    ) -> list[Segment]:
        """The `USERPIC` columns of line ``line.y`` of a userpic: the saved picture once
        decoded, else the initials on their colour. ``place`` is where the picture's first
        column and row are on the screen, and the rows of it the screen shows."""
        columns = USERPIC[0]
        slot = self.slot(line.sender)
        drawn = None if slot is None else self.pictures.cache.get(slot.key)
        if drawn is not None:
            segments = drawn.line(line.y, console, place) if line.y < drawn.rows else []
            used = sum(segment.cell_length for segment in segments)
            return [*segments, Segment(" " * max(0, columns - used))]
        text = Text(no_wrap=True)
        if line.y == 0:
            text.append(line.sender.initials, style=INITIALS_STYLE)
            text.truncate(columns)
        text.align("center", columns)
        background = Style(bgcolor=line.sender.colour)
        return list(Segment.apply_style(text.render(console), background))
