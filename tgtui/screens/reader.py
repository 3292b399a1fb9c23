"""The message reader: one backed-up chat, newest at the bottom, read from its JSONL, under
the chat's picture (its initials where the backup saved none) and name.

It opens at once (the newest lines are found with one small read), finds the rest of the
file's lines in a thread, and follows a backup that is running into the chat. What of the
chat could not be read (its edits.jsonl, deleted.jsonl or state.json: a FIFO, a link...) is
said above the messages, and in a notice when the chat opens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Static

from tgtui.archive.chat_log import ChatLog, record_date, record_id
from tgtui.archive.folder import ArchiveChat
from tgtui.archive.lines import LinesError
from tgtui.archive.opener import OpenerError, open_with_system
from tgtui.archive.search import Hit
from tgtui.archive.service import ArchiveService
from tgtui.archive.topic_log import TopicRow
from tgtui.archive.wording import saved_file
from tgtui.i18n import N_, _, counted, number, short_datetime
from tgtui.screens.ask_date import DateScreen
from tgtui.screens.palette import Binding
from tgtui.screens.reading import ReadingScreen, notes_line
from tgtui.screens.search import SearchScreen
from tgtui.screens.versions import VersionsScreen, no_versions_note
from tgtui.untrusted import clean, safe_text
from tgtui.widgets.archive_list import status_word
from tgtui.widgets.avatar import Avatar
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import choice_of
from tgtui.widgets.topic_list import topic_name

FOLLOW_SECONDS = 1.0  # how often a running backup's new messages are looked for
Opener = Callable[..., None]


def about(chat: ArchiveChat) -> str:
    """The line under a chat's name: its messages saved and its backup's status."""
    saved = counted("{count} message", "{count} messages", chat.messages)
    return f"{saved} · {status_word(chat.status)}"


class ChatScreen(ReadingScreen):
    """One chat's saved messages."""

    DEFAULT_CSS = """
    #reader-head {
        height: auto;
        background: $boost;
    }
    #reader-avatar {
        margin: 0 0 0 1;
    }
    #reader-heading {
        height: auto;
    }
    #reader-about {
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Most used first: the footer shows them in this order while they fit.
        Binding("escape", "close", N_("Back"), id="close-chat", palette=False),
        Binding(
            "s,ctrl+f",
            "search",
            N_("Search"),
            id="search-chat",
            command=N_("Search this chat"),
            tooltip=N_("Find this chat's messages by their words"),
        ),
        Binding(
            "d",
            "go_date",
            N_("Date"),
            id="go-date",
            command=N_("Go to a date"),
            tooltip=N_("The first message of a day you type"),
        ),
        Binding(
            "enter",
            "activate",
            N_("Open"),
            id="activate",
            palette=False,
            tooltip=N_("The message's saved file, or the message it answers"),
        ),
        Binding(
            "right",
            "reply",
            N_("Original"),
            id="go-reply",
            command=N_("Go to the message it answers"),
            tooltip=N_("The message the one under the cursor answers"),
        ),
        Binding(
            "left,backspace",
            "back",
            N_("Return"),
            id="jump-back",
            command=N_("Return to where you were"),
            tooltip=N_("Where the last jump started"),
        ),
        Binding(
            "v",
            "versions",
            N_("Versions"),
            id="versions",
            tooltip=N_("Every saved version of the message under the cursor"),
        ),
        Binding(
            "i",
            "pictures",
            N_("Pictures"),
            id="pictures",
            command=N_("Show or hide the pictures"),
            tooltip=N_("Draw the saved photos, stickers and GIFs under their messages, or not"),
        ),
        Binding(
            "c",
            "stats",
            N_("Stats"),
            id="stats-chat",
            command=N_("Statistics of the chat"),
            tooltip=N_(
                "This chat (in a topic: the topic): messages by month and hour, senders, words"
            ),
        ),
    ]

    def __init__(
        self,
        service: ArchiveService,
        chat: ArchiveChat,
        *,
        message_id: int | None = None,
        opener: Opener = open_with_system,
        topic: TopicRow | None = None,
    ) -> None:
        super().__init__(service)
        self.chat = chat
        self.topic = topic  # a forum's topic: only its messages are shown
        self.chat_log: ChatLog | None = None
        self.start_at = message_id
        self.opener = opener
        self.jumps: list[int] = []  # message ids jumped from (Backspace returns)

    def compose(self) -> ComposeResult:
        """The chat's picture and title, messages, position."""
        yield Header()
        title = safe_text(self.chat.name or str(self.chat.id), limit=100)
        if self.topic is not None:
            title.append(" · ")
            title.append(topic_name(self.topic), style="bold")
        view = MessageView(id="messages", pictures=choice_of(self.app))
        with Horizontal(id="reader-head"):
            # The chat's picture is one more of the list's: its cache, its thread.
            yield Avatar(view.pictures, id="reader-avatar")
            with Vertical(id="reader-heading"):
                yield Static(title, id="reader-title")
                yield Static(about(self.chat), id="reader-about", markup=False)
        notes = Static("", id="reader-notes", markup=False)
        notes.display = False
        yield notes
        yield view
        yield Static("", id="reader-status", markup=False)
        yield KeyFooter()

    @property
    def view(self) -> MessageView:
        """The messages widget."""
        return self.query_one(MessageView)

    def on_mount(self) -> None:
        """Open the chat at its newest message (or the one asked for)."""
        self.view.focus()
        self.query_one(Avatar).show(self.chat.name, self.service.folder, self.chat.id)
        if not self._open():
            return
        self.set_interval(FOLLOW_SECONDS, self._follow)

    def _open(self) -> bool:
        try:
            self.chat_log = self.service.open_chat(
                self.chat, None if self.topic is None else self.topic.id
            )
        except LinesError as exc:
            self.notify(
                clean(exc), title=_("Cannot read this chat"), severity="error", markup=False
            )
            self.query_one("#reader-status", Static).update(clean(exc))
            return False
        self.view.show(self.chat_log)
        self._show_notes(announce=True)
        self.scan(self.chat_log)
        if self.start_at is not None:
            self.go_to_id(self.start_at)
        return True

    def _show_notes(self, *, announce: bool = False) -> None:
        """Say what of the chat could not be read (above the messages, and once in a
        notice), or nothing."""
        notes = self.chat_log.notes if self.chat_log is not None else []
        line = self.query_one("#reader-notes", Static)
        line.display = bool(notes)
        if not notes:
            return
        shown = notes_line(notes)
        line.update(Text("⚠ " + shown, style="yellow"))
        if announce:
            self.notify(
                shown, title=_("Part of this chat is not read"), severity="warning", markup=False
            )

    @work(thread=True, group="scan", exit_on_error=False, description=N_("Reading the chat"))
    def scan(self, log: ChatLog) -> None:
        """Find every message's place in the file (the newest are shown meanwhile)."""
        log.scan()
        if log is self.chat_log:
            self.app.call_from_thread(self.view.placed)

    def _follow(self) -> None:
        """Show messages a running backup has added; reopen a file a repair replaced."""
        log = self.chat_log
        if log is None:
            return
        added = log.refresh()
        if added is None:
            current = self.view.current
            log.close()
            self.start_at = record_id(current) if current else None
            self._open()
            self.notify(_("The chat's file was rewritten by a backup run; reopened."))
        elif added:
            self.view.grew(added)
        if added is not None and log.refresh_changes():
            self.view.refresh_blocks()  # edited and deleted messages read differently now
            self._show_notes()

    def on_unmount(self) -> None:
        """Stop reading."""
        if self.chat_log is not None:
            self.chat_log.close()

    @on(MessageView.Moved)
    def _show_position(self) -> None:
        view = self.view
        log = self.chat_log
        status = self.query_one("#reader-status", Static)
        if log is None:
            return
        count = log.count
        if count == 0:
            status.update(_("No messages saved yet."))
            return
        record = view.current or {}
        when = record_date(record)
        parts = [
            _("message {number} of {count}").format(
                number=number(count - view.cursor), count=number(count)
            )
            if log.complete
            else _("{number} from the newest · counting…").format(number=number(view.cursor + 1))
        ]
        if when:
            parts.append(short_datetime(when.astimezone()))
        ident = record_id(record)
        if ident is not None:
            parts.append(_("id {id}").format(id=ident))
        status.update(" · ".join(parts))

    @on(MessageView.WantOldest)
    def _want_oldest(self) -> None:
        self.go_oldest()

    @work(thread=True, group="jump", exclusive=True, exit_on_error=False, description=N_("Jumping"))
    def go_oldest(self) -> None:
        """Home before the whole file is counted: wait for the count, then go."""
        log = self.chat_log
        if log is None:
            return
        log.wait()
        if log is self.chat_log:
            self.app.call_from_thread(self.view.action_oldest)

    # --- jumps -----------------------------------------------------------------------------

    @work(thread=True, group="jump", exclusive=True, exit_on_error=False, description=N_("Jumping"))
    def go_to_id(self, message_id: int, note_missing: bool = True) -> None:
        """Show message ``message_id`` in context (or where it would be)."""
        log = self.chat_log
        if log is None:
            return
        k = log.find_id(message_id)
        if log is not self.chat_log:
            return
        self.app.call_from_thread(self._land, k, message_id, note_missing)

    def _land(self, k: int | None, message_id: int, note_missing: bool) -> None:
        log = self.chat_log
        if log is None:
            return
        if k is None:
            k = 0
        self.view.jump(k)
        found = record_id(log.at(k)) == message_id
        if not found and note_missing:
            self.notify(
                _("Message {id} is not in this backup; the nearest is shown.").format(
                    id=number(message_id)
                )
            )

    def _remember(self) -> None:
        current = self.view.current
        number = record_id(current) if current else None
        if number is not None:
            self.jumps.append(number)

    def action_reply(self) -> None:
        """Go to the message the one under the cursor answers."""
        record = self.view.current
        target = record.get("reply_to_message_id") if record else None
        if not isinstance(target, int) or isinstance(target, bool):
            self.notify(_("This message does not answer another."))
            return
        if record and record.get("reply_to_peer_id"):
            self.notify(_("It answers a message in another chat."))
            return
        self._remember()
        self.go_to_id(target)

    def action_back(self) -> None:
        """Return to where the last jump started."""
        if self.jumps:
            self.go_to_id(self.jumps.pop(), note_missing=False)

    def action_activate(self) -> None:
        """Enter: open the message's saved file, or go to the message it answers."""
        record = self.view.current
        if record is None:
            return
        path = saved_file(record, self.chat.folder)
        if path is not None:
            try:
                self.opener(path)
            except (OpenerError, OSError) as exc:
                self.notify(clean(exc), severity="error", markup=False)
                return
            self.notify(clean(_("Opening {file}").format(file=path.name), limit=120), markup=False)
            return
        if isinstance(record.get("reply_to_message_id"), int):
            self.action_reply()
        elif record.get("file"):
            self.notify(_("This message's file is not saved (the line under it says why)."))

    def action_versions(self) -> None:
        """v: every saved version of the message under the cursor (edited ones have more
        than one), and whether it was deleted on Telegram."""
        record = self.view.current
        if record is None or self.chat_log is None:
            return
        versions = self.chat_log.versions_of(record)
        deleted = record.get("deleted_on_telegram")
        if len(versions) < 2 and not deleted:
            self.notify(no_versions_note(versions[0] if versions else record))
            return
        self.app.push_screen(
            VersionsScreen(versions, deleted if isinstance(deleted, str) else None)
        )

    def action_pictures(self) -> None:
        """i: draw the pictures under their messages, or not."""
        view = self.view
        on = not view.pictures.on
        if on and not view.pictures.fits(view.size.width):
            self.notify(_("The window is too narrow for pictures."))
            return
        view.show_pictures(on)
        self.query_one(Avatar).shown(on)
        self.notify(_("Pictures shown.") if on else _("Pictures hidden."))

    def action_go_date(self) -> None:
        """Ask for a date and go to its first message."""
        self.app.push_screen(DateScreen(), self._date_chosen)

    def _date_chosen(self, when: dt.datetime | None) -> None:
        if when is not None:
            self._remember()
            self.go_to_date(when)

    @work(thread=True, group="jump", exclusive=True, exit_on_error=False, description=N_("Jumping"))
    def go_to_date(self, when: dt.datetime) -> None:
        """Show the first message sent at or after ``when`` (the newest if none)."""
        log = self.chat_log
        if log is None:
            return
        k = log.find_date(when)
        if log is not self.chat_log:
            return
        if k is None:
            self.app.call_from_thread(self.notify, _("No message that late: the newest is shown."))
            k = 0
        self.app.call_from_thread(self.view.jump, k)

    def action_search(self) -> None:
        """Search this chat (in a topic: the topic); a result opens over the results (Escape
        goes back to them)."""
        topic = None if self.topic is None else (self.topic.id, topic_name(self.topic))
        self.app.push_screen(
            SearchScreen(self.service, chat=self.chat, topic=topic, open_hit=self._open_hit)
        )

    def _open_hit(self, hit: Hit) -> None:
        self.app.push_screen(
            ChatScreen(self.service, self.chat, message_id=hit.message_id, topic=self.topic)
        )

    def action_stats(self) -> None:
        """c: the statistics of this chat (in a topic: of the topic's messages only)."""
        from tgtui.screens.stats import StatsScreen  # its plotting library only when asked for

        self.app.push_screen(StatsScreen(self.service, self.chat, topic=self.topic))

    def action_close(self) -> None:
        """Back to the archive (from a topic: to the forum's topics)."""
        self.app.pop_screen()
