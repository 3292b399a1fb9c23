"""A chat's latest messages for the preview pane, newest first, older pages on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telethon import TelegramClient, utils
from telethon.tl import types

from tgtui.retry import Backoff, Wait, retry
from tgtui.telegram import history as get_history
from tgtui.telegram.dialogs import summary

PAGE = 50


@dataclass(frozen=True)
class PreviewLine:
    """One message as the preview shows it."""

    id: int
    date: dt.datetime | None
    sender: str
    text: str


class MessagePager:
    """Pages backwards through one chat's history, from the newest message."""

    def __init__(
        self,
        client: TelegramClient,
        peer: Any,
        *,
        on_wait: Callable[[Wait], None] | None = None,
    ) -> None:
        self.client = client
        self.peer = peer
        self.on_wait = on_wait
        self.oldest_id = 0  # 0: nothing loaded yet
        self.done = False

    async def older(self, limit: int = PAGE) -> list[PreviewLine]:
        """The next ``limit`` older messages, oldest first (empty at the start of the chat)."""
        if self.done:
            return []
        request = get_history.older_than(self.peer, self.oldest_id, limit)

        async def call() -> Any:
            return await self.client(request)

        answer = await retry(
            call, policy=Backoff(attempts=None), on_wait=self.on_wait, what="messages.getHistory"
        )
        names = {
            utils.get_peer_id(e): utils.get_display_name(e) for e in [*answer.users, *answer.chats]
        }
        messages = [m for m in answer.messages if not isinstance(m, types.MessageEmpty)]
        if len(answer.messages) < limit:
            self.done = True
        if messages:
            self.oldest_id = min(m.id for m in messages)
        lines = []
        for message in sorted(messages, key=lambda m: m.id):
            peer = message.from_id or message.peer_id
            sender = names.get(utils.get_peer_id(peer), "") if peer is not None else ""
            lines.append(PreviewLine(message.id, message.date, sender or "?", summary(message)))
        return lines
