"""A chat's history oldest-first, a page at a time, resumable from any message id.

`messages.getHistory` answers newest first; asking for the page *after* an id
(`tgtui.telegram.history.newer_than`) walks forward, so every run appends to the file in
ascending id order and restarts exactly where the file ends, never from the top.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telethon import TelegramClient
from telethon.tl import types

from tgtui.backup.budget import Budget
from tgtui.backup.schema import Names
from tgtui.retry import FloodGate, Wait, retry
from tgtui.telegram import history as get_history
from tgtui.telegram.history import HISTORY, HISTORY_RETRY

PAGE = 100


@dataclass
class HistoryPage:
    """Messages after an id, oldest first, with the names they mention."""

    messages: list[Any]
    names: Names
    count: int | None  # messages in the whole chat, as the server counts them
    pts: int | None = None  # a channel's update box pts when the answer was made
    # Fewer came back than were asked for: the server had nothing newer when it answered
    # (unless it hides some messages, as Telegram does in a few channels: see
    # `tgtui.backup.chat_copy`, which also checks the count before it stops asking).
    short: bool = False


class HistoryReader:
    """Reads one chat's history forward through the shared retry policy and flood gate."""

    def __init__(
        self,
        client: TelegramClient,
        peer: Any,
        *,
        gate: FloodGate,
        on_wait: Callable[[Wait], None] | None = None,
        reconnect: Callable[[], Awaitable[None]] | None = None,
        wrap: Callable[[Any], Any] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.client = client
        self.peer = peer
        self.gate = gate
        self.on_wait = on_wait
        self.reconnect = reconnect
        self.wrap = wrap  # e.g. InvokeWithTakeout
        self.budget = budget  # the run's requests in flight (`tgtui.backup.budget`)

    async def _get(self, request: Any) -> Any:
        return await self.call(request, HISTORY)

    async def call(self, request: Any, method: str, *, probed: bool = True) -> Any:
        """Send ``request`` (a ``method``) for this chat through the retry policy and the
        flood gate, inside the takeout if there is one. ``probed`` False: a request the
        budget's probe of history flood limits does not hold back (`tgtui.backup.budget`)."""

        budget = self.budget
        if budget is None:
            return await self._retry(request, method, probed)
        # The slot is held from before the gate's waits to the answer (a call is counted as
        # sent by the gate when it really goes out); only the round trip is timed.
        async with budget.slot(probed=probed):
            return await self._retry(request, method, probed)

    async def _retry(self, request: Any, method: str, probed: bool = True) -> Any:
        budget = self.budget
        loop = asyncio.get_running_loop()

        async def send() -> Any:
            sent = loop.time()
            answer = await self.client(self.wrap(request) if self.wrap else request)
            if budget is not None:
                budget.answered(loop.time() - sent, probed=probed)
            return answer

        def waited(wait: Wait) -> None:
            if budget is not None and wait.kind == "flood":
                budget.flooded()
            if self.on_wait is not None:
                self.on_wait(wait)

        return await retry(
            send,
            policy=HISTORY_RETRY,
            on_wait=waited,
            what=method,
            gate=self.gate,
            reconnect=self.reconnect,
        )

    async def after(self, after_id: int, limit: int = PAGE, before: int = 0) -> HistoryPage:
        """Up to ``limit`` messages with id > ``after_id`` (and < ``before``, if given),
        oldest first."""
        answer = await self._get(get_history.newer_than(self.peer, after_id, limit, below=before))
        if isinstance(answer, types.messages.MessagesNotModified):
            return HistoryPage([], Names([], []), answer.count)
        messages = sorted(
            (m for m in answer.messages if m.id > after_id), key=lambda message: message.id
        )
        page = _page(answer, messages)
        page.short = len(answer.messages) < limit
        return page

    async def walk(
        self,
        after_id: int,
        up_to: int,
        ready: Callable[[], Awaitable[None]] | None = None,
    ) -> AsyncIterator[HistoryPage]:
        """Every page of the messages with ``after_id`` < id <= ``up_to``, oldest first; a
        range with nothing in it gives one empty page. Each request first waits for
        ``ready`` (a pause), if given."""
        cursor = after_id
        while cursor < up_to:
            if ready is not None:
                await ready()
            page = await self.after(cursor, before=up_to + 1)
            yield page
            if not page.messages:
                return
            cursor = page.messages[-1].id

    async def newest(self, limit: int = PAGE) -> HistoryPage:
        """The chat's newest ``limit`` messages (newest first) and its message count."""
        answer = await self._get(get_history.newest(self.peer, limit))
        return _page(answer, list(getattr(answer, "messages", [])))

    async def last_id_before(self, when: dt.datetime) -> int:
        """The id of the last message sent before ``when`` (0 if none): a --since start point.

        One request with offset_date jumps there; older history is never read.
        """
        answer = await self._get(get_history.sent_before(self.peer, when, 1))
        messages = getattr(answer, "messages", [])
        return max((m.id for m in messages), default=0)


def _page(answer: Any, messages: list[Any]) -> HistoryPage:
    """``messages`` of a getHistory answer, with its names and the chat's message count."""
    count = getattr(answer, "count", None)
    if count is None:  # messages.messages: everything came in one answer
        count = len(answer.messages)
    pts = getattr(answer, "pts", None)
    return HistoryPage(messages, Names(answer.users, answer.chats), count, pts)
