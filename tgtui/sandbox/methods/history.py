"""messages.getHistory, getMessages, channels.getMessages and search."""

from __future__ import annotations

from typing import Any, Protocol

from telethon import utils
from telethon.tl import functions, types

from tgtui.sandbox.forums import topic_of_message
from tgtui.sandbox.history import DescendingHistory
from tgtui.sandbox.methods.common import entities_for, is_self, numbers_hash, resolve
from tgtui.sandbox.methods.forum_state import forum_topic, topics_now
from tgtui.sandbox.methods.ranges import range_bounds
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.search import matching
from tgtui.sandbox.world import SELF_ID, Chat

MAX_LIMIT = 100


class Paged(Protocol):
    """Message ids newest first, found by id and by date (a chat's history, a topic's)."""

    def __getitem__(self, j: int) -> int: ...
    def first_below_id(self, msg_id: int) -> int: ...
    def first_below_date(self, date: int) -> int: ...


def window(
    view: Paged,
    bounds: tuple[int, int],
    *,
    offset_id: int,
    offset_date: int,
    add_offset: int,
    limit: int,
    max_id: int,
    min_id: int,
) -> list[int]:
    """Positions (newest first) that getHistory/search return, as Telegram documents them,
    among the positions ``bounds`` (``[start, end)``: a date or message range) allows."""
    low, high = bounds
    if offset_id:
        start = max(low, view.first_below_id(offset_id))
    elif offset_date:
        start = max(low, view.first_below_date(offset_date))
    else:
        start = low
    start += add_offset
    positions = range(max(low, start), min(high, max(low, start + limit)))
    return [
        j
        for j in positions
        if (not max_id or view[j] < max_id) and (not min_id or view[j] > min_id)
    ]


def messages_answer(
    call: Call,
    chat: Chat | None,
    messages: list[Any],
    count: int,
    offset_id_offset: int | None = None,
) -> Any:
    """The answer to a history request: messages.messages when ``messages`` are the whole
    result (core.telegram.org/constructor/messages.messages), else messages.messagesSlice
    with the ``count`` of the whole result and, for a page asked for by ``offset_id``, the
    position of its first message in it (core.telegram.org/constructor/messages.messagesSlice);
    a channel's always messages.channelMessages, with its pts."""
    users, chats = entities_for(call.server, messages, [chat] if chat else [])
    if chat is not None and chat.kind.is_channel:
        return types.messages.ChannelMessages(
            pts=call.server.living.box(chat).pts,
            count=count,
            offset_id_offset=offset_id_offset,
            messages=messages,
            topics=_topics_of(call, chat, messages),
            chats=chats,
            users=users,
        )
    if len(messages) == count:
        return types.messages.Messages(messages=messages, topics=[], chats=chats, users=users)
    return types.messages.MessagesSlice(
        count=count,
        offset_id_offset=offset_id_offset,
        messages=messages,
        topics=[],
        chats=chats,
        users=users,
    )


def _topics_of(call: Call, chat: Chat, messages: list[Any]) -> list[Any]:
    """A forum's answer carries the topics its messages are in (core.telegram.org/constructor
    /messages.channelMessages: "forum topic information"); any other chat's none."""
    forum = call.server.world.forum(chat)
    if forum is None or not messages:
        return []
    wanted = list(dict.fromkeys(topic_of_message(m) for m in messages))
    now = topics_now(call.server, chat, forum)
    return [forum_topic(call.server, chat, now[t]) for t in wanted if t in now]


def date_param(value: Any) -> int:
    """A date parameter as Unix time; 0 (no bound) for none or a non-positive one, as
    Telegram reads them ("if a positive value was transferred")."""
    seconds = int(value.timestamp()) if value is not None else 0
    return max(0, seconds)


def limit_param(value: int) -> int:
    if value < 0:
        raise RpcError(400, "LIMIT_INVALID")
    return min(MAX_LIMIT, value)


@handles(functions.messages.GetHistoryRequest)
async def get_history(call: Call, request: Any) -> Any:
    """messages.getHistory: offset_id/offset_date, add_offset (negative too), max_id, min_id;
    within a message range when invokeWithMessagesRange asks for one."""
    call.user_id()
    chat = resolve(call.server, request.peer)
    view = call.server.history.view(chat)
    bounds = range_bounds(view)
    positions = window(
        view,
        bounds,
        offset_id=request.offset_id,
        offset_date=date_param(request.offset_date),
        add_offset=request.add_offset,
        limit=limit_param(request.limit),
        max_id=request.max_id,
        min_id=request.min_id,
    )
    messages = [view.message_at(j) for j in positions]
    if chat.marked_id in call.server.faults.withheld:
        # Some channels answer fewer messages than asked for, though more exist: those
        # Telegram may not show here are left out of the page and still counted (Telethon's
        # iter_messages documents it: a short page is not the end of a chat).
        messages = [message for message in messages if message.id % 10]
    count = bounds[1] - bounds[0]
    if request.hash and request.hash == history_hash(messages):
        return types.messages.MessagesNotModified(count=count)
    return messages_answer(call, chat, messages, count, _position(request, positions, bounds))


def _position(request: Any, positions: list[int], bounds: tuple[int, int]) -> int | None:
    """offset_id_offset: where a page asked for by offset_id starts in the whole result."""
    if not request.offset_id:
        return None
    first = positions[0] if positions else bounds[1]
    return first - bounds[0]


def history_hash(messages: list[Any]) -> int:
    """The hash of a page of messages, as a client computes it to ask "changed?": Telegram's
    hash over ``[id, edit_date or 0, date]`` of each message in order (core.telegram.org
    /api/offsets#hash-generation; the list as documented for messages.getScheduledHistory)."""
    numbers: list[int] = []
    for message in messages:
        edited = getattr(message, "edit_date", None)
        date = getattr(message, "date", None)
        numbers += [
            message.id,
            int(edited.timestamp()) if edited else 0,
            int(date.timestamp()) if date else 0,
        ]
    return numbers_hash(numbers)


@handles(functions.messages.SearchRequest)
async def search(call: Call, request: Any) -> Any:
    """messages.search: with an empty query and no filter, a date-bounded walk (min_date /
    max_date; a non-positive one is no bound) of history; otherwise what matches
    (`tgtui.sandbox.search`). Within a message range when invokeWithMessagesRange asks."""
    call.user_id()
    chat = resolve(call.server, request.peer)
    view = call.server.history.view(chat)
    max_date = date_param(request.max_date)
    min_date = date_param(request.min_date)
    plain = isinstance(request.filter, types.InputMessagesFilterEmpty)
    if request.q or not plain or request.from_id is not None:
        return _found(call, chat, view, request, min_date, max_date)
    low, high = range_bounds(view)
    if max_date:
        low = max(low, view.first_below_date(max_date + 1))
    if min_date:
        high = min(high, view.first_below_date(min_date))
    bounds = (low, max(low, high))
    positions = window(
        view,
        bounds,
        offset_id=request.offset_id,
        offset_date=0,
        add_offset=request.add_offset,
        limit=limit_param(request.limit),
        max_id=request.max_id,
        min_id=request.min_id,
    )
    messages = [view.message_at(j) for j in positions]
    count = bounds[1] - bounds[0]
    return messages_answer(call, chat, messages, count, _position(request, positions, bounds))


def _found(
    call: Call, chat: Chat, view: DescendingHistory, request: Any, min_date: int, max_date: int
) -> Any:
    """messages.search with a query, a media filter or a sender: what matches, paged by the
    same offset rules as history, and counted exactly."""
    sender = None
    if request.from_id is not None:
        sender = SELF_ID if is_self(request.from_id) else utils.get_peer_id(request.from_id)
    try:
        positions = matching(
            view,
            query=request.q,
            kind=request.filter,
            sender=sender,
            min_date=min_date,
            max_date=max_date,
        )
    except ValueError:
        raise RpcError(400, "FILTER_NOT_SUPPORTED") from None
    low, high = range_bounds(view)
    positions = [j for j in positions if low <= j < high]
    ids = [view[j] for j in positions]
    start = 0
    if request.offset_id:
        start = next((n for n, i in enumerate(ids) if i < request.offset_id), len(ids))
    start = max(0, start + request.add_offset)
    chosen = [
        n
        for n in range(start, min(len(ids), start + limit_param(request.limit)))
        if (not request.max_id or ids[n] < request.max_id)
        and (not request.min_id or ids[n] > request.min_id)
    ]
    offset = (chosen[0] if chosen else len(ids)) if request.offset_id else None
    messages = [view.message_at(positions[n]) for n in chosen]
    return messages_answer(call, chat, messages, len(ids), offset)


def _by_ids(call: Call, chat: Chat | None, ids: list[Any]) -> list[Any]:
    history = call.server.history
    found: list[Any] = []
    for item in ids:
        msg_id = getattr(item, "id", item)
        owner = chat if chat is not None else history.shared_owner(msg_id)
        # As it is now: edited, or gone (sent at run time included).
        message = history.by_id(owner, msg_id) if owner is not None else None
        if message is None:  # never was, or deleted: an empty placeholder, as Telegram sends
            peer = owner.peer if owner is not None else types.PeerUser(SELF_ID)
            message = types.MessageEmpty(id=msg_id, peer_id=peer)
        found.append(message)
    return found


@handles(functions.messages.GetMessagesRequest)
async def get_messages(call: Call, request: Any) -> Any:
    """messages.getMessages: ids in the shared (users and basic groups) id space."""
    call.user_id()
    messages = _by_ids(call, None, request.id)
    return messages_answer(call, None, messages, len(messages))


@handles(functions.channels.GetMessagesRequest)
async def get_channel_messages(call: Call, request: Any) -> Any:
    """channels.getMessages: ids in one channel's own space."""
    call.user_id()
    chat = resolve(call.server, request.channel)
    messages = _by_ids(call, chat, request.id)
    return messages_answer(call, chat, messages, len(messages))
