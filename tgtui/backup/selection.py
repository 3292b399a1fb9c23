"""Which chats to back up: by id, @username or exact name, or all of them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telethon import TelegramClient

from tgtui.retry import Wait
from tgtui.telegram.dialogs import ChatKind, DialogPager, DialogRow


@dataclass(frozen=True)
class ChatTarget:
    """One chat to back up."""

    chat_id: int  # Telethon's marked peer id
    name: str
    type: str  # Telegram Desktop's chat type
    username: str | None
    input_peer: Any


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
    )


async def all_dialogs(
    client: TelegramClient, on_wait: Callable[[Wait], None] | None = None
) -> list[DialogRow]:
    """Every dialog, the main list then the archive."""
    rows: list[DialogRow] = []
    for archived in (False, True):
        pager = DialogPager(client, archived=archived, on_wait=on_wait)
        while not pager.done:
            rows += (await pager.next_page()).rows
    return rows


def match(rows: Sequence[DialogRow], selectors: Sequence[str]) -> tuple[list[DialogRow], list[str]]:
    """The rows the selectors name, in selector order, and the selectors that named nothing.

    A selector is a peer id (as Telethon marks it: -100... for channels), an @username (any
    case), or a chat's exact name. A name shared by several chats selects all of them.
    """
    chosen: dict[int, DialogRow] = {}
    unknown: list[str] = []
    for selector in selectors:
        text = selector.strip()
        found: list[DialogRow]
        if text.lstrip("-").isdigit():
            found = [r for r in rows if r.peer_id == int(text)]
        elif text.startswith("@"):
            wanted = text[1:].lower()
            found = [r for r in rows if (r.username or "").lower() == wanted]
        else:
            found = [r for r in rows if r.name == text]
        if not found:
            unknown.append(selector)
        for row in found:
            chosen.setdefault(row.peer_id, row)
    return list(chosen.values()), unknown
