"""The chat list after login: pages of dialogs as they arrive, "N of M chats".

A plain list for now; the virtual, filterable browser replaces it (issue: dialog browser).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tgtui.retry import Wait
from tgtui.screens.base import TgtuiScreen
from tgtui.telegram.dialogs import ChatKind, DialogPager, DialogRow
from tgtui.telegram.errors import explain
from tgtui.widgets.countdown import Countdown

KIND_LABEL = {
    ChatKind.USER: "user",
    ChatKind.BOT: "bot",
    ChatKind.GROUP: "group",
    ChatKind.SUPERGROUP: "super",
    ChatKind.CHANNEL: "channel",
}


def chat_count(loaded: int, total: int | None) -> str:
    """ "N chats" once all are loaded, "N of M chats" while paging."""
    if total is None or loaded >= total:
        return f"{loaded:,} chat" + ("" if loaded == 1 else "s")
    return f"{loaded:,} of {total:,} chats"


def row_text(row: DialogRow) -> Text:
    """One line of the list: kind, name, unread count, marks, preview."""
    text = Text(f"{KIND_LABEL[row.kind]:<8}", style="dim")
    text.append(row.name[:80], style="bold" if row.unread else "")
    if row.unread:
        text.append(f" ({row.unread:,})", style="bold cyan")
    marks = " ".join(m for m, on in (("pinned", row.pinned), ("muted", row.muted)) if on)
    if marks:
        text.append(f" [{marks}]", style="yellow")
    if row.preview:
        text.append(f"  {row.preview[:120]}", style="dim")
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class DialogsScreen(TgtuiScreen):
    """The signed-in account's chats, paged in from the server."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5,ctrl+r", "reload", "Reload", id="reload"),
        Binding("ctrl+o", "app.log_out", "Log out", id="log-out"),
    ]

    def compose(self) -> ComposeResult:
        """Count, status, list."""
        yield Header()
        yield Static("Loading chats…", id="dialog-count")
        yield OptionList(id="dialog-list")
        yield Countdown(id="dialog-wait")
        yield Footer()

    def on_mount(self) -> None:
        """Start paging."""
        self.query_one("#dialog-list", OptionList).focus()
        self.load()

    def _waiting(self, wait: Wait) -> None:
        prefix = explain(wait.error).text
        self.query_one("#dialog-wait", Countdown).start(
            wait.seconds, prefix + " Loading resumes in {seconds} s."
        )

    def action_reload(self) -> None:
        """Fetch the chat list again from the top."""
        self.query_one("#dialog-list", OptionList).clear_options()
        self.query_one("#dialog-count", Static).update("Loading chats…")
        self.load()

    @work(exclusive=True, group="dialogs", exit_on_error=False, description="Loading chats")
    async def load(self) -> None:
        """Page through the main chat list, showing each page as it lands."""
        pager = DialogPager(self.tgtui.service.client, on_wait=self._waiting)
        options = self.query_one("#dialog-list", OptionList)
        count = self.query_one("#dialog-count", Static)
        while not pager.done:
            page = await pager.next_page()
            self.query_one("#dialog-wait", Countdown).stop()
            options.add_options(Option(row_text(row), id=str(row.peer_id)) for row in page.rows)
            count.update(chat_count(pager.loaded, page.total))
            if options.highlighted is None and options.option_count:
                options.highlighted = 0
        archive = DialogPager(self.tgtui.service.client, archived=True, page_size=1)
        archived = (await archive.next_page()).total
        summary = chat_count(pager.loaded, pager.total)
        count.update(f"{summary} · {archived:,} archived" if archived else summary)
