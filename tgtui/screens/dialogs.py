"""The chat list after login: a virtual list paged in as the user scrolls, "N of M chats".

The first chats show after one request; the next page is fetched only when the list asks
(`DialogList.NeedMore`), so 10,000 chats cost nothing until someone scrolls to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Input, Static
from textual.worker import Worker

from tgtui.backup.selection import target_of
from tgtui.i18n import N_, N_plural, _, counted, ngettext, number
from tgtui.memory import freeze_long_lived
from tgtui.retry import Wait
from tgtui.screens.base import TgtuiScreen, read_backups_key
from tgtui.screens.palette import Binding
from tgtui.telegram.dialogs import ChatKind, DialogPager
from tgtui.telegram.errors import explain
from tgtui.telegram.link_state import LinkStatus
from tgtui.telegram.messages import MessagePager
from tgtui.widgets.backup_text import status_line
from tgtui.widgets.chat_preview import ChatPreview
from tgtui.widgets.countdown import Countdown
from tgtui.widgets.dialog_list import DialogList
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.link_line import LinkLine

# The type filter's steps: how many of that type match ("{count} users"), and the types.
KIND_FILTERS: tuple[tuple[tuple[str, str], frozenset[ChatKind] | None], ...] = (
    (N_plural("{count} matching", "{count} matching"), None),
    (N_plural("{count} user", "{count} users"), frozenset({ChatKind.USER})),
    (N_plural("{count} bot", "{count} bots"), frozenset({ChatKind.BOT})),
    (
        N_plural("{count} group", "{count} groups"),
        frozenset({ChatKind.GROUP, ChatKind.SUPERGROUP}),
    ),
    (N_plural("{count} channel", "{count} channels"), frozenset({ChatKind.CHANNEL})),
)


def chat_count(loaded: int, total: int | None) -> str:
    """ "N chats" once all are loaded, "N of M chats" while paging."""
    if total is None or loaded >= total:
        return counted("{count} chat", "{count} chats", loaded)
    return ngettext("{loaded} of {total} chat", "{loaded} of {total} chats", total).format(
        loaded=number(loaded), total=number(total)
    )


class DialogsScreen(TgtuiScreen):
    """The signed-in account's chats, paged in from the server as they are needed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Most used first: the footer shows them in this order while they fit.
        Binding("enter", "preview", N_("Open"), show=False, id="open-chat", palette=False),
        Binding(
            "b",
            "backup",
            N_("Back up"),
            id="backup",
            tooltip=N_("Back up the selected chats, or see the backup"),
        ),
        Binding(
            "slash",
            "filter",
            N_("Filter"),
            id="filter",
            command=N_("Filter chats"),
            tooltip=N_("Type part of a name"),
        ),
        Binding(
            "t",
            "next_kind",
            N_("Type"),
            id="chat-type",
            command=N_("Chat type"),
            tooltip=N_("Cycle all/users/bots/groups/channels"),
        ),
        Binding(
            "z",
            "toggle_archive",
            N_("Archive"),
            id="archive",
            tooltip=N_("Switch to or from archived chats"),
        ),
        Binding(
            "a",
            "select_matching",
            N_("All"),
            id="select-all",
            command=N_("Select all matching"),
            tooltip=N_("Select every chat shown"),
        ),
        Binding(
            "A",
            "clear_selection",
            N_("None"),
            show=False,
            id="clear-selection",
            command=N_("Clear selection"),
            tooltip=N_("Unselect every chat"),
        ),
        Binding(
            "escape",
            "clear_filter",
            N_("Clear filter"),
            show=False,
            id="clear-filter",
            palette=False,
        ),
        read_backups_key("o"),
        Binding(
            "s,ctrl+f",
            "app.search_backups",
            N_("Search"),
            id="search-backups",
            command=N_("Search the backups"),
            tooltip=N_("Find saved messages by their words, offline"),
        ),
        Binding(
            "f5,ctrl+r",
            "reload",
            N_("Reload"),
            show=False,
            id="reload",
            command=N_("Reload chats"),
            tooltip=N_("Fetch the chat list again"),
        ),
        Binding(
            "ctrl+o",
            "app.log_out",
            N_("Logout"),
            id="log-out",
            command=N_("Log out"),
            tooltip=N_("Sign this session out of Telegram"),
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pager: DialogPager | None = None
        self.archived: int | None = None
        self.in_archive = False
        self.kind_filter = 0  # index into KIND_FILTERS
        self.messages: MessagePager | None = None
        self._frozen_rows = 0
        self._stop_link: Callable[[], None] = lambda: None
        self._reconnecting: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        """Count, list, wait line, the link's line, the backup's status."""
        yield Header()
        yield Static(_("Loading chats…"), id="dialog-count")
        yield Input(placeholder=_("filter: part of a name or @username"), id="dialog-filter")
        with Horizontal(id="dialog-body"):
            yield DialogList(id="dialog-list")
            yield ChatPreview(id="chat-preview")
        yield Countdown(id="dialog-wait")
        yield LinkLine(self.tgtui.service.link, id="dialog-link")  # while the network is away
        yield Static("", id="backup-status")
        yield KeyFooter()

    @property
    def dialog_list(self) -> DialogList:
        """The list widget."""
        return self.query_one(DialogList)

    def on_mount(self) -> None:
        """Start with the first page."""
        self.query_one("#dialog-filter", Input).display = False
        self.query_one(ChatPreview).display = False
        self.dialog_list.focus()
        self.action_reload()
        self._show_backup()
        self.set_interval(0.5, self._show_backup)
        self.set_interval(1.0, self._freeze_loaded)
        self._stop_link = self.tgtui.service.link.listen(self._link_changed)

    def on_unmount(self) -> None:
        """Stop listening to the link."""
        self._stop_link()

    def _link_changed(self, status: LinkStatus) -> None:
        """Telethon gave up reconnecting (the network was away too long): connect again
        from here, whatever screen is on top, so nothing waits on a link nobody mends."""
        running = self._reconnecting is not None and not self._reconnecting.is_finished
        if status.phase == "offline" and not running:
            self._reconnecting = self.reconnect()

    @work(group="reconnect", exit_on_error=False, description=N_("Reconnecting"))
    async def reconnect(self) -> None:
        """Connect the client again (`TelegramService.reconnect`: retrying for ever, each
        wait counted down by the link's line)."""
        await self.tgtui.service.reconnect()

    def on_screen_resume(self) -> None:
        """Back from another screen (the backup's): the status as it is now, not as it was
        when the list was left (its timer does not run meanwhile)."""
        self._show_backup()

    def _freeze_loaded(self) -> None:
        """Loaded chats stay for the session: keep them out of the collector's way.

        From a timer, not the worker that loads a page: what is frozen is never collected,
        and a worker that is still running would be frozen with its page.
        """
        loaded = len(self.dialog_list.rows)
        if loaded != self._frozen_rows:
            self._frozen_rows = loaded
            freeze_long_lived()

    def _show_backup(self) -> None:
        """The compact status of the running (or last) backup, above the footer."""
        job = self.tgtui.backup_job
        status = self.query_one("#backup-status", Static)
        status.display = job is not None
        if job is not None:
            status.update(status_line(job))

    def action_backup(self) -> None:
        """Back up the selected chats (or the one under the cursor), or see the backup."""
        listing = self.dialog_list
        rows = list(listing.selected.values())
        if not rows and self.tgtui.backup_job is None and listing.current is not None:
            rows = [listing.current]
        targets = [target_of(row) for row in rows if row.peer is not None]
        self.tgtui.open_backup(targets)

    def action_preview(self) -> None:
        """Open the side pane with the latest messages of the chat under the cursor."""
        row = self.dialog_list.current
        if row is None or row.peer is None:
            return
        preview = self.query_one(ChatPreview)
        preview.display = True
        preview.show_chat(row.name, row.peer_id, row.username)
        self.messages = MessagePager(self.tgtui.service.client, row.peer, on_wait=self._waiting)
        self.load_older()

    @on(ChatPreview.NeedOlder)
    def _older(self) -> None:
        self.load_older()

    @work(exclusive=True, group="preview", exit_on_error=False, description=N_("Loading messages"))
    async def load_older(self) -> None:
        """Fetch older messages for the preview pane."""
        pager = self.messages
        if pager is None:
            return
        lines = await pager.older()
        if pager is self.messages:
            self.query_one(ChatPreview).add_older(lines, pager.done)

    def action_filter(self) -> None:
        """Show the filter and type into it."""
        field = self.query_one("#dialog-filter", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#dialog-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.dialog_list.set_filter(event.value)
        self._show_count()

    @on(Input.Submitted, "#dialog-filter")
    def _filter_done(self) -> None:
        self.dialog_list.focus()  # keep the filter, go back to the list

    def action_clear_filter(self) -> None:
        """Close the preview pane if open, else drop the filter and hide it."""
        preview = self.query_one(ChatPreview)
        if preview.display:
            preview.display = False
            self.messages = None
            self.dialog_list.focus()
            return
        field = self.query_one("#dialog-filter", Input)
        field.value = ""
        field.display = False
        self.dialog_list.set_filter("")
        self.dialog_list.focus()
        self._show_count()

    def action_next_kind(self) -> None:
        """Cycle the type filter: all, users, bots, groups, channels."""
        self.kind_filter = (self.kind_filter + 1) % len(KIND_FILTERS)
        self.dialog_list.set_kinds(KIND_FILTERS[self.kind_filter][1])
        self._show_count()

    def action_toggle_archive(self) -> None:
        """Switch between the main chat list and the archive (the selection is kept)."""
        self.in_archive = not self.in_archive
        self.action_reload()

    def action_select_matching(self) -> None:
        """Select every chat the filter shows."""
        self.dialog_list.select_matching()

    def action_clear_selection(self) -> None:
        """Unselect every chat."""
        self.dialog_list.clear_selection()

    def action_reload(self) -> None:
        """Fetch the chat list again from the top (the selection is kept)."""
        self.pager = DialogPager(
            self.tgtui.service.client, archived=self.in_archive, on_wait=self._waiting
        )
        self.archived = None
        self.dialog_list.clear()
        self.query_one("#dialog-count", Static).update(_("Loading chats…"))
        self.load_page()

    def _waiting(self, wait: Wait) -> None:
        prefix = explain(wait.error).text
        self.query_one("#dialog-wait", Countdown).start(
            wait.seconds, prefix + " " + _("Loading resumes in {seconds} s.")
        )

    @on(DialogList.NeedMore)
    def _more(self) -> None:
        self.load_page()

    @on(DialogList.SelectionChanged)
    def _selection(self) -> None:
        self._show_count()

    def _show_count(self) -> None:
        listing = self.dialog_list
        text = chat_count(len(listing.rows), listing.total)
        if self.in_archive:
            text = _("Archive: {chats}").format(chats=text)
        singular, plural = KIND_FILTERS[self.kind_filter][0]
        parts = [text]
        if listing.filtering:
            matching = len(listing.matching)
            parts.insert(0, counted(singular, plural, matching))
        if self.archived and not self.in_archive:
            parts.append(counted("{count} archived", "{count} archived", self.archived))
        if listing.selected:
            parts.append(counted("{count} selected", "{count} selected", len(listing.selected)))
        text = " · ".join(parts)
        self.query_one("#dialog-count", Static).update(text)

    @work(exclusive=True, group="dialogs", exit_on_error=False, description=N_("Loading chats"))
    async def load_page(self) -> None:
        """Fetch the next page and hand it to the list."""
        pager = self.pager
        if pager is None or pager.done:
            return
        page = await pager.next_page()
        self.query_one("#dialog-wait", Countdown).stop()
        if pager is not self.pager:
            return  # a reload started meanwhile
        if self.archived is None:
            archive = DialogPager(self.tgtui.service.client, archived=True, page_size=1)
            self.archived = (await archive.next_page()).total
        self.dialog_list.add_rows(page.rows, page.total, page.done)
        self._show_count()
