"""The backed-up chats of an archive: a virtual list with a filter and a type filter."""

from __future__ import annotations

from rich.text import Text

from tgtui.archive.folder import ArchiveChat
from tgtui.format.outcomes import OUTCOME_WORDS
from tgtui.format.outcomes import status_word as outcome_word
from tgtui.i18n import N_, N_plural, _, number
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
    "personal_chat": N_("user"),
    "saved_messages": N_("saved"),
    "bot_chat": N_("bot"),
    "private_group": N_("group"),
    "private_supergroup": N_("super"),
    "public_supergroup": N_("super"),
    "private_channel": N_("channel"),
    "public_channel": N_("channel"),
}
NAME_WIDTH = 36
STATUS_STYLE = {"complete": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}


def columns_line() -> Text:
    """The names of `chat_row`'s columns, aligned with them."""
    kind, chat, messages = _("type"), _("chat"), _("messages")
    last, status = _("last backup"), _("status")
    return Text(
        f"{kind:<8}{chat:<{NAME_WIDTH}} {messages:>11}  {last:<16}  {status}",
        style="bold dim",
    )


def status_word(status: str | None) -> str:
    """A chat's status from the manifest, in the user's language (cleaned if not known)."""
    if not status:
        return _("unknown")
    return outcome_word(status) if status in OUTCOME_WORDS else clean(status, limit=12)


def chat_row(chat: ArchiveChat) -> Text:
    """One line: type, name, messages saved, last backup, status (and why, if not complete)."""
    text = Text()
    kind = _(TYPE_LABEL[chat.type]) if chat.type in TYPE_LABEL else clean(chat.type, limit=7)
    text.append(f"{kind:<8}", style="dim")
    text.append(f"{clean(chat.name or str(chat.id), limit=NAME_WIDTH):<{NAME_WIDTH}}", style="bold")
    text.append(f" {number(chat.messages):>11}", style="cyan")
    text.append(f"  {clean(chat.updated[:16].replace('T', ' ')):<16}", style="dim")
    status = chat.status or "unknown"
    text.append(f"  {status_word(status)}", style=STATUS_STYLE.get(status, "yellow"))
    if chat.reason and status != "complete":
        text.append(f": {clean(chat.reason, limit=120)}", style="dim")
    return text


class ArchiveList(ItemLines[ArchiveChat]):
    """The archive's chats, with a name filter and a type filter."""

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
        return chat_row(item)

    def empty_text(self) -> str:
        """No chats, or none matching."""
        return _("No chats match.") if self.chats else _("This backup holds no chats yet.")
