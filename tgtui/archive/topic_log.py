"""A forum in the reader: its topics with their saved messages counted, and one topic's
messages as a `ChatLog`.

The counts come from a quick scan of the chat's own messages.jsonl (every line parsed once,
in a thread, each message's topic as `tgtui.format.topics.topic_of` says), not from the
search index or the statistics, which may not be built yet when a forum is opened: what the
list says is what the topic's view then shows. A line that is not a message is in no topic
(the forum's "all messages" view shows it).

`TopicLog` is the chat's log narrowed to one topic (General: the messages without a topic):
it finds its messages from the newest back, in a thread, as the chat's lines are found, and
keeps each one's place in the file (16 bytes a message), so a topic opens at its newest
message while its older ones are still being looked for.
"""

from __future__ import annotations

import threading
from array import array
from dataclasses import dataclass, field
from typing import Any

from tgtui.archive.chat_log import ChatLog
from tgtui.archive.folder import ArchiveChat
from tgtui.archive.lines import LineIndex, LinesError
from tgtui.format.records import record_id, unixtime
from tgtui.format.safe_files import MAX_LINE, is_regular
from tgtui.format.topics import GENERAL, Topic, in_topic, read_topics, topic_of, topics_path
from tgtui.i18n import _
from tgtui.lazylog import logger


def is_forum(chat: ArchiveChat) -> bool:
    """Whether the backup kept topics for this chat (a regular topics.jsonl in its folder)."""
    return is_regular(topics_path(chat.folder))


@dataclass(frozen=True)
class TopicRow:
    """A topic as the forum's list shows it."""

    id: int
    title: str  # "" when the backup kept none (a topic only its messages name)
    messages: int = 0  # saved messages in it
    last: int | None = None  # unix seconds of its newest saved message
    closed: bool = False
    pinned: bool = False
    hidden: bool = False
    removed: bool = False  # Telegram no longer lists it


@dataclass
class ForumTopics:
    """A forum's topics, pinned first then the most recently active, and what was not read."""

    topics: list[TopicRow] = field(default_factory=list)
    messages: int = 0  # every saved message of the chat (in a topic or not)
    damaged: int = 0  # lines that are not messages (in no topic)
    notes: list[str] = field(default_factory=list)


def _date(record: dict[str, Any]) -> int | None:
    return unixtime(record.get("date_unixtime"))


def scan_topics(chat: ArchiveChat, stop: threading.Event | None = None) -> ForumTopics:
    """The forum's topics (topics.jsonl) with their messages counted from messages.jsonl;
    a topic its messages name but the file does not is listed too, untitled."""
    found = ForumTopics()
    try:
        kept: list[Topic] = read_topics(chat.folder)
    except OSError as exc:
        logger.warning("{}: topics not read ({})", chat.folder, exc)
        found.notes.append(
            _("{file} is not read: {reason}").format(
                file=topics_path(chat.folder).name, reason=exc.strerror or exc
            )
        )
        kept = []
    counts: dict[int, int] = {}
    last: dict[int, int] = {}
    try:
        lines = LineIndex(chat.jsonl)
    except LinesError as exc:
        found.notes.append(str(exc))
    else:
        try:
            lines.scan()
            for k in range(lines.count):
                if stop is not None and stop.is_set():
                    break
                start, end = lines.span(k)
                parsed = record_id(lines.read(start, end)) if end - start <= MAX_LINE else None
                if parsed is None:
                    found.damaged += 1
                    continue
                record = parsed[1]
                topic = topic_of(record) or GENERAL
                counts[topic] = counts.get(topic, 0) + 1
                found.messages += 1
                when = _date(record)
                if when is not None and when > last.get(topic, -1):
                    last[topic] = when
        except LinesError as exc:
            found.notes.append(str(exc))
        finally:
            lines.close()
    rows = [
        TopicRow(
            id=t.id,
            title=t.title,
            messages=counts.get(t.id, 0),
            last=last.get(t.id),
            closed=t.closed,
            pinned=t.pinned,
            hidden=t.hidden,
            removed=t.removed,
        )
        for t in kept
    ]
    listed = {t.id for t in kept}
    if GENERAL not in listed:
        rows.append(TopicRow(GENERAL, "", counts.get(GENERAL, 0), last.get(GENERAL)))
        listed.add(GENERAL)
    unlisted = [topic for topic in counts if topic not in listed]
    rows += [TopicRow(topic, "", counts[topic], last.get(topic)) for topic in unlisted]
    rows.sort(key=lambda row: (not row.pinned, -(row.last or 0), row.id))
    found.topics = rows
    return found


class TopicLog(ChatLog):
    """One topic of a forum: the chat's messages that are in ``topic`` (`in_topic`), newest
    first, as a `ChatLog` (positions count the topic's messages from its newest)."""

    def __init__(self, chat: ArchiveChat, topic: int) -> None:
        super().__init__(chat)
        self.topic = topic
        self._topic_lock = threading.Lock()
        # The topic's messages' places in the file: found going back (newest first), and
        # appended by a running backup since (oldest first), as `LineIndex` keeps lines.
        self._back_start, self._back_end = array("q"), array("q")
        self._added_start, self._added_end = array("q"), array("q")
        self._next = 0  # the chat's next line to look at, from its newest
        self._stop = threading.Event()
        self._done = threading.Event()

    @property
    def count(self) -> int:
        """The topic's messages found so far (all once `complete`)."""
        with self._topic_lock:
            return len(self._back_start) + len(self._added_start)

    @property
    def complete(self) -> bool:
        """Whether every line of the chat has been looked at."""
        return self._done.is_set()

    def wait(self) -> None:
        """Wait until every line of the chat has been looked at."""
        self._done.wait()

    def span(self, k: int) -> tuple[int, int]:
        """Where the topic's message ``k`` from its newest is in the file."""
        with self._topic_lock:
            added = len(self._added_start)
            if k < added:
                i = added - 1 - k
                return self._added_start[i], self._added_end[i]
            j = k - added
            if j < 0 or j >= len(self._back_start):
                raise IndexError(k)
            return self._back_start[j], self._back_end[j]

    def _mine(self, start: int, end: int) -> bool:
        """Whether the line at [start, end) is a message of this topic."""
        if end - start > MAX_LINE:
            return False
        try:
            parsed = record_id(self.lines.read(start, end))
        except (LinesError, OSError):
            return False
        return parsed is not None and in_topic(parsed[1], self.topic)

    def scan(self) -> None:
        """Look at every line of the chat, newest first (from a thread; `close` stops it)."""
        try:
            self.lines.scan()
            while not self._stop.is_set():
                with self._topic_lock:
                    k = self._next
                    if k >= self.lines.count:
                        break
                    start, end = self.lines.span(k)
                    self._next = k + 1
                if self._mine(start, end):
                    with self._topic_lock:
                        self._back_start.append(start)
                        self._back_end.append(end)
        finally:
            self._done.set()

    def close(self) -> None:
        """Stop looking, and let go of the file."""
        self._stop.set()
        super().close()
        self._done.set()

    def refresh(self) -> int | None:
        """The topic's messages a running backup appended since (None: the file was
        replaced: open it again)."""
        with self._topic_lock:
            added = super().refresh()
            if not added:
                return added
            self._next += added  # the scan's place, counted from the newest, moved
            spans = [self.lines.span(k) for k in range(added - 1, -1, -1)]  # oldest first
        mine = [(start, end) for start, end in spans if self._mine(start, end)]
        with self._topic_lock:
            for start, end in mine:
                self._added_start.append(start)
                self._added_end.append(end)
        return len(mine)
