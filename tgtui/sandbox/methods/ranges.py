"""messages.getSplitRanges, and answering history "within a message range" for the
invokeWithMessagesRange wrapper (core.telegram.org/method/messages.getSplitRanges,
core.telegram.org/method/invokeWithMessagesRange).

Telegram keeps an account's history (its account-wide message ids: private chats and basic
groups) in parts, and getSplitRanges names them, oldest first, as `messageRange`s; the last
one is the current part, open up to the highest id. A history request wrapped in
invokeWithMessagesRange answers as if the chat held only its messages of that part: the
messages, the count and the offsets all within it, so that summing a chat's count over
every range gives its whole count (Pyrogram's ``get_chat_history_count``) and an export
walks each part in turn (Telegram Desktop). Channels and supergroups number their messages
in their own space: all of it belongs to the current part, none to older ones.

The hook for the wrapper is `within_messages_range`: the dispatcher runs the wrapped query's
handler inside it, e.g. ``with within_messages_range(request.range): ...``. History methods
read it back with `range_bounds`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.history_view import DescendingHistory
from tgtui.sandbox.rpc import Call, handles
from tgtui.sandbox.world import World

MAX_ID = 2**31 - 1  # the highest message id an int can hold: the current part is open to it
PARTS = 3  # the account's generated history is kept in this many parts

_RANGE: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "sandbox_messages_range", default=None
)


def split_ranges(world: World) -> list[types.MessageRange]:
    """The parts of the account's history, oldest first, each ``[min_id, max_id]`` with both
    ends included; together they cover every id from 1 up, the last up to `MAX_ID` (the
    messages sent while the sandbox runs land there)."""
    top = world.shared_id_top
    cuts = sorted({top * n // PARTS for n in range(1, PARTS)} - {0})
    ranges: list[types.MessageRange] = []
    low = 1
    for cut in cuts:
        ranges.append(types.MessageRange(min_id=low, max_id=cut))
        low = cut + 1
    ranges.append(types.MessageRange(min_id=low, max_id=MAX_ID))
    return ranges


@contextlib.contextmanager
def within_messages_range(message_range: Any) -> Iterator[None]:
    """Answer the history requests run inside this block within ``message_range`` (a
    `messageRange`: ``min_id`` and ``max_id``, both included). The hook for
    invokeWithMessagesRange: the request's task only sees it (a context variable)."""
    token = _RANGE.set((int(message_range.min_id), int(message_range.max_id)))
    try:
        yield
    finally:
        _RANGE.reset(token)


def current_range() -> tuple[int, int] | None:
    """The ``(min_id, max_id)`` the request being answered is limited to (None: no range)."""
    return _RANGE.get()


def range_bounds(view: DescendingHistory) -> tuple[int, int]:
    """The positions ``[start, end)`` of ``view`` (newest first) a history answer may use:
    the whole chat, or only its messages in the current request's range. A channel's
    messages are all in the current (open-ended) part."""
    within = current_range()
    if within is None:
        return 0, len(view)
    low, high = within
    if view.chat.kind.is_channel:
        return (0, len(view)) if high >= MAX_ID else (0, 0)
    start = view.first_below_id(high + 1) if high < MAX_ID else 0
    end = view.first_below_id(max(low, 1))
    return start, max(start, end)


@handles(functions.messages.GetSplitRangesRequest)
async def get_split_ranges(call: Call, request: Any) -> list[types.MessageRange]:
    """messages.getSplitRanges: the parts of the account's history (`split_ranges`)."""
    call.user_id()
    return split_ranges(call.server.world)
