"""The statistics of a chat or of the whole backup, offline: the figures of `tgtui stats`
(STATS.md) with their plots: messages by month (or day), the hour x weekday heat map, the top
senders, then the media, the most used words and emoji, and the private chats'
conversations.

Opened from the archive (`c`: the chat under the cursor, `C`: every chat), from a chat (`c`)
and from a forum's topic (`c` in the topic, or on it in the forum's list: that topic's
messages only, as `tgtui stats --topic` counts them). The figures are
counted in a thread (`tgtui.stats`: the aggregates beside the search index are brought up to
date first, which on a big backup's first time takes a while): the screen says how long it
has been counting, and Escape goes back at any time.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from loguru import logger
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from tgtui.archive.folder import ArchiveChat
from tgtui.archive.index import unread_note
from tgtui.archive.service import ArchiveService
from tgtui.archive.topic_log import TopicRow
from tgtui.i18n import N_, PORTUGUESE, _, counted, current, decimal, number, short_date
from tgtui.screens.palette import Binding
from tgtui.screens.reading import ReadingScreen, notes_line
from tgtui.stats.figures import Figures
from tgtui.untrusted import clean
from tgtui.widgets.backup_text import chats
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.stats_plots import HeatMap, SenderBars, TimePlot
from tgtui.widgets.stats_sections import key_numbers, media_table, private_lines, top_terms
from tgtui.widgets.topic_list import topic_name

_COUNTING = threading.Lock()  # one update of a backup's aggregates at a time
WIDE = 150  # columns from which the sections stand in two columns
DAYS_SHOWN = 62  # a series of at most this many days is drawn day by day
TICK_SECONDS = 0.5  # how often "Counting… N s" moves on


@dataclass(frozen=True)
class Counted:
    """What a count found: the figures, what could not be read, how long it took."""

    figures: Figures | None  # None: it could not count (``problem`` says why)
    notes: list[str]
    seconds: float
    problem: str = ""


def month_label(month: str) -> str:
    """ "2026-11" as the language writes a month: "2026-11" in English, "11/2026" in
    Portuguese (as `short_date` writes days)."""
    year, _sep, month_number = month.partition("-")
    return f"{month_number}/{year}" if current() == PORTUGUESE else month


def count(service: ArchiveService, chat: ArchiveChat | None) -> Counted:
    """The figures of ``chat`` (None: every chat) over its whole history, the aggregates
    brought up to date first (`tgtui stats`' way)."""
    return _count(service, chat, None)


def count_topic(service: ArchiveService, chat: ArchiveChat, topic: int) -> Counted:
    """The figures of one forum topic's messages (`tgtui stats --topic`'s way)."""
    return _count(service, chat, topic)


def _count(service: ArchiveService, chat: ArchiveChat | None, topic: int | None) -> Counted:
    from tgtui.stats.query import figures
    from tgtui.stats.update import StatsStore

    started = time.monotonic()
    archive = service.archive
    chosen = list(archive.chats) if chat is None else [chat]
    wanted = {c.id for c in chosen}
    by_id = {c.id: c for c in archive.chats} | {c.id: c for c in chosen}
    topics = None if chat is None or topic is None else {chat.id: frozenset({topic})}
    try:
        with _COUNTING, StatsStore(archive) as store:
            store.update()
            result = figures(store, chosen, topics=topics)
            unread = [
                unread_note(by_id[cid], file, reason)
                for cid, file, reason in store.unread
                if cid in wanted
            ]
            left_out = list(archive.left_out) if chat is None else []
            notes = [*left_out, *store.notes, *unread, *result.notes]
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problem = _("cannot use {file}: {reason}").format(
            file=clean(archive.folder / ".index"), reason=clean(reason)
        )
        return Counted(None, [], time.monotonic() - started, problem)
    return Counted(result, notes, time.monotonic() - started)


def _section(name: str, body: Widget, heading: str = "") -> ComposeResult:
    """A section of the figures: its heading (set when counted, if not given) over ``body``."""
    with Vertical(classes="stats-section", id=f"{name}-section"):
        yield Static(heading, classes="stats-heading", id=f"{name}-heading", markup=False)
        yield body


class StatsScreen(ReadingScreen):
    """The statistics of one chat (or one of its forum topics), or of every chat of the
    backup."""

    DEFAULT_CSS = """
    #stats-title {
        padding: 0 1;
        background: $boost;
        text-style: bold;
    }
    #stats-status {
        padding: 0 1;
        background: $boost;
        color: $text-muted;
    }
    #stats-body {
        height: 1fr;
        padding: 0 1;
    }
    #stats-columns {
        height: auto;
        layout: vertical;
    }
    #stats-columns.-wide {
        layout: horizontal;
    }
    .stats-column {
        height: auto;
    }
    #stats-columns.-wide .stats-column {
        width: 1fr;
        margin-right: 2;
    }
    .stats-section {
        height: auto;
        margin-bottom: 1;
    }
    .stats-heading {
        text-style: bold;
        color: $accent;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="back", palette=False),
    ]

    def __init__(
        self,
        service: ArchiveService,
        chat: ArchiveChat | None = None,
        *,
        topic: TopicRow | None = None,
    ) -> None:
        super().__init__(service)
        self.chat = chat  # None: every chat of the backup
        self.topic = topic if chat is not None else None  # a forum topic: its messages only
        self.counted: Counted | None = None
        self._started = time.monotonic()

    def compose(self) -> ComposeResult:
        """Title, status, then the sections (shown once counted)."""
        yield Header()
        yield Static("", id="stats-title", markup=False)
        yield Static("", id="stats-status", markup=False)
        with VerticalScroll(id="stats-body"):
            yield Static("", id="stats-wait", markup=False)
            with Horizontal(id="stats-columns"):
                with Vertical(classes="stats-column"):
                    with Vertical(classes="stats-section", id="stats-numbers-section"):
                        yield Static("", id="stats-numbers")
                    yield from _section("stats-time", TimePlot(id="stats-time"))
                    yield from _section("stats-hours", HeatMap(id="stats-hours"))
                with Vertical(classes="stats-column"):
                    yield from _section("stats-senders", SenderBars(id="stats-senders"))
                    yield from _section("stats-media", Static("", id="stats-media"), _("media"))
                    with Vertical(classes="stats-section", id="stats-terms-section"):
                        yield Static("", id="stats-terms")
                    yield from _section(
                        "stats-private",
                        Static("", id="stats-private"),
                        _("private chats (a conversation starts after 6 hours of silence)"),
                    )
        yield KeyFooter()

    def on_mount(self) -> None:
        """Say what is counted, and count it."""
        if self.chat is None:
            archive = self.service.archive
            what = _("the whole backup") + " · " + chats(len(archive.chats))
        else:
            what = clean(self.chat.name or self.chat.id, limit=60)
            if self.topic is not None:
                what += " · " + topic_name(self.topic, 40)
        self.query_one("#stats-title", Static).update(_("Statistics: {what}").format(what=what))
        for section in self.query(".stats-section"):
            section.display = False
        self.query_one("#stats-wait", Static).update(
            _(
                "Counting the messages… The first time, the figures of a big backup are "
                "built (kept in .index/stats.sqlite): it may take a while. Escape goes back."
            )
        )
        self._started = time.monotonic()
        self._tick()
        self._ticker = self.set_interval(TICK_SECONDS, self._tick)
        self.query_one("#stats-body", VerticalScroll).focus()
        self.count_figures()

    def _tick(self) -> None:
        seconds = time.monotonic() - self._started
        self.query_one("#stats-status", Static).update(
            _("Counting… {seconds} s").format(seconds=decimal(seconds, 0))
        )

    @work(
        thread=True,
        exclusive=True,
        group="stats",
        name="stats",
        exit_on_error=False,
        description=N_("Counting the statistics"),
    )
    def count_figures(self) -> Counted:
        """Count the figures (a thread: the first time on a big backup takes a while)."""
        if self.chat is not None and self.topic is not None:
            return count_topic(self.service, self.chat, self.topic.id)
        return count(self.service, self.chat)

    @on(Worker.StateChanged)
    def _counted(self, event: Worker.StateChanged) -> None:
        """Show the figures once counted (a failure is shown by `ReadingScreen`)."""
        if event.worker.name != "stats" or not event.worker.is_finished:
            return
        self._ticker.stop()
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, Counted):
            self.show(event.worker.result)
        elif event.state is WorkerState.ERROR:
            self.query_one("#stats-status", Static).update(_("The figures could not be counted."))

    def show(self, result: Counted) -> None:
        """Fill the sections with ``result``'s figures."""
        self.counted = result
        status = self.query_one("#stats-status", Static)
        if result.figures is None:
            status.update("⚠ " + result.problem)
            self.query_one("#stats-wait", Static).update(result.problem)
            return
        f = result.figures
        logger.info("statistics counted in {:.2f} s", result.seconds)
        parts = [_("Counted from the backup as it is now.")]
        if f.damaged:
            parts.append(
                "⚠ "
                + counted(
                    "note: {count} damaged line of the backup is not counted",
                    "note: {count} damaged lines of the backup are not counted",
                    f.damaged,
                )
            )
        if result.notes:
            parts.append("⚠ " + notes_line(result.notes))
        status.update(" ".join(parts))
        wait = self.query_one("#stats-wait", Static)
        wait.display = not f.messages
        wait.update(_("No messages to count."))
        self.query_one("#stats-numbers-section").display = True
        self.query_one("#stats-numbers", Static).update(key_numbers(f))
        if not f.messages:
            return
        self._show_plots(f)
        self.query_one("#stats-media-section").display = bool(f.media)
        self.query_one("#stats-media", Static).update(media_table(f))
        terms = top_terms(f)
        self.query_one("#stats-terms-section").display = bool(terms)
        self.query_one("#stats-terms", Static).update(terms)
        self.query_one("#stats-private-section").display = bool(f.private)
        self.query_one("#stats-private", Static).update(private_lines(f))

    def _show_plots(self, f: Figures) -> None:
        """Messages over time, the hour x weekday grid and the top senders."""
        if f.by_day is not None and len(f.by_day) <= DAYS_SHOWN:
            heading = _("messages by day")
            series = [(short_date(dt.date.fromisoformat(d)), n) for d, (n, _w) in f.by_day.items()]
        else:
            heading = _("messages by month")
            series = [(month_label(m), n) for m, (n, _w) in f.by_month.items()]
        self.query_one("#stats-time-heading", Static).update(heading)
        self.query_one("#stats-time", TimePlot).show(series)
        self.query_one("#stats-hours-heading", Static).update(
            _("messages by hour of day and weekday (time zone {zone})").format(
                zone=clean(f.time_zone, limit=40)
            )
        )
        self.query_one("#stats-hours", HeatMap).show(f.hours)
        self.query_one("#stats-senders-heading", Static).update(
            _("top senders: messages (share of all); {count} in all").format(
                count=number(f.sender_count)
            )
        )
        self.query_one("#stats-senders", SenderBars).show(f.senders, f.messages)
        for section in ("#stats-time-section", "#stats-hours-section", "#stats-senders-section"):
            self.query_one(section).display = True

    def on_resize(self, event: Resize) -> None:
        """Two columns of sections on a wide terminal, one on a narrow one."""
        self.query_one("#stats-columns").set_class(event.size.width >= WIDE, "-wide")

    def action_back(self) -> None:
        """Back to the backup's chats."""
        self.app.pop_screen()
