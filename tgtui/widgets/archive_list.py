"""The backed-up chats of an archive: a virtual list with a filter and a type filter.

Its columns fit the width they are given: the name takes what the others leave, so at 80
columns every column (the status too) is whole, in English and in Portuguese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from textual.events import Resize
from textual.message import Message

from tgtui.archive.folder import ArchiveChat
from tgtui.format.outcomes import OUTCOME_WORDS
from tgtui.format.outcomes import status_word as outcome_word
from tgtui.i18n import NC_, N_plural, _, number, pgettext, short_datetime
from tgtui.untrusted import clean
from tgtui.widgets.lines import ItemLines

# Telegram Desktop's chat types, as the manifest writes them, grouped as the chat list does.
# Each step of the type filter: how many of that type are shown ("{count} users"), the types.
TYPE_GROUPS: tuple[tuple[tuple[str, str], frozenset[str] | None], ...] = (
    (N_plural("{count} matching", "{count} matching"), None),
    (N_plural("{count} user", "{count} users"), frozenset({"personal_chat", "saved_messages"})),
    (N_plural("{count} bot", "{count} bots"), frozenset({"bot_chat"})),
    (
        N_plural("{count} group", "{count} groups"),
        frozenset({"private_group", "private_supergroup", "public_supergroup"}),
    ),
    (
        N_plural("{count} channel", "{count} channels"),
        frozenset({"private_channel", "public_channel"}),
    ),
)
TYPE_LABEL = {
    "personal_chat": NC_("chat type", "user"),
    "saved_messages": NC_("chat type", "saved"),
    "bot_chat": NC_("chat type", "bot"),
    "private_group": NC_("chat type", "group"),
    "private_supergroup": NC_("chat type", "supergroup"),
    "public_supergroup": NC_("chat type", "supergroup"),
    "private_channel": NC_("chat type", "channel"),
    "public_channel": NC_("chat type", "channel"),
}
NAME_WIDTH = 36  # the name's columns when the list is wide enough (else what is left)
MIN_NAME_WIDTH = 12
DATE_WIDTH = 16  # "2026-12-06 08:39", "06/12/2026 08:39"
STATUS_STYLE = {"complete": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}


@dataclass(frozen=True)
class Columns:
    """The widths of the archive's columns, in the user's language, for one list width."""

    kind: int
    name: int
    messages: int
    status: int

    @classmethod
    def fitting(cls, width: int) -> Columns:
        """Columns for a list ``width`` wide (0: as wide as they like)."""
        kind = max(len(pgettext("chat type", label)) for label in TYPE_LABEL.values()) + 1
        kind = max(kind, len(_("type")) + 1)
        messages = max(len(_("messages")), 7)
        status = max(len(_(word)) for word in OUTCOME_WORDS.values())
        fixed = kind + 1 + messages + 2 + DATE_WIDTH + 2 + status
        name = NAME_WIDTH if width <= 0 else max(MIN_NAME_WIDTH, min(NAME_WIDTH, width - fixed))
        return cls(kind, name, messages, status)


def columns_line(width: int = 0) -> Text:
    """The names of `chat_row`'s columns, aligned with them, for a list ``width`` wide."""
    cols = Columns.fitting(width)
    kind, chat, messages = _("type"), _("chat"), _("messages")
    last, status = _("last backup"), _("status")
    return Text(
        f"{kind:<{cols.kind}}{chat:<{cols.name}} {messages:>{cols.messages}}"
        f"  {last:<{DATE_WIDTH}}  {status}",
        style="bold dim",
        no_wrap=True,
        overflow="ellipsis",
    )


def status_word(status: str | None) -> str:
    """A chat's status from the manifest, in the user's language (cleaned if not known)."""
    if not status:
        return _("unknown")
    return outcome_word(status) if status in OUTCOME_WORDS else clean(status, limit=12)


def backed_up_at(updated: str) -> str:
    """When a chat was last backed up, as the user's language writes dates and in local
    time ("06/12/2026 08:39" in Portuguese); "" when unknown."""
    try:
        moment = dt.datetime.fromisoformat(updated)
    except ValueError:
        return clean(updated[:DATE_WIDTH])
    return short_datetime(moment.astimezone() if moment.tzinfo else moment)


def chat_row(chat: ArchiveChat, width: int = 0) -> Text:
    """One line: type, name, messages saved, last backup, status (and why, if not complete),
    in columns for a list ``width`` wide."""
    cols = Columns.fitting(width)
    text = Text()
    if chat.type in TYPE_LABEL:
        kind = pgettext("chat type", TYPE_LABEL[chat.type])
    else:
        kind = clean(chat.type, limit=7)
    text.append(f"{kind:<{cols.kind}}", style="dim")
    name = clean(chat.name or str(chat.id), limit=cols.name)
    text.append(f"{name:<{cols.name}}", style="bold")
    text.append(f" {number(chat.messages):>{cols.messages}}", style="cyan")
    text.append(f"  {backed_up_at(chat.updated):<{DATE_WIDTH}}", style="dim")
    status = chat.status or "unknown"
    text.append(f"  {status_word(status)}", style=STATUS_STYLE.get(status, "yellow"))
    if chat.reason and status != "complete":
        text.append(f": {clean(chat.reason, limit=120)}", style="dim")
    return text


class ArchiveList(ItemLines[ArchiveChat]):
    """The archive's chats, with a name filter and a type filter."""

    @dataclass
    class Resized(Message):
        """The list is another width now: its column names should follow."""

        width: int

    def on_resize(self, event: Resize) -> None:
        """Say the new width (the column names above are another widget)."""
        self.post_message(self.Resized(self.scrollable_content_region.width))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chats: list[ArchiveChat] = []
        self.filter_text = ""
        self.types: frozenset[str] | None = None

    @property
    def shown(self) -> list[ArchiveChat]:
        """The chats the filters let through."""
        return self.items

    def set_chats(self, chats: list[ArchiveChat]) -> None:
        """Show these chats (the cursor stays on the same chat when it is still there)."""
        current = self.current
        self.chats = chats
        shown = self._filtered()
        keep = (
            0
            if current is None
            else next((i for i, c in enumerate(shown) if c.id == current.id), 0)
        )
        self.show_items(shown, keep)

    def set_filter(self, text: str, types: frozenset[str] | None) -> None:
        """Show chats whose name contains ``text`` (any case) and whose type is in ``types``."""
        self.filter_text = text.strip()
        self.types = types
        self.show_items(self._filtered())

    def _filtered(self) -> list[ArchiveChat]:
        text, types = self.filter_text, self.types
        return [
            c
            for c in self.chats
            if (types is None or c.type in types) and (not text or c.named(text))
        ]

    def line_of(self, item: ArchiveChat) -> Text:
        """One chat."""
        return chat_row(item, self.scrollable_content_region.width)

    def empty_text(self) -> str:
        """No chats, or none matching."""
        return _("No chats match.") if self.chats else _("This backup holds no chats yet.")
