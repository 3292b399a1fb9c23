"""The Archive view: the chats of a backup, read from its manifest, without Telegram.

Enter opens a chat in the reader, `/` filters the chats by name, `s` (or Ctrl+F) searches
every chat's messages, `e` exports the backup, `c` shows the statistics of the chat under
the cursor (`C`: of every chat), `u` the account's own data when the backup kept it. A forum
opens on its topics. Under the list, the chat under the cursor: its picture (its initials
where the backup saved none; `i` hides it), its status and its folder. The list follows a
backup that is running into the folder (the manifest is read again every few seconds).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Input, Static

from tgtui.archive.account import has_account
from tgtui.archive.folder import ArchiveError
from tgtui.archive.search import Hit
from tgtui.archive.service import ArchiveService
from tgtui.archive.topic_log import is_forum
from tgtui.i18n import N_, _, counted
from tgtui.screens.palette import Binding
from tgtui.screens.reader import ChatScreen, about
from tgtui.screens.reading import ReadingScreen, notes_line
from tgtui.screens.search import SearchScreen
from tgtui.untrusted import clean
from tgtui.widgets.archive_list import TYPE_GROUPS, ArchiveList, columns_line
from tgtui.widgets.avatar import BIG, Avatar
from tgtui.widgets.backup_text import chats
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.picture_rows import choice_of

RELOAD_SECONDS = 3.0


class ArchiveScreen(ReadingScreen):
    """The backed-up chats; Enter reads one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_chat",
            N_("Read"),
            id="read-chat",
            command=N_("Read the chat"),
            tooltip=N_("The chat under the cursor"),
        ),
        Binding(
            "s,ctrl+f",
            "search",
            N_("Search"),
            id="search-all",
            command=N_("Search the messages"),
            tooltip=N_("Find messages by their words, in every chat or some"),
        ),
        Binding(
            "e",
            "export",
            N_("Export"),
            id="export-backup",
            command=N_("Export the backup"),
            tooltip=N_("HTML and Telegram Desktop's JSON"),
        ),
        Binding(
            "c",
            "stats",
            N_("Stats"),
            id="stats-chat",
            command=N_("Statistics of the chat"),
            tooltip=N_("The chat under the cursor: messages by month and hour, senders, words"),
        ),
        Binding(
            "C",
            "stats(True)",
            N_("All stats"),
            id="stats-all",
            show=False,
            command=N_("Statistics of the backup"),
            tooltip=N_("Every chat: messages by month and hour, senders, words"),
        ),
        Binding(
            "slash",
            "filter",
            N_("Filter"),
            id="filter-chats",
            command=N_("Filter chats"),
            tooltip=N_("Type part of a name"),
        ),
        Binding(
            "t",
            "next_type",
            N_("Type"),
            id="chat-type",
            command=N_("Chat type"),
            tooltip=N_("Cycle all/users/bots/groups/channels"),
        ),
        Binding(
            "u",
            "account",
            N_("Account"),
            id="account",
            command=N_("The account"),
            tooltip=N_("Profile, contacts, sessions, chats left, stories (backup --account)"),
        ),
        Binding(
            "i",
            "pictures",
            N_("Pictures"),
            id="pictures",
            show=False,
            command=N_("Show or hide the pictures"),
            tooltip=N_("Show the chat's picture, or not"),
        ),
        Binding("escape", "back", N_("Back"), id="back", palette=False),
    ]

    DEFAULT_CSS = """
    #archive-about {
        height: auto;
        background: $boost;
    }
    #archive-avatar {
        margin: 0 0 0 1;
    }
    #archive-detail {
        width: 1fr;
    }
    """

    def __init__(self, service: ArchiveService, *, can_leave: bool = True) -> None:
        super().__init__(service)
        self.can_leave = can_leave  # False when it is the app's only screen (`tgtui open`)
        self.type_filter = 0

    def compose(self) -> ComposeResult:
        """Title line, filter, list, index status."""
        yield Header()
        yield Static("", id="archive-title", markup=False)
        yield Input(placeholder=_("filter: part of a chat's name"), id="archive-filter")
        yield Static(columns_line(), id="archive-columns", markup=False)
        yield ArchiveList(id="archive-list")
        with Horizontal(id="archive-about"):
            yield Avatar(choice_of(self.app), size=BIG, id="archive-avatar")
            yield Static("", id="archive-detail", markup=False)
        yield Static("", id="archive-status", markup=False)
        yield KeyFooter()

    @property
    def chat_list(self) -> ArchiveList:
        """The list widget."""
        return self.query_one(ArchiveList)

    @on(ArchiveList.Resized)
    def _resized(self, event: ArchiveList.Resized) -> None:
        """The column names over the columns as wide as the list is now."""
        self.query_one("#archive-columns", Static).update(columns_line(event.width))

    def on_mount(self) -> None:
        """Show the chats, start the index, follow a running backup."""
        self.query_one("#archive-filter", Input).display = False
        self.chat_list.set_chats(list(self.service.archive.chats))
        self.chat_list.focus()
        self._show_title()
        self.watch(self.chat_list, "cursor", self._show_detail)
        self.set_interval(RELOAD_SECONDS, self._reload)
        self.update_index()
        left_out = self.service.archive.left_out
        if left_out:  # a backup from someone else: a chat folder that is a link...
            self.notify(
                clean(left_out[0], limit=300),
                title=counted(
                    "{count} chat of the backup is not read",
                    "{count} chats of the backup are not read",
                    len(left_out),
                ),
                severity="warning",
                markup=False,
            )

    def _show_title(self) -> None:
        archive = self.service.archive
        who = archive.account.get("name") or archive.account.get("username") or ""
        total = sum(c.messages for c in archive.chats)
        listing = self.chat_list
        parts = [_("Backup in {folder}").format(folder=clean(archive.folder))]
        if who:
            parts.append(clean(who, limit=40))
        parts.append(chats(len(archive.chats)))
        parts.append(counted("{count} message", "{count} messages", total))
        (singular, plural), types = TYPE_GROUPS[self.type_filter]
        if listing.filter_text or types is not None:
            shown = len(listing.shown)
            parts.append(counted(singular, plural, shown))
        text = " · ".join(parts)
        self.query_one("#archive-title", Static).update(text)

    def _show_detail(self) -> None:
        """The chat under the cursor in full: its picture, its status and why, and its
        folder."""
        chat = self.chat_list.current
        detail = self.query_one("#archive-detail", Static)
        avatar = self.query_one(Avatar)
        avatar.display = chat is not None and avatar.pictures.on
        if chat is None:
            detail.update("")
            return
        avatar.show(chat.name, self.service.folder, chat.id)
        text = Text()
        text.append(clean(chat.name or str(chat.id), limit=60), style="bold")
        text.append("\n" + about(chat))
        if chat.reason:
            text.append(f": {clean(chat.reason, limit=300)}")
        text.append(f"\n{clean(chat.folder.name, limit=80)}", style="dim")
        detail.update(text)

    def action_pictures(self) -> None:
        """i: show the chat's picture, or not."""
        avatar = self.query_one(Avatar)
        avatar.pictures.on = not avatar.pictures.on
        avatar.shown(avatar.pictures.on and self.chat_list.current is not None)

    def _reload(self) -> None:
        try:
            archive = self.service.reload()
        except ArchiveError as exc:
            self.query_one("#archive-status", Static).update(clean(exc))
            return
        self.chat_list.set_chats(list(archive.chats))
        self._show_title()
        self._show_detail()

    @work(exclusive=True, group="index", exit_on_error=False, description=N_("Indexing the backup"))
    async def update_index(self) -> None:
        """Bring the search index up to date (built the first time: a while for big backups)."""
        status = self.query_one("#archive-status", Static)
        status.update(_("Updating the search index…"))
        stats = await self.service.update_index()
        built = counted(
            "Search index built: {count} message.",
            "Search index built: {count} messages.",
            stats.messages,
        )
        parts = [built] if stats.rebuilt else []
        if stats.damaged:
            parts.append(
                counted(
                    "{count} damaged line of the backup is not searched.",
                    "{count} damaged lines of the backup are not searched.",
                    stats.damaged,
                )
            )
        parts.extend(clean(note, limit=200) for note in stats.notes)
        if stats.unread:  # a chat's messages.jsonl that is a FIFO, a link...
            parts.append("⚠ " + notes_line(stats.unread) + ".")
        status.update(" ".join(parts))

    def action_open_chat(self) -> None:
        """Read the chat under the cursor (a forum: its topics first)."""
        chat = self.chat_list.current
        if chat is None:
            return
        if is_forum(chat):
            from tgtui.screens.topics import TopicsScreen

            self.app.push_screen(TopicsScreen(self.service, chat))
        else:
            self.app.push_screen(ChatScreen(self.service, chat))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The account's key only when the backup kept the account's data."""
        if action == "account":
            return has_account(self.service.folder)
        return True

    def action_account(self) -> None:
        """The account's own data: profile, contacts, sessions..."""
        from tgtui.screens.account import AccountScreen

        if has_account(self.service.folder):
            self.app.push_screen(AccountScreen(self.service))

    def action_export(self) -> None:
        """Export the backup (or the chat under the cursor) as HTML and/or Telegram Desktop's
        JSON."""
        from tgtui.screens.export import ExportScreen  # its exporter only when asked for

        self.app.push_screen(ExportScreen(self.service.archive, self.chat_list.current))

    def action_stats(self, whole: bool = False) -> None:
        """The statistics of the chat under the cursor, or of every chat (``whole``)."""
        from tgtui.screens.stats import StatsScreen  # its plotting library only when asked for

        chat = None if whole else self.chat_list.current
        if chat is None and not whole:
            return
        self.app.push_screen(StatsScreen(self.service, chat))

    def action_search(self) -> None:
        """Search every chat; a result opens in its chat, over the results (Escape goes
        back to them)."""
        self.app.push_screen(SearchScreen(self.service, open_hit=self._open_hit))

    def _open_hit(self, hit: Hit) -> None:
        chat = self.service.archive.chat(hit.chat_id)
        if chat is None:
            self.notify(_("That chat is no longer in the backup."), severity="warning")
            return
        self.app.push_screen(ChatScreen(self.service, chat, message_id=hit.message_id))

    def action_filter(self) -> None:
        """Show the filter and type into it."""
        field = self.query_one("#archive-filter", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#archive-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.chat_list.set_filter(event.value, TYPE_GROUPS[self.type_filter][1])
        self._show_title()

    @on(Input.Submitted, "#archive-filter")
    def _filter_done(self) -> None:
        self.chat_list.focus()

    def action_next_type(self) -> None:
        """Cycle the type filter: all, users, bots, groups, channels."""
        self.type_filter = (self.type_filter + 1) % len(TYPE_GROUPS)
        field = self.query_one("#archive-filter", Input)
        self.chat_list.set_filter(field.value, TYPE_GROUPS[self.type_filter][1])
        self._show_title()

    def action_back(self) -> None:
        """Drop the filter if any; else leave the archive (or quit `tgtui open`)."""
        field = self.query_one("#archive-filter", Input)
        if field.display or field.value:
            field.value = ""
            field.display = False
            self.chat_list.set_filter("", TYPE_GROUPS[self.type_filter][1])
            self.chat_list.focus()
            self._show_title()
            return
        if self.can_leave:
            self.app.pop_screen()
        else:
            self.app.exit()

    def on_unmount(self) -> None:
        """Close the index when the archive is left."""
        self.service.close()
