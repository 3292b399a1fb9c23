"""Marking history read and finding a contact by phone: messages.readHistory,
channels.readHistory, contacts.resolvePhone (the contact list: `tgtui.sandbox.methods.contacts`;
channels.getLeftChannels: `tgtui.sandbox.methods.chats`; messages.getSplitRanges:
`tgtui.sandbox.methods.ranges`)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import resolve
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import phone_digits


@handles(functions.messages.ReadHistoryRequest)
async def read_history(call: Call, request: Any) -> types.messages.AffectedMessages:
    """messages.readHistory: an update in the account's box (its pts moves by one), as
    Telegram answers it (core.telegram.org/method/messages.readHistory)."""
    call.user_id()
    chat = resolve(call.server, request.peer)
    box = call.server.living.box(chat)
    top = call.server.history.top_message(chat).id
    max_id = min(request.max_id or top, top)

    def make(pts: int, count: int) -> Any:
        return types.UpdateReadHistoryInbox(
            peer=chat.peer, max_id=max_id, still_unread_count=0, pts=pts, pts_count=count
        )

    event = box.add(make)
    return types.messages.AffectedMessages(pts=event.pts, pts_count=event.pts_count)


@handles(functions.channels.ReadHistoryRequest)
async def read_channel_history(call: Call, request: Any) -> bool:
    """channels.readHistory: true (a channel's read state is not in an update box)."""
    call.user_id()
    resolve(call.server, request.channel)
    return True


@handles(functions.contacts.ResolvePhoneRequest)
async def resolve_phone(call: Call, request: Any) -> types.contacts.ResolvedPeer:
    """contacts.resolvePhone: a contact's user by phone number; PHONE_NOT_OCCUPIED for a
    number no contact has (Telegram also hides numbers their owners keep private)."""
    call.user_id()
    world = call.server.world
    me = world.me()
    if phone_digits(request.phone) == me.phone:
        return types.contacts.ResolvedPeer(peer=types.PeerUser(me.id), chats=[], users=[me])
    chat = world.find_phone(request.phone)
    if chat is None:
        raise RpcError(400, "PHONE_NOT_OCCUPIED")
    user = world.dialog_user(chat)
    return types.contacts.ResolvedPeer(peer=chat.peer, chats=[], users=[user])
