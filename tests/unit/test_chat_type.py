"""The manifest's chat type, in Telegram Desktop's words, from a chat-list row."""

from __future__ import annotations

from tgtui.backup.selection import chat_type
from tgtui.telegram.dialogs import ChatKind, DialogRow


def row(kind: ChatKind, *, username: str | None = None, is_self: bool = False) -> DialogRow:
    return DialogRow(
        peer_id=1,
        name="x",
        kind=kind,
        unread=0,
        muted=False,
        pinned=False,
        archived=False,
        date=None,
        preview="",
        username=username,
        is_self=is_self,
    )


def test_each_kind_has_telegram_desktops_type() -> None:
    assert chat_type(row(ChatKind.USER)) == "personal_chat"
    assert chat_type(row(ChatKind.USER, is_self=True)) == "saved_messages"
    assert chat_type(row(ChatKind.BOT, username="helper_bot")) == "bot_chat"
    assert chat_type(row(ChatKind.GROUP)) == "private_group"
    assert chat_type(row(ChatKind.SUPERGROUP)) == "private_supergroup"
    assert chat_type(row(ChatKind.SUPERGROUP, username="club")) == "public_supergroup"
    assert chat_type(row(ChatKind.CHANNEL)) == "private_channel"
    assert chat_type(row(ChatKind.CHANNEL, username="news")) == "public_channel"
