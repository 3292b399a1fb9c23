"""What a client is told about chats and the account agrees with itself, as on Telegram;
plain Telethon calls.

References (core.telegram.org):
- /constructor/channelFull: ``pts``, the channel's pts (where
  /method/updates.getChannelDifference goes on from), ``participants_count``,
  ``can_view_participants`` ("can we view the participant list?"), ``chat_photo``;
- /method/channels.getParticipants: the participants and their ``count``;
- /constructor/chatFull and /constructor/chatParticipant: a basic group's photo and its
  participants, each with the ``date`` it joined;
- /method/messages.createChat: a basic group has a title (CHAT_TITLE_EMPTY otherwise);
- /constructor/updates.state: ``unread_count``, the number of unread messages; ``pts``,
  the account box's pts, which each new message of a private chat or basic group moves
  (/api/updates): it is never below the number of messages that box holds.
"""

from __future__ import annotations

import pytest
from telethon import TelegramClient
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat, Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Enough dialogs for basic groups and channels with and without photos."""
    return SandboxOptions(world=WorldOptions(seed=23, dialogs=400, messages=200))


def _chats(sandbox: SandboxServer, kind: Kind) -> list[Chat]:
    world = sandbox.world
    return [world.chat(i) for i in range(len(world)) if world.chat(i).kind is kind]


async def _full_channel(client: TelegramClient, chat: Chat) -> types.messages.ChatFull:
    channel = await client.get_input_entity(chat.marked_id)
    return await client(functions.channels.GetFullChannelRequest(channel))


async def test_channel_full_pts_is_where_the_difference_goes_on(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """getChannelDifference from channelFull's pts has nothing new (not "too long"); after
    a post it has exactly that post."""
    for kind in (Kind.SUPERGROUP, Kind.CHANNEL):
        chat = _chats(sandbox, kind)[0]
        full = (await _full_channel(client, chat)).full_chat
        history = await client(
            functions.messages.GetHistoryRequest(
                peer=await client.get_input_entity(chat.marked_id),
                offset_id=0, offset_date=None, add_offset=0, limit=1, max_id=0, min_id=0, hash=0,
            )
        )  # fmt: skip
        assert full.pts == history.pts > 1
        channel = await client.get_input_entity(chat.marked_id)

        async def difference(pts: int, channel: object = channel) -> object:
            return await client(
                functions.updates.GetChannelDifferenceRequest(
                    channel=channel, filter=types.ChannelMessagesFilterEmpty(), pts=pts, limit=100
                )
            )

        assert isinstance(await difference(full.pts), types.updates.ChannelDifferenceEmpty)
        posted = sandbox.living.say(chat, "after the full channel")
        new = await difference(full.pts)
        assert isinstance(new, types.updates.ChannelDifference)
        assert [m.id for m in new.new_messages] == [posted.id]


async def test_participants_count_is_what_get_participants_lists(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """In the account's own supergroups the count on the Channel, in channelFull and from
    channels.getParticipants agree, and the account may view the list; a broadcast
    channel's subscribers are not the account's to list."""
    for chat in _chats(sandbox, Kind.SUPERGROUP)[:5]:
        full = await _full_channel(client, chat)
        entity = next(c for c in full.chats if c.id == chat.bare_id)
        listed = await client.get_participants(chat.marked_id)
        assert full.full_chat.can_view_participants
        assert full.full_chat.participants_count == entity.participants_count
        assert entity.participants_count == listed.total == len(listed)
    broadcast = await _full_channel(client, _chats(sandbox, Kind.CHANNEL)[0])
    assert not broadcast.full_chat.can_view_participants
    assert broadcast.full_chat.participants_count == broadcast.chats[0].participants_count


async def test_full_chats_carry_the_photo_the_chat_has(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """chatFull's and channelFull's ``chat_photo`` is the photo the Chat/Channel names (it
    downloads), and photoEmpty for a chat without one."""
    seen: dict[bool, int] = {True: 0, False: 0}
    for kind in (Kind.GROUP, Kind.SUPERGROUP, Kind.CHANNEL):
        for chat in _chats(sandbox, kind)[:12]:
            if kind is Kind.GROUP:
                full = await client(functions.messages.GetFullChatRequest(chat.bare_id))
            else:
                full = await _full_channel(client, chat)
            entity = next(c for c in full.chats if c.id == chat.bare_id)
            photo = full.full_chat.chat_photo
            has = isinstance(entity.photo, types.ChatPhoto)
            seen[has] += 1
            if has:
                assert isinstance(photo, types.Photo)
                assert photo.id == entity.photo.photo_id
                data = await client.download_media(photo, file=bytes)
                assert data
                assert data.startswith(b"\xff\xd8\xff")  # a JPEG, as Telegram's
            else:
                assert isinstance(photo, types.PhotoEmpty)
    assert seen[True], "chats with a photo"
    assert seen[False], "chats without one"


async def test_basic_groups_have_titles_and_join_dates(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Every basic group has a title; chatFull lists its creator (the account) and each
    member once, with the date each joined: after the group was made, before now; the
    Chat's participants_count is how many are listed."""
    groups = _chats(sandbox, Kind.GROUP)
    assert any(chat.index % 83 == 29 for chat in groups)  # the one that had no title
    titles = {d.id: d.title async for d in client.iter_dialogs() if d.is_group and not d.is_channel}
    assert len(titles) == len(groups)
    assert all(title.strip() for title in titles.values())
    for chat in groups[:8]:
        full = await client(functions.messages.GetFullChatRequest(chat.bare_id))
        entity = full.chats[0]
        participants = full.full_chat.participants.participants
        assert isinstance(participants[0], types.ChatParticipantCreator)
        ids = [p.user_id for p in participants]
        assert len(ids) == len(set(ids)) == entity.participants_count
        assert {u.id for u in full.users} == set(ids)
        for member in participants[1:]:
            assert entity.date < member.date <= sandbox.history.top_message(chat).date


async def test_state_counts_unread_and_its_pts_covers_the_account_ids(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """updates.state's unread_count is the sum of every dialog's unread_count; its pts is
    at least the highest message id of private chats and basic groups, and a new message
    there moves it by one."""
    state = await client(functions.updates.GetStateRequest())
    dialogs = [d async for d in client.iter_dialogs()]
    assert len(dialogs) == len(sandbox.world)
    assert state.unread_count == sum(d.unread_count for d in dialogs) > 0
    account_ids = [d.message.id for d in dialogs if not d.is_channel]
    assert state.pts >= max(account_ids)
    chat = _chats(sandbox, Kind.USER)[0]
    message = sandbox.living.say(chat, "a new message")
    after = await client(functions.updates.GetStateRequest())
    assert after.pts == state.pts + 1
    assert message.id <= after.pts
