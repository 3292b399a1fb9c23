"""A forum's topic list: one line a topic, its title and marks, then its saved messages
and its last one, in columns; its first line reads every message of the forum."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from tgtui.archive.topic_log import TopicRow
from tgtui.format.topics import GENERAL
from tgtui.i18n import _, number, pgettext, short_datetime
from tgtui.untrusted import clean
from tgtui.widgets.lines import ItemLines

WHEN_WIDTH = 16  # "2026-01-02 10:00"
COUNT_WIDTH = 9


def topic_name(topic: TopicRow, limit: int = 60) -> str:
    """A topic's title as the reader shows it (cleaned), or what it is when untitled."""
    if topic.title:
        return clean(topic.title, limit=limit)
    if topic.id == GENERAL:
        return _("General")
    return _("topic {id}").format(id=topic.id)


def topic_marks(topic: TopicRow) -> str:
    """Its marks, in words: pinned, closed, hidden, removed ("" for none)."""
    marks = [
        word
        for on, word in (
            (topic.pinned, pgettext("topic", "pinned")),
            (topic.closed, pgettext("topic", "closed")),
            (topic.hidden, pgettext("topic", "hidden")),
            (topic.removed, pgettext("topic", "removed")),
        )
        if on
    ]
    return ", ".join(marks)


def when_text(stamp: int | None) -> str:
    """A unix time as the lists show it (local time), "—" for none."""
    if stamp is None:
        return "—"
    try:
        return short_datetime(dt.datetime.fromtimestamp(stamp, dt.UTC).astimezone())
    except (ValueError, OverflowError, OSError):
        return "—"


def columns_line(width: int = 80) -> Text:
    """The names over the topic list's columns."""
    messages, last = _("messages"), _("last message")
    right = f"{messages:>{COUNT_WIDTH}}  {last:<{WHEN_WIDTH}}"
    left = _("topic")
    room = max(1, width - len(right) - 2)
    return Text(f"  {left:<{room}}{right}", style="bold dim", no_wrap=True)


class TopicList(ItemLines[TopicRow | None]):
    """The forum's topics, one line each; None: every message of the forum."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total: int | None = None  # the forum's messages, once counted
        self.counted = False

    def line_of(self, item: TopicRow | None) -> Text:
        """Title and marks, then the messages and the last one, in columns."""
        width = max(20, self.scrollable_content_region.width)
        if item is None:
            count = "…" if self.total is None else number(self.total)
            right = f"{count:>{COUNT_WIDTH}}  {'':<{WHEN_WIDTH}}"
            title = Text(_("All messages"), style="italic")
            marks = ""
        else:
            count = number(item.messages) if self.counted else "…"
            when = when_text(item.last) if self.counted else ""
            right = f"{count:>{COUNT_WIDTH}}  {when:<{WHEN_WIDTH}}"
            title = Text(topic_name(item), style="dim" if item.removed else "bold")
            marks = topic_marks(item)
        room = max(4, width - len(right) - 2)
        line = Text("  ")
        if marks:
            title.append(f"  ({marks})", style="yellow")
        title.truncate(room, overflow="ellipsis", pad=True)
        line.append_text(title)
        line.append(right, style="dim" if item is None else "")
        return line
