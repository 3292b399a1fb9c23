"""A dialog as a chat to back up (chosen on the command line by `tgtui.chats.matching`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telethon import TelegramClient

from tgtui.retry import Wait
from tgtui.telegram.dialogs import ChatKind, DialogRow


@dataclass(frozen=True)
class ChatTarget:
    """One chat to back up."""

    chat_id: int  # Telethon's marked peer id
    name: str
    type: str  # Telegram Desktop's chat type
    username: str | None
    input_peer: Any
    # A channel's pts as the chat list gave it, and when (`DialogRow.pts`, `.listed`).
    pts: int | None = field(default=None, compare=False)
    listed: float = field(default=0.0, repr=False, compare=False)
    forum: bool = field(default=False, compare=False)  # its topics are kept too


def chat_type(row: DialogRow) -> str:
    """Telegram Desktop's chat "type" for the manifest."""
    public = bool(row.username)
    return {
        ChatKind.USER: "saved_messages" if row.is_self else "personal_chat",
        ChatKind.BOT: "bot_chat",
        ChatKind.GROUP: "private_group",
        ChatKind.SUPERGROUP: "public_supergroup" if public else "private_supergroup",
        ChatKind.CHANNEL: "public_channel" if public else "private_channel",
    }[row.kind]


def target_of(row: DialogRow) -> ChatTarget:
    """A ChatTarget for a dialog row."""
    return ChatTarget(
        chat_id=row.peer_id,
        name=row.name,
        type=chat_type(row),
        username=row.username,
        input_peer=row.peer,
        pts=row.pts,
        listed=row.listed,
        forum=row.forum,
    )


async def all_dialogs(
    client: TelegramClient, on_wait: Callable[[Wait], None] | None = None
) -> list[DialogRow]:
    """Every dialog, the main list then the archive."""
    from tgtui.chats.listing import dialogs

    return await dialogs(client, on_wait=on_wait)
