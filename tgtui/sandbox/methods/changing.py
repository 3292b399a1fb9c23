"""messages.editMessage, messages.deleteMessages and channels.deleteMessages: the account
changing what is already sent, answered with the change and pushed to its other sessions."""

from __future__ import annotations

import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.living import Event
from tgtui.sandbox.methods.common import current_state, resolve
from tgtui.sandbox.methods.sending import push_to_others
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import Chat, Kind

# Config.edit_time_limit: how long one's own messages stay editable (Saved Messages: always).
EDIT_TIME_LIMIT = 48 * 3600


@handles(functions.messages.EditMessageRequest)
async def edit_message(call: Call, request: Any) -> types.Updates:
    """messages.editMessage (core.telegram.org/method/messages.editMessage): the account's
    own messages, within the edit time limit; MESSAGE_ID_INVALID, MESSAGE_AUTHOR_REQUIRED,
    MESSAGE_EDIT_TIME_EXPIRED, MESSAGE_NOT_MODIFIED, MESSAGE_EMPTY."""
    call.user_id()
    server = call.server
    chat = resolve(server, request.peer)
    old = server.history.by_id(chat, request.id)
    if not isinstance(old, types.Message):
        raise RpcError(400, "MESSAGE_ID_INVALID")
    if not old.out:
        raise RpcError(403, "MESSAGE_AUTHOR_REQUIRED")
    if not server.world.is_saved(chat) and time.time() - old.date.timestamp() > EDIT_TIME_LIMIT:
        raise RpcError(400, "MESSAGE_EDIT_TIME_EXPIRED")
    text = old.message if request.message is None else request.message
    entities = request.entities if request.message is not None else old.entities
    if not text.strip() and old.media is None:
        raise RpcError(400, "MESSAGE_EMPTY")
    if text == old.message and (entities or None) == (old.entities or None):
        raise RpcError(400, "MESSAGE_NOT_MODIFIED")
    made = server.living.edit_event(chat, request.id, text, entities or None)
    if made is None:
        raise RpcError(400, "MESSAGE_ID_INVALID")
    edited, event = made
    updates = server.updates_of([event.update], [edited], [chat])
    await push_to_others(call, updates)
    return updates


def _affected(call: Call, events: list[Event], count: int, chat: Chat | None) -> Any:
    """messages.affectedMessages: the box's pts after the change and how many it covered."""
    if events:
        pts = events[-1].pts
    elif chat is not None and chat.kind.is_channel:
        pts = call.server.living.box(chat).pts
    else:
        pts = current_state(call.server).pts
    return types.messages.AffectedMessages(pts=pts, pts_count=count)


async def _push_deletions(call: Call, events: list[Event]) -> None:
    if events:
        await push_to_others(call, call.server.updates_of([e.update for e in events], [], []))


@handles(functions.messages.DeleteMessagesRequest)
async def delete_messages(call: Call, request: Any) -> Any:
    """messages.deleteMessages (core.telegram.org/method/messages.deleteMessages): ids of the
    account-wide space (private chats and basic groups, which the account made); ids it does
    not hold are passed over. Answered with the common box's pts and how many went."""
    call.user_id()
    server = call.server
    by_chat: dict[int, tuple[Chat, list[int]]] = {}
    for msg_id in request.id:
        chat = server.history.shared_owner(msg_id)
        if chat is not None:
            by_chat.setdefault(chat.index, (chat, []))[1].append(msg_id)
    events: list[Event] = []
    count = 0
    for chat, ids in by_chat.values():
        made = server.living.delete_event(chat, ids)
        if made is not None:
            count += len(made[0])
            events.append(made[1])
    await _push_deletions(call, events)
    return _affected(call, events, count, None)


@handles(functions.channels.DeleteMessagesRequest)
async def delete_channel_messages(call: Call, request: Any) -> Any:
    """channels.deleteMessages (core.telegram.org/method/channels.deleteMessages): in the
    supergroups the account made; a broadcast channel's posts are its admins' to delete
    (MESSAGE_DELETE_FORBIDDEN)."""
    call.user_id()
    server = call.server
    chat = resolve(server, request.channel)
    if chat.kind is Kind.CHANNEL:
        raise RpcError(403, "MESSAGE_DELETE_FORBIDDEN")
    made = server.living.delete_event(chat, list(request.id))
    events = [made[1]] if made is not None else []
    await _push_deletions(call, events)
    return _affected(call, events, len(made[0]) if made else 0, chat)
