"""The backed-up chats of an archive: a virtual list with a filter and a type filter."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.strip import Strip

from tgtui.archive.folder import ArchiveChat
from tgtui.untrusted import clean
from tgtui.widgets.lines import CursorLines

# Telegram Desktop's chat types, as the manifest writes them, grouped as the chat list does.
TYPE_GROUPS: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("all", None),
    ("users", frozenset({"personal_chat", "saved_messages"})),
    ("bots", frozenset({"bot_chat"})),
    ("groups", frozenset({"private_group", "private_supergroup", "public_supergroup"})),
    ("channels", frozenset({"private_channel", "public_channel"})),
)
TYPE_LABEL = {
    "personal_chat": "user",
    "saved_messages": "saved",
    "bot_chat": "bot",
    "private_group": "group",
    "private_supergroup": "super",
    "public_supergroup": "super",
    "private_channel": "channel",
    "public_channel": "channel",
}
NAME_WIDTH = 36
STATUS_STYLE = {"complete": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}


def columns_line() -> Text:
    """The names of `chat_row`'s columns, aligned with them."""
    return Text(
        f"{'type':<8}{'chat':<{NAME_WIDTH}} {'messages':>11}  {'last backup':<16}  status",
        style="bold dim",
    )


def chat_row(chat: ArchiveChat) -> Text:
    """One line: type, name, messages saved, last backup, status (and why, if not complete)."""
    text = Text()
    text.append(f"{TYPE_LABEL.get(chat.type, clean(chat.type, limit=7)):<8}", style="dim")
    text.append(f"{clean(chat.name or str(chat.id), limit=NAME_WIDTH):<{NAME_WIDTH}}", style="bold")
    text.append(f" {chat.messages:>11,}", style="cyan")
    text.append(f"  {clean(chat.updated[:16].replace('T', ' ')):<16}", style="dim")
    status = chat.status or "unknown"
    text.append(f"  {clean(status, limit=12)}", style=STATUS_STYLE.get(status, "yellow"))
    if chat.reason and status != "complete":
        text.append(f": {clean(chat.reason, limit=120)}", style="dim")
    return text


class ArchiveList(CursorLines):
    """The archive's chats, newest backup first, with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-1000000000)", "First", show=False),
        Binding("end", "cursor(1000000000)", "Last", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chats: list[ArchiveChat] = []
        self.filter_text = ""
        self.types: frozenset[str] | None = None
        self.shown: list[ArchiveChat] = []

    def set_chats(self, chats: list[ArchiveChat]) -> None:
        """Show these chats (the cursor stays on the same chat when it is still there)."""
        current = self.current
        self.chats = chats
        self._apply()
        if current is not None:
            self.cursor = next((i for i, c in enumerate(self.shown) if c.id == current.id), 0)

    def set_filter(self, text: str, types: frozenset[str] | None) -> None:
        """Show chats whose name contains ``text`` (any case) and whose type is in ``types``."""
        self.filter_text = text.strip().casefold()
        self.types = types
        self._apply()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)

    def _apply(self) -> None:
        text, types = self.filter_text, self.types
        self.shown = [
            c
            for c in self.chats
            if (types is None or c.type in types)
            and (not text or text in c.name.casefold() or text == str(c.id))
        ]
        self.virtual_size = Size(self.size.width, len(self.shown))
        self.refresh()

    @property
    def current(self) -> ArchiveChat | None:
        """The chat under the cursor."""
        return self.shown[self.cursor] if 0 <= self.cursor < len(self.shown) else None

    def render_line(self, y: int) -> Strip:
        """One screen line."""
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index == 0 and not self.shown:
            empty = "No chats match." if self.chats else "This backup holds no chats yet."
            return self.line_strip(Text(f"  {empty}", style="dim italic"), -1)
        if index >= len(self.shown):
            return Strip.blank(width)
        return self.line_strip(chat_row(self.shown[index]), index)

    def watch_cursor(self) -> None:
        """Keep the cursor in view."""
        self.scroll_to_cursor()

    def action_cursor(self, step: int) -> None:
        """Move the cursor by ``step`` chats."""
        if self.shown:
            self.cursor = max(0, min(self.cursor + step, len(self.shown) - 1))

    def action_page(self, pages: int) -> None:
        """Move by screenfuls."""
        self.action_cursor(pages * max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the chat clicked."""
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.shown):
            self.cursor = index
