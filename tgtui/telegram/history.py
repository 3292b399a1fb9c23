"""The `messages.getHistory` requests every pager sends, each named by the page it asks for.

Telegram answers a page newest first. ``offset_id`` starts the page below an id (0: at the
newest message), ``add_offset`` moves that start (negative: towards newer messages),
``min_id``/``max_id`` bound the ids answered (both exclusive; 0: no bound), ``offset_date``
starts below a date. The four pages tgtui asks for are written here once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from telethon.tl import functions, types

from tgtui.retry import Backoff, FloodGate, Wait, retry

HISTORY = "messages.getHistory"
# Transient faults are retried for as long as they last (with capped backoff); a run only
# stops for a permanent error or the user.
HISTORY_RETRY = Backoff(base=1.0, cap=30.0, attempts=None)


def _history(
    peer: Any,
    *,
    limit: int,
    offset_id: int = 0,
    offset_date: dt.datetime | None = None,
    add_offset: int = 0,
    max_id: int = 0,
    min_id: int = 0,
) -> functions.messages.GetHistoryRequest:
    return functions.messages.GetHistoryRequest(
        peer=peer,
        offset_id=offset_id,
        offset_date=offset_date,
        add_offset=add_offset,
        limit=limit,
        max_id=max_id,
        min_id=min_id,
        hash=0,
    )


def newest(peer: Any, limit: int) -> functions.messages.GetHistoryRequest:
    """The chat's newest ``limit`` messages (and, in the answer, how many it has)."""
    return _history(peer, limit=limit)


def older_than(peer: Any, message_id: int, limit: int) -> functions.messages.GetHistoryRequest:
    """Up to ``limit`` messages just older than ``message_id`` (id below it; 0: the newest
    messages), newest first."""
    return _history(peer, limit=limit, offset_id=message_id)


def newer_than(
    peer: Any, message_id: int, limit: int, *, below: int = 0
) -> functions.messages.GetHistoryRequest:
    """Up to ``limit`` messages just newer than ``message_id`` (id above it, and below
    ``below`` if given): the page after an id, for reading a chat forward."""
    return _history(
        peer,
        limit=limit,
        offset_id=message_id + 1,
        add_offset=-limit,
        max_id=below,
        min_id=message_id,
    )


def sent_before(peer: Any, when: dt.datetime, limit: int) -> functions.messages.GetHistoryRequest:
    """Up to ``limit`` messages sent just before ``when``, newest first."""
    return _history(peer, limit=limit, offset_date=when)


async def message_count(
    client: Any, peer: Any, *, gate: FloodGate, on_wait: Callable[[Wait], None] | None = None
) -> int:
    """How many messages the chat has, as Telegram counts them (one request for its newest
    message, through the retry policy and the flood gate). RPC errors are the caller's."""
    answer = await retry(
        lambda: client(newest(peer, 1)),
        policy=HISTORY_RETRY,
        on_wait=on_wait,
        what=HISTORY,
        gate=gate,
    )
    count = getattr(answer, "count", None)
    if isinstance(count, int):
        return count
    # messages.messages: the whole chat came in the answer
    return len([m for m in answer.messages if not isinstance(m, types.MessageEmpty)])
