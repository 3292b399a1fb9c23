"""The account view (`u` in the archive, when the backup kept the account's data:
`tgtui backup --account`): the profile and its pictures, the contacts, the sessions and
websites logged in with Telegram, the chats left, the stories and the frequent contacts,
each section under its heading; what Telegram no longer has is kept, marked with the day the
backup found it gone. A profile picture or a story says whether its file is saved; Enter
opens a saved one with the system's application, as the reader opens a message's file. `/`
narrows the lines to those that contain what is typed (a contact by name or phone, a session
by app or place; a contact chosen in a search opens it narrowed to that contact); Escape
drops the filter, then goes back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Header, Input, Static

from tgtui.archive.account import AccountData
from tgtui.archive.opener import OpenerError, open_with_system
from tgtui.archive.service import ArchiveService
from tgtui.format.account import FILE_FIELD, saved_account_file
from tgtui.i18n import N_, _, counted
from tgtui.screens.palette import Binding
from tgtui.screens.reading import ReadingScreen, notes_line
from tgtui.untrusted import clean
from tgtui.widgets.account_lines import AccountLines, Entry, account_entries, narrowed
from tgtui.widgets.key_footer import KeyFooter


class AccountScreen(ReadingScreen):
    """The account's own data kept in the backup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "filter",
            N_("Filter"),
            id="filter-account",
            command=N_("Filter the account's lines"),
            tooltip=N_("Type part of a name, a phone, an app..."),
        ),
        Binding(
            "enter",
            "activate",
            N_("Open"),
            id="activate",
            palette=False,
            tooltip=N_("The saved file of the profile picture or story under the cursor"),
        ),
        Binding("escape", "back", N_("Back"), id="back", palette=False),
    ]

    def __init__(
        self,
        service: ArchiveService,
        *,
        opener: Callable[[Path], None] = open_with_system,
        typed: str = "",
    ) -> None:
        super().__init__(service)
        self.typed = typed  # the filter it opens with (a contact a search found)
        self.entries: list[Entry] = []
        self.data: AccountData | None = None
        self.opener = opener

    def compose(self) -> ComposeResult:
        """Title, filter, lines, status."""
        yield Header()
        yield Static(_("Account"), id="account-title", markup=False)
        yield Input(placeholder=_("filter: part of a name, a phone, an app"), id="account-filter")
        yield AccountLines(id="account-lines")
        yield Static(_("Reading the account's data…"), id="account-status", markup=False)
        yield KeyFooter()

    @property
    def lines(self) -> AccountLines:
        """The lines widget."""
        return self.query_one(AccountLines)

    def on_mount(self) -> None:
        """Read the account's data (in a thread: a few small files)."""
        self.query_one("#account-filter", Input).display = False
        self.lines.focus()
        self.read()

    @work(thread=True, exit_on_error=False, description=N_("Reading the account"))
    def read(self) -> None:
        """Read every section."""
        from tgtui.archive.account import read_account

        data = read_account(self.service.folder)
        entries = account_entries(data, self.service.folder)  # the files looked at here too
        self.app.call_from_thread(self._show, data, entries)

    def _show(self, data: AccountData, entries: list[Entry]) -> None:
        self.data = data
        self.entries = entries
        self.lines.show_items(narrowed(self.entries, self.typed))
        if self.typed:
            field = self.query_one("#account-filter", Input)
            with field.prevent(Input.Changed):
                field.value = self.typed
            field.display = True
        who = self.service.archive.account
        name = who.get("name") or who.get("username") or ""
        title = Text(_("Account"), style="bold")
        if name:
            title.append(" · " + clean(name, limit=40))
        contacts = len(data.items("contacts"))
        title.append(" · " + counted("{count} contact", "{count} contacts", contacts))
        self.query_one("#account-title", Static).update(title)
        parts = [_("As the backup last saw it; what Telegram no longer has is marked.")]
        if data.damaged:
            parts.append(
                counted(
                    "{count} damaged line is not shown.",
                    "{count} damaged lines are not shown.",
                    data.damaged,
                )
            )
        if data.notes:
            parts.append("⚠ " + notes_line(data.notes))
        self.query_one("#account-status", Static).update(" ".join(parts))

    def action_filter(self) -> None:
        """Show the filter and type into it."""
        field = self.query_one("#account-filter", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#account-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.lines.show_items(narrowed(self.entries, event.value))

    @on(Input.Submitted, "#account-filter")
    def _filter_done(self) -> None:
        self.lines.focus()

    def action_activate(self) -> None:
        """Enter: open the saved file of the profile picture or story under the cursor."""
        entry = self.lines.current
        if entry is None or not entry.media:
            return
        path = (
            saved_account_file(self.service.folder, {FILE_FIELD: entry.file})
            if entry.file
            else None
        )
        if path is None:
            self.notify(_("Its file is not saved in the backup (the line says why)."))
            return
        try:
            self.opener(path)
        except (OpenerError, OSError) as exc:
            self.notify(clean(exc), severity="error", markup=False)
            return
        self.notify(clean(_("Opening {file}").format(file=path.name), limit=120), markup=False)

    def action_back(self) -> None:
        """Drop the filter if any; else back to the archive."""
        field = self.query_one("#account-filter", Input)
        if field.display or field.value:
            field.value = ""
            field.display = False
            self.lines.show_items(self.entries)
            self.lines.focus()
            return
        self.app.pop_screen()
