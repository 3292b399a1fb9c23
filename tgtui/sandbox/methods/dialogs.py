"""messages.getDialogs, getPeerDialogs and getPinnedDialogs."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.dialog_order import cursor
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


def _offset_peer(call: Call, peer: Any) -> int | None:
    """The dialog index an offset_peer names (None: InputPeerEmpty). Private chats count:
    they are listed too, so a page may end with one."""
    world = call.server.world
    chat: Chat | None = None
    if isinstance(peer, types.InputPeerEmpty) or peer is None:
        return None
    if isinstance(peer, types.InputPeerSelf):
        chat = world.saved()
    elif isinstance(peer, types.InputPeerUser):
        chat = world.find("user", peer.user_id)
    elif isinstance(peer, types.InputPeerChat):
        chat = world.find("chat", peer.chat_id)
    elif isinstance(peer, types.InputPeerChannel):
        chat = world.find("channel", peer.channel_id)
    hash_ok = (
        chat is not None and getattr(peer, "access_hash", chat.access_hash) == chat.access_hash
    )
    if chat is None or not hash_ok:
        raise RpcError(400, "OFFSET_PEER_ID_INVALID")
    return chat.index


@handles(functions.messages.GetDialogsRequest)
async def get_dialogs(call: Call, request: Any) -> Any:
    """Pinned first (on a page without offsets), then by the date of each dialog's top
    message, newest first, as it is now; an offset (offset_date, offset_id, offset_peer: a
    top message and its dialog) starts the page after that dialog (`DialogOrder`)."""
    call.user_id()
    world = call.server.world
    folder = request.folder_id  # None: every dialog, archived ones too (as Telegram does)
    if folder not in (None, 0, 1):
        raise RpcError(400, "FOLDER_ID_INVALID")
    limit = max(0, min(MAX_LIMIT, request.limit))
    offset_date = int(request.offset_date.timestamp()) if request.offset_date else 0
    peer = _offset_peer(call, request.offset_peer)
    offset = offset_date > 0 or bool(request.offset_id) or peer is not None
    chosen_ids: list[int] = []
    if not offset and not request.exclude_pinned:  # pinned ones only at the top of the list
        chosen_ids = [i for i in world.pinned[folder or 0] if i not in world.left][:limit]
    start = cursor(offset_date, request.offset_id, peer) if offset else None
    order = call.server.living.order
    chosen_ids += order.after(folder, start, limit - len(chosen_ids))
    chosen = [world.chat(i) for i in chosen_ids]
    total = len(world) if folder is None else len(world.order[folder])
    total -= sum(1 for i in world.left if folder is None or world.folders[i] == folder)
    complete = not offset and len(chosen) == total
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
    pinned = [i for i in world.pinned.get(folder, []) if i not in world.left]
    return _peer_dialogs(call, [world.chat(i) for i in pinned])
