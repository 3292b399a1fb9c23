"""A forum in the reader: its topics first (pinned first, then the most recently active),
each with its marks (pinned, closed, hidden, removed), its saved messages and its last one;
Enter reads a topic's messages (General: those without a topic), `a` (or the first row)
every message of the forum, as any chat is read. Escape goes back to the archive.

The counts come from a quick scan of the chat's messages.jsonl (`tgtui.archive.topic_log`),
in a thread: the list is there at once with the topics the backup kept, counted a moment
later.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Header, Static

from tgtui.archive.folder import ArchiveChat
from tgtui.archive.search import Hit
from tgtui.archive.service import ArchiveService
from tgtui.archive.topic_log import ForumTopics
from tgtui.i18n import N_, _, counted
from tgtui.screens.palette import Binding
from tgtui.screens.reader import ChatScreen
from tgtui.screens.reading import ReadingScreen, notes_line
from tgtui.screens.search import SearchScreen
from tgtui.untrusted import clean
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.topic_list import TopicList, columns_line


class TopicsScreen(ReadingScreen):
    """A forum's topics; Enter reads one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_topic",
            N_("Read"),
            id="read-topic",
            command=N_("Read the topic"),
            tooltip=N_("The messages of the topic under the cursor"),
        ),
        Binding(
            "a",
            "open_all",
            N_("All"),
            id="all-messages",
            command=N_("Read every message"),
            tooltip=N_("Every message of the forum, whatever its topic"),
        ),
        Binding(
            "s,ctrl+f",
            "search",
            N_("Search"),
            id="search-chat",
            command=N_("Search this chat"),
            tooltip=N_("Find this chat's messages by their words"),
        ),
        Binding(
            "c",
            "stats",
            N_("Stats"),
            id="stats-chat",
            command=N_("Statistics of the topic"),
            tooltip=N_("The topic under the cursor (the first row: the whole forum)"),
        ),
        Binding("escape", "close", N_("Back"), id="close-chat", palette=False),
    ]

    def __init__(self, service: ArchiveService, chat: ArchiveChat) -> None:
        super().__init__(service)
        self.chat = chat
        self.forum: ForumTopics | None = None
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        """Title, columns, topics, status."""
        yield Header()
        yield Static("", id="topics-title", markup=False)
        yield Static(columns_line(), id="topics-columns", markup=False)
        yield TopicList(id="topics")
        yield Static(_("Counting the messages of each topic…"), id="topics-status", markup=False)
        yield KeyFooter()

    @property
    def topic_list(self) -> TopicList:
        """The list widget."""
        return self.query_one(TopicList)

    def on_mount(self) -> None:
        """Show the forum's topics, and count their messages in a thread."""
        self._show_title()
        self.topic_list.show_items([None])
        self.topic_list.focus()
        self.count_topics()

    def on_resize(self) -> None:
        """The column names over the columns as wide as the list is now."""
        width = self.topic_list.scrollable_content_region.width
        self.query_one("#topics-columns", Static).update(columns_line(width or self.size.width))

    def _show_title(self) -> None:
        parts = [clean(self.chat.name or str(self.chat.id), limit=60)]
        if self.forum is not None:
            topics = len(self.forum.topics)
            parts.append(counted("{count} topic", "{count} topics", topics))
            parts.append(counted("{count} message", "{count} messages", self.forum.messages))
        self.query_one("#topics-title", Static).update(" · ".join(parts))

    @work(thread=True, group="topics", exit_on_error=False, description=N_("Counting topics"))
    def count_topics(self) -> None:
        """Read the topics and count each one's messages (a quick scan of the chat)."""
        from tgtui.archive.topic_log import scan_topics

        forum = scan_topics(self.chat, self._stop)
        if not self._stop.is_set():
            self.app.call_from_thread(self._counted, forum)

    def _counted(self, forum: ForumTopics) -> None:
        self.forum = forum
        listing = self.topic_list
        listing.total = forum.messages
        listing.counted = True
        listing.show_items([None, *forum.topics], cursor=1 if forum.topics else 0)
        self._show_title()
        parts = [_("Counted from the chat's saved messages.")]
        if forum.damaged:
            parts.append(
                counted(
                    "{count} damaged line is in no topic.",
                    "{count} damaged lines are in no topic.",
                    forum.damaged,
                )
            )
        if forum.notes:
            parts.append("⚠ " + notes_line(forum.notes))
        self.query_one("#topics-status", Static).update(" ".join(parts))

    def action_open_topic(self) -> None:
        """Read the topic under the cursor (the first row: every message)."""
        listing = self.topic_list
        if listing.cursor == 0:
            self.action_open_all()
            return
        topic = listing.current
        if topic is not None:
            self.app.push_screen(ChatScreen(self.service, self.chat, topic=topic))

    def action_open_all(self) -> None:
        """Read every message of the forum."""
        self.app.push_screen(ChatScreen(self.service, self.chat))

    def action_search(self) -> None:
        """Search the forum's messages (inside a topic, `s` searches the topic's); a result
        opens among every message of the forum, over the results."""
        self.app.push_screen(SearchScreen(self.service, chat=self.chat, open_hit=self._open_hit))

    def _open_hit(self, hit: Hit) -> None:
        self.app.push_screen(ChatScreen(self.service, self.chat, message_id=hit.message_id))

    def action_stats(self) -> None:
        """The statistics of the topic under the cursor (the first row: of the forum)."""
        from tgtui.screens.stats import StatsScreen  # its plotting library only when asked for

        listing = self.topic_list
        topic = listing.current if listing.cursor != 0 else None
        self.app.push_screen(StatsScreen(self.service, self.chat, topic=topic))

    def action_close(self) -> None:
        """Back to the archive."""
        self._stop.set()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        """Stop counting."""
        self._stop.set()
