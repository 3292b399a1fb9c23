"""messages.getChats, messages.getFullChat, channels.getChannels, channels.getFullChannel,
channels.getParticipants, channels.leaveChannel, channels.getLeftChannels."""

from __future__ import annotations

import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import forbidden_or_entity, resolve
from tgtui.sandbox.methods.sending import push_to_others
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import CREATOR_RIGHTS, SELF_ID, Chat, Kind, World, ts


@handles(functions.messages.GetChatsRequest)
async def get_chats(call: Call, request: Any) -> types.messages.Chats:
    """messages.getChats (basic groups by id)."""
    call.user_id()
    found = []
    for chat_id in request.id:
        chat = call.server.world.find("chat", chat_id)
        if chat is not None:
            found.append(forbidden_or_entity(call.server, chat))
    return types.messages.Chats(chats=found)


@handles(functions.channels.GetChannelsRequest)
async def get_channels(call: Call, request: Any) -> types.messages.Chats:
    """channels.getChannels."""
    call.user_id()
    found = []
    for channel in request.id:
        chat = call.server.world.find("channel", channel.channel_id)
        if chat is None or chat.access_hash != channel.access_hash:
            raise RpcError(400, "CHANNEL_INVALID")
        found.append(forbidden_or_entity(call.server, chat))
    return types.messages.Chats(chats=found)


@handles(functions.channels.GetFullChannelRequest)
async def get_full_channel(call: Call, request: Any) -> types.messages.ChatFull:
    """channels.getFullChannel (core.telegram.org/constructor/channelFull): the channel's
    own pts (where getChannelDifference goes on from), its photo, and as many participants
    as channels.getParticipants lists; the account created its supergroups, so it may list
    their members (``can_view_participants``), but not a broadcast channel's subscribers."""
    call.user_id()
    server = call.server
    chat = resolve(server, request.channel)
    world = server.world
    entity = world.entity(chat)
    top = server.history.top_message(chat)
    megagroup = chat.kind is Kind.SUPERGROUP
    full = types.ChannelFull(
        id=chat.bare_id,
        about="A generated sandbox channel",
        read_inbox_max_id=max(0, top.id - chat.unread),
        read_outbox_max_id=top.id,
        unread_count=chat.unread,
        chat_photo=world.chat_photo_full(chat, server.history.file_reference()),
        notify_settings=world.notify_settings(chat),
        bot_info=[],
        pts=server.living.box(chat).pts,
        participants_count=world.participants_count(chat),
        can_view_participants=megagroup or None,
        admins_count=1 if megagroup else None,
    )
    return types.messages.ChatFull(full_chat=full, chats=[entity], users=[])


@handles(functions.messages.GetFullChatRequest)
async def get_full_chat(call: Call, request: Any) -> types.messages.ChatFull:
    """messages.getFullChat (basic groups; core.telegram.org/constructor/chatFull): its
    photo, and its participants with the date each joined (the account created it)."""
    call.user_id()
    server = call.server
    chat = resolve(server, types.InputPeerChat(request.chat_id))
    world = server.world
    full = types.ChatFull(
        id=chat.bare_id,
        about="",
        participants=types.ChatParticipants(
            chat_id=chat.bare_id,
            participants=[types.ChatParticipantCreator(user_id=SELF_ID)]
            + [
                types.ChatParticipant(user_id=m, inviter_id=SELF_ID, date=world.joined(chat, m))
                for m in world.people(chat)[1:]
            ],
            version=1,
        ),
        chat_photo=world.chat_photo_full(chat, server.history.file_reference()),
        notify_settings=world.notify_settings(chat),
    )
    return types.messages.ChatFull(
        full_chat=full, chats=[world.entity(chat)], users=_people(world, chat)
    )


def _people(world: World, chat: Chat) -> list[types.User]:
    """A group's people as users: the account (its creator) first, then each member once."""
    return [u for m in world.people(chat) if (u := world.user(m))]


@handles(functions.channels.GetParticipantsRequest)
async def get_participants(call: Call, request: Any) -> types.channels.ChannelParticipants:
    """channels.getParticipants of a supergroup: its creator (the account) and members, with
    join dates; `ChannelParticipantsSearch` (by name, any case), `Recent`, `Admins`,
    `Bots`/`Kicked`/`Banned` (none); `offset`/`limit` page them. A broadcast channel's
    subscribers are listed to its admins only: 403 CHAT_ADMIN_REQUIRED."""
    call.user_id()
    chat = resolve(call.server, request.channel)
    if chat.kind is Kind.CHANNEL:
        raise RpcError(403, "CHAT_ADMIN_REQUIRED")
    world = call.server.world
    users = _people(world, chat)
    kind = request.filter
    if isinstance(kind, types.ChannelParticipantsAdmins):
        users = users[:1]
    elif isinstance(kind, types.ChannelParticipantsSearch):
        words = kind.q.casefold()
        users = [
            u for u in users if words in f"{u.first_name or ''} {u.last_name or ''}".casefold()
        ]
    elif not isinstance(kind, types.ChannelParticipantsRecent):
        users = []  # bots, kicked, banned, contacts, mentions: none in the world's groups
    page = users[max(0, request.offset) : max(0, request.offset) + max(0, min(request.limit, 200))]
    participants: list[Any] = [
        types.ChannelParticipantCreator(user_id=u.id, admin_rights=CREATOR_RIGHTS)
        if u.id == SELF_ID
        else types.ChannelParticipant(user_id=u.id, date=world.joined(chat, u.id))
        for u in page
    ]
    return types.channels.ChannelParticipants(
        count=len(users), participants=participants, chats=[], users=page
    )


@handles(functions.channels.LeaveChannelRequest)
async def leave_channel(call: Call, request: Any) -> types.Updates:
    """channels.leaveChannel (core.telegram.org/method/channels.leaveChannel): the account
    leaves a channel; it is gone from its dialogs and listed by channels.getLeftChannels.
    Answered (and pushed to its other sessions) with updateChannel and the channel, marked
    ``left``. The supergroups the account made are its own to keep (USER_CREATOR); one left
    already: USER_NOT_PARTICIPANT; one made private: CHANNEL_PRIVATE."""
    call.user_id()
    server = call.server
    chat = resolve(server, request.channel)
    if chat.index in server.world.left:
        raise RpcError(400, "USER_NOT_PARTICIPANT")
    if chat.kind is Kind.SUPERGROUP:
        raise RpcError(400, "USER_CREATOR")
    channel = server.account.leave(chat)
    updates = types.Updates(
        updates=[types.UpdateChannel(channel_id=chat.bare_id)],
        users=[],
        chats=[channel],
        date=ts(int(time.time())),
        seq=0,
    )
    await push_to_others(call, updates)
    return updates


LEFT_PAGE = 100  # channels.getLeftChannels answers at most this many a request


@handles(functions.channels.GetLeftChannelsRequest)
async def get_left_channels(call: Call, request: Any) -> Any:
    """channels.getLeftChannels (core.telegram.org/method/channels.getLeftChannels): the
    channels and supergroups the account left, from ``offset`` on; only in a takeout
    session (403 TAKEOUT_REQUIRED otherwise). All of them: messages.chats; part of them:
    messages.chatsSlice with how many there are."""
    call.user_id()
    if call.takeout_id is None:
        raise RpcError(403, "TAKEOUT_REQUIRED")
    left = call.server.account.left_channels()
    offset = max(0, request.offset)
    page = left[offset : offset + LEFT_PAGE]
    if offset == 0 and len(page) == len(left):
        return types.messages.Chats(chats=page)
    return types.messages.ChatsSlice(count=len(left), chats=page)
