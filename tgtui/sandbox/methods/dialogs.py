"""messages.getDialogs, getPeerDialogs and getPinnedDialogs."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import (
    current_state,
    entities_for,
    resolve,
)
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import Chat

MAX_LIMIT = 100


def dialog_of(call: Call, chat: Chat) -> types.Dialog:
    """The TL dialog of a chat (unread counts, mute, pin, folder)."""
    top = call.server.history.top_message(chat)
    return types.Dialog(
        peer=chat.peer,
        top_message=top.id,
        read_inbox_max_id=max(0, top.id - chat.unread),
        read_outbox_max_id=top.id,
        unread_count=chat.unread,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=call.server.world.notify_settings(chat),
        pinned=chat.pinned_rank is not None or None,
        folder_id=chat.folder or None,
        pts=call.server.living.box(chat).pts if chat.kind.is_channel else None,
    )


def _page(call: Call, chats: list[Chat], count: int | None) -> Any:
    """messages.dialogs(Slice) for ``chats`` with their top messages and entities."""
    history = call.server.history
    dialogs = [dialog_of(call, chat) for chat in chats]
    messages = [history.top_message(chat) for chat in chats]
    users, groups = entities_for(call.server, messages, chats)  # private ones as *Forbidden
    if count is None:
        return types.messages.Dialogs(dialogs=dialogs, messages=messages, chats=groups, users=users)
    return types.messages.DialogsSlice(
        count=count, dialogs=dialogs, messages=messages, chats=groups, users=users
    )


@handles(functions.messages.GetDialogsRequest)
async def get_dialogs(call: Call, request: Any) -> Any:
    """Pinned first (on the first page), then by last message date, newest first."""
    call.user_id()
    world = call.server.world
    folder = request.folder_id  # None: every dialog, archived ones too (as Telegram does)
    if folder not in (None, 0, 1):
        raise RpcError(400, "FOLDER_ID_INVALID")
    limit = max(0, min(MAX_LIMIT, request.limit))
    order = world.dialog_order(folder)  # pinned ones first, then newest first by top date
    pinned = len(world.pinned[folder or 0])
    offset_date = int(request.offset_date.timestamp()) if request.offset_date else 0
    if offset_date > 0 or request.offset_id:
        # Dialogs strictly older than the offset message; pinned ones only on the first page.
        start = pinned
        if offset_date > 0:
            start = bisect_left(
                order, -offset_date + 1, lo=pinned, key=lambda i: -world.chat(i).top_date
            )
    else:
        start = pinned if request.exclude_pinned else 0
    chosen = [world.chat(i) for i in order[start : start + limit]]
    total = len(order)
    complete = not (offset_date or request.offset_id) and len(chosen) == total
    return _page(call, chosen, None if complete else total)


def _peer_dialogs(call: Call, chats: list[Chat]) -> types.messages.PeerDialogs:
    page = _page(call, chats, None)
    return types.messages.PeerDialogs(
        dialogs=page.dialogs,
        messages=page.messages,
        chats=page.chats,
        users=page.users,
        state=current_state(call.server),
    )


@handles(functions.messages.GetPeerDialogsRequest)
async def get_peer_dialogs(call: Call, request: Any) -> types.messages.PeerDialogs:
    """messages.getPeerDialogs."""
    call.user_id()
    chats = [resolve(call.server, getattr(p, "peer", p)) for p in request.peers]
    return _peer_dialogs(call, chats)


@handles(functions.messages.GetPinnedDialogsRequest)
async def get_pinned_dialogs(call: Call, request: Any) -> types.messages.PeerDialogs:
    """messages.getPinnedDialogs."""
    call.user_id()
    world = call.server.world
    folder = request.folder_id or 0
    return _peer_dialogs(call, [world.chat(i) for i in world.pinned.get(folder, [])])
