"""The sandbox's update boxes against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/updates: one common box for private chats and basic groups, one box per channel and
  supergroup, each with its own pts; a change moves pts by pts_count;
- /method/updates.getDifference: differenceEmpty, difference, differenceSlice (with an
  intermediate state), differenceTooLong past pts_total_limit;
- /method/updates.getChannelDifference and /type/updates.ChannelDifference: at most `limit`
  updates, `final` when nothing is left, channelDifferenceTooLong (with the dialog's pts and
  the latest messages) when the pts is older than what the box keeps; errors
  PERSISTENT_TIMESTAMP_EMPTY / _INVALID;
- /constructor/messages.channelMessages: carries the channel's pts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat, Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=11, dialogs=40, messages=400), box_size=50)


def _first(sandbox: SandboxServer, *kinds: Kind) -> Chat:
    world = sandbox.world
    return next(world.chat(i) for i in range(len(world)) if world.chat(i).kind in kinds)


async def _channel(client: TelegramClient, chat: Chat) -> Any:
    return await client.get_input_entity(chat.marked_id)


async def _diff(client: TelegramClient, chat: Chat, pts: int, limit: int = 100) -> Any:
    return await client(
        functions.updates.GetChannelDifferenceRequest(
            channel=await _channel(client, chat),
            filter=types.ChannelMessagesFilterEmpty(),
            pts=pts,
            limit=limit,
        )
    )


async def _history_pts(client: TelegramClient, chat: Chat) -> int:
    answer = await client(
        functions.messages.GetHistoryRequest(
            peer=await client.get_input_entity(chat.marked_id),
            offset_id=0, offset_date=None, add_offset=0, limit=1, max_id=0, min_id=0, hash=0,
        )
    )  # fmt: skip
    assert isinstance(answer, types.messages.ChannelMessages)
    return int(answer.pts)


async def test_channels_have_their_own_box_apart_from_the_account(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    channel = _first(sandbox, Kind.SUPERGROUP)
    private = _first(sandbox, Kind.USER)
    account_before = (await client(functions.updates.GetStateRequest())).pts
    channel_before = await _history_pts(client, channel)
    sandbox.living.post(channel, "in the group")
    sandbox.living.post(channel, "again")
    sandbox.living.post(private, "in private")
    assert (await client(functions.updates.GetStateRequest())).pts == account_before + 1
    assert await _history_pts(client, channel) == channel_before + 2


async def test_channel_difference_gives_new_edited_and_deleted_then_nothing(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.CHANNEL)
    pts = await _history_pts(client, chat)
    view = sandbox.history.view(chat)
    old_a, old_b, old_c = view[10], view[20], view[30]
    message, _ = sandbox.living.post(chat, "news")
    sandbox.living.edit(chat, old_a, "corrected")
    assert sandbox.living.delete(chat, [old_b, old_c]) == [old_b, old_c]
    answer = await _diff(client, chat, pts)
    assert isinstance(answer, types.updates.ChannelDifference)
    assert answer.final
    assert answer.pts == pts + 4  # 1 new + 1 edit + 2 deleted ids
    assert [m.id for m in answer.new_messages] == [message.id]
    edit, deletion = answer.other_updates
    assert isinstance(edit, types.UpdateEditChannelMessage)
    assert (edit.message.id, edit.message.message) == (old_a, "corrected")
    assert edit.message.edit_date is not None
    assert isinstance(deletion, types.UpdateDeleteChannelMessages)
    assert (deletion.messages, deletion.pts_count) == ([old_b, old_c], 2)
    again = await _diff(client, chat, answer.pts)
    assert isinstance(again, types.updates.ChannelDifferenceEmpty)
    assert again.pts == answer.pts
    # The deleted messages are gone from history and from getMessages.
    got = await client.get_messages(chat.marked_id, ids=[old_a, old_b])
    assert got[0].message == "corrected"
    assert got[1] is None
    total = (await client.get_messages(chat.marked_id, limit=0)).total
    assert total == chat.count + 1 - 2


async def test_channel_difference_comes_in_slices_of_limit(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.SUPERGROUP)
    pts = await _history_pts(client, chat)
    for n in range(5):
        sandbox.living.post(chat, f"message {n}")
    seen: list[str] = []
    while True:
        answer = await _diff(client, chat, pts, limit=2)
        assert isinstance(answer, types.updates.ChannelDifference)
        assert len(answer.new_messages) <= 2
        seen += [m.message for m in answer.new_messages]
        pts = answer.pts
        if answer.final:
            break
    assert seen == [f"message {n}" for n in range(5)]


async def test_channel_difference_is_too_long_past_the_box(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.CHANNEL)
    pts = await _history_pts(client, chat)
    for n in range(60):  # more than the box keeps (50)
        sandbox.living.post(chat, f"flood {n}")
    answer = await _diff(client, chat, pts)
    assert isinstance(answer, types.updates.ChannelDifferenceTooLong)
    assert answer.dialog.pts == pts + 60
    assert answer.messages[0].message == "flood 59"  # the latest messages
    with pytest.raises(errors.PersistentTimestampInvalidError):
        await _diff(client, chat, pts + 61)
    with pytest.raises(errors.PersistentTimestampEmptyError):
        await _diff(client, chat, 0)


async def test_account_difference_has_private_edits_and_deletions_by_id(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    private = _first(sandbox, Kind.USER)
    group = _first(sandbox, Kind.GROUP)
    state = await client(functions.updates.GetStateRequest())
    view = sandbox.history.view(private)
    old = view[3]
    gone = sandbox.history.view(group)[5]
    new, _ = sandbox.living.post(private, "hello")
    sandbox.living.edit(private, old, "fixed")
    sandbox.living.delete(group, [gone])
    answer = await client(
        functions.updates.GetDifferenceRequest(pts=state.pts, date=state.date, qts=0)
    )
    assert isinstance(answer, types.updates.Difference)
    assert [m.id for m in answer.new_messages] == [new.id]
    edit, deletion = answer.other_updates
    assert isinstance(edit, types.UpdateEditMessage)
    assert edit.message.id == old
    assert isinstance(deletion, types.UpdateDeleteMessages)
    assert deletion.messages == [gone]  # ids only: they are unique in the account
    assert answer.state.pts == state.pts + 3
    empty = await client(
        functions.updates.GetDifferenceRequest(pts=answer.state.pts, date=state.date, qts=0)
    )
    assert isinstance(empty, types.updates.DifferenceEmpty)
    too_long = await client(
        functions.updates.GetDifferenceRequest(
            pts=state.pts, date=state.date, qts=0, pts_total_limit=2
        )
    )
    assert isinstance(too_long, types.updates.DifferenceTooLong)
    assert too_long.pts == answer.state.pts


async def test_activity_is_the_same_for_the_same_seed() -> None:
    from tgtui.sandbox import running_sandbox

    def world() -> SandboxOptions:
        return SandboxOptions(world=WorldOptions(seed=5, dialogs=30, messages=300))

    results = []
    for _ in range(2):
        async with running_sandbox(world()) as server:
            rng = random.Random(42)
            kinds = [server.living.act(rng) for _ in range(80)]
            chats = [server.world.chat(i) for i in range(len(server.world))]
            state = [
                [
                    (m.id, getattr(m, "message", None))
                    for m in map(
                        server.history.view(chat).message_at, range(len(server.history.view(chat)))
                    )
                ]
                for chat in chats
            ]
            results.append((kinds, state))
    assert results[0] == results[1]
    kinds = results[0][0]
    assert {"new", "edit", "delete"} <= set(kinds)


async def test_updates_go_to_the_main_connection_not_to_file_connections(
    client: TelegramClient, connect: Any, sandbox: SandboxServer
) -> None:
    # A connection for files on "another" DC is authorized with auth.exportAuthorization on
    # the main one and auth.importAuthorization on it. Telegram pushes the account's updates
    # to its main connection, not to such file connections (core.telegram.org/api/updates).
    files = await connect(fresh=True, dc=1)  # a connection to DC 1, where files live
    exported = await client(functions.auth.ExportAuthorizationRequest(dc_id=1))
    await files(functions.auth.ImportAuthorizationRequest(id=exported.id, bytes=exported.bytes))
    await files(functions.help.GetConfigRequest())
    imported = [c for c in sandbox.connections if c.auth is not None and c.auth.imported]
    main = [c for c in sandbox.connections if c.auth is not None and not c.auth.imported]
    assert imported
    assert main
    pushed: list[Any] = []
    for connection in sandbox.connections:

        async def record(data: bytes, connection: Any = connection) -> None:
            pushed.append(connection)

        connection.push = record  # type: ignore[method-assign]
    chat = _first(sandbox, Kind.CHANNEL)
    _, event = sandbox.living.post(chat, "news")
    task = sandbox.push_event(chat, event)
    assert task is not None
    await task
    assert pushed
    assert not set(pushed) & set(imported)


async def test_history_hash_answers_not_modified_until_the_page_changes(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    # messages.getHistory's `hash` (core.telegram.org/api/offsets#hash-generation): the same
    # page asked with its hash is messages.messagesNotModified; an edit in it changes it.
    from tgtui.sandbox.methods.history import history_hash

    chat = _first(sandbox, Kind.SUPERGROUP)
    peer = await client.get_input_entity(chat.marked_id)

    async def page(hash_: int) -> Any:
        return await client(
            functions.messages.GetHistoryRequest(
                peer=peer, offset_id=0, offset_date=None, add_offset=0, limit=20,
                max_id=0, min_id=0, hash=hash_,
            )
        )  # fmt: skip

    first = await page(0)
    known = history_hash(first.messages)
    assert known != 0
    same = await page(known)
    assert isinstance(same, types.messages.MessagesNotModified)
    assert same.count == first.count
    sandbox.living.edit(chat, first.messages[5].id, "changed")
    again = await page(known)
    assert isinstance(again, types.messages.ChannelMessages)
    assert again.messages[5].message == "changed"


async def test_dialogs_without_a_folder_are_every_dialog(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    # Telethon documents get_dialogs() with no folder as every dialog, archived included
    # (messages.getDialogs without folder_id); folder 0 is the main list, 1 the archive.
    every = await client.get_dialogs()
    main = await client.get_dialogs(folder=0)
    archived = await client.get_dialogs(folder=1)
    assert archived
    assert {d.id for d in every} == {d.id for d in main} | {d.id for d in archived}
    assert len(every) == len(sandbox.world)
    dates = [d.date for d in every if not d.pinned]
    assert dates == sorted(dates, reverse=True)


async def test_a_method_not_served_is_telegrams_typed_error(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    # Error strings are capitals, digits and underscores (core.telegram.org/api/errors), so
    # Telethon raises the typed error for them.
    with pytest.raises(errors.InputMethodInvalidError):
        await client(functions.account.GetWallPapersRequest(hash=0))


async def test_search_by_words_media_and_sender_counts_exactly(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    # messages.search (core.telegram.org/method/messages.search): every word of `q` in the
    # message, in any case; `filter` by media; `from_id`; `count` is the number that match.
    # Checked against the whole history read with plain getHistory.
    import re

    chat = sandbox.world.chat(0)
    entity = await client.get_input_entity(chat.marked_id)
    everything = [m async for m in client.iter_messages(entity, limit=None, wait_time=0)]
    texts = [m for m in everything if isinstance(m, types.Message) and m.message]
    word = max(
        ({w.lower() for w in re.findall(r"\w+", m.message)} for m in texts[:50]),
        key=len,
    ).pop()

    def has(m: Any) -> bool:
        return word in {w.lower() for w in re.findall(r"\w+", m.message or "")}

    found = await client.get_messages(entity, search=word.upper(), limit=None, wait_time=0)
    expected = [m.id for m in texts if has(m)]
    assert found.total == len(expected) > 0
    assert sorted(m.id for m in found) == sorted(expected)
    photos = await client.get_messages(
        entity, filter=types.InputMessagesFilterPhotos(), limit=None, wait_time=0
    )

    # The photos filter is the chat's shared photos: not a link preview's picture, which
    # Telethon's Message.photo also gives.
    def photo(m: Any) -> bool:
        return isinstance(m.media, types.MessageMediaPhoto)

    assert photos.total == sum(1 for m in everything if photo(m)) > 0
    assert all(photo(m) for m in photos)
    sender = next(m.from_id for m in texts if m.from_id is not None)
    theirs = await client.get_messages(entity, from_user=sender, limit=10, wait_time=0)
    same = [m for m in everything if isinstance(m, types.Message) and m.from_id == sender]
    assert theirs.total == len(same)
    assert all(m.from_id == sender for m in theirs)


async def test_reading_contacts_and_the_lists_asked_at_start(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    # messages.readHistory answers affectedMessages with the account box's new pts;
    # channels.readHistory answers true; contacts.getContacts lists the contacts with their
    # users; getSplitRanges names the parts of the account's history (from id 1 on, each
    # following the one before, the last open-ended: tests/sandbox/test_ranges_conformance.py)
    # and getLeftChannels needs a takeout session (core.telegram.org/method/channels.
    # getLeftChannels: 403 TAKEOUT_REQUIRED; within one: test_account_data_conformance.py).
    private = _first(sandbox, Kind.USER)
    before = (await client(functions.updates.GetStateRequest())).pts
    affected = await client(
        functions.messages.ReadHistoryRequest(
            peer=await client.get_input_entity(private.marked_id), max_id=0
        )
    )
    assert (affected.pts, affected.pts_count) == (before + 1, 1)
    channel = _first(sandbox, Kind.CHANNEL)
    assert await client(
        functions.channels.ReadHistoryRequest(
            channel=await client.get_input_entity(channel.marked_id), max_id=0
        )
    )
    contacts = await client(functions.contacts.GetContactsRequest(hash=0))
    assert contacts.contacts
    assert {c.user_id for c in contacts.contacts} == {u.id for u in contacts.users}
    assert all(u.contact for u in contacts.users)
    ranges = await client(functions.messages.GetSplitRangesRequest())
    assert ranges[0].min_id == 1
    assert ranges[-1].max_id == 2**31 - 1
    assert all(b.min_id == a.max_id + 1 for a, b in itertools.pairwise(ranges))
    with pytest.raises(errors.TakeoutRequiredError):
        await client(functions.channels.GetLeftChannelsRequest(offset=0))


async def test_posting_to_a_broadcast_channel_needs_admin_rights(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """core.telegram.org/method/messages.sendMessage lists 403 CHAT_ADMIN_REQUIRED; Telethon
    documents it as "for example, to send a message in a channel which is not yours". The
    world's broadcast channels are subscriptions: a post is refused and nothing is stored,
    while a supergroup takes it."""
    channel = _first(sandbox, Kind.CHANNEL)
    entity = await client.get_input_entity(channel.marked_id)
    before = await client.get_messages(entity, limit=1)
    with pytest.raises(errors.ChatAdminRequiredError):
        await client.send_message(entity, "not mine to post in")
    after = await client.get_messages(entity, limit=1)
    assert after.total == before.total
    assert [m.id for m in after] == [m.id for m in before]
    group = await client.get_input_entity(_first(sandbox, Kind.SUPERGROUP).marked_id)
    sent = await client.send_message(group, "a member may write here")
    assert (await client.get_messages(group, limit=1))[0].id == sent.id


async def test_channel_posts_carry_views_and_signatures(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """core.telegram.org/constructor/message: a channel post has `post`, a `views` counter,
    and `post_author` when the channel signs its posts (/constructor/channel: `signatures`).
    Messages in a supergroup are not posts."""
    world = sandbox.world
    channels = [world.chat(i) for i in range(len(world)) if world.chat(i).kind is Kind.CHANNEL]
    seen = {True: False, False: False}
    for chat in channels:
        entity = await client.get_entity(chat.marked_id)
        posts = [m for m in await client.get_messages(entity, limit=20) if m.message]
        assert posts
        assert all(m.post and m.views is not None and m.views >= 0 for m in posts)
        signs = bool(entity.signatures)
        seen[signs] = True
        if signs:
            assert all(m.post_author for m in posts)
        else:
            assert not any(m.post_author for m in posts)
    assert seen == {True: True, False: True}  # the world has channels of both kinds
    group = await client.get_entity(_first(sandbox, Kind.SUPERGROUP).marked_id)
    assert not any(m.post or m.post_author for m in await client.get_messages(group, limit=20))


async def test_a_contacts_phone_resolves_to_the_user(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """core.telegram.org/method/contacts.resolvePhone: the user with that number, or 400
    PHONE_NOT_OCCUPIED; contacts carry their phone (/constructor/user: `phone`)."""
    contacts = await client(functions.contacts.GetContactsRequest(hash=0))
    assert contacts.users
    for user in contacts.users[:5]:
        assert user.phone
        found = await client(functions.contacts.ResolvePhoneRequest(phone="+" + user.phone))
        assert found.peer == types.PeerUser(user.id)
        assert found.users[0].id == user.id
    me = await client.get_me()
    found = await client(functions.contacts.ResolvePhoneRequest(phone=me.phone))
    assert found.peer == types.PeerUser(me.id)
    with pytest.raises(errors.PhoneNotOccupiedError):
        await client(functions.contacts.ResolvePhoneRequest(phone="88899999999"))


async def test_a_supergroups_participants_with_join_dates(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """core.telegram.org/method/channels.getParticipants: channelParticipants with `count`
    and each participant (/type/ChannelParticipant: the creator with its admin rights, the
    others with the `date` they joined); filters Search, Admins; `offset`/`limit` page. A
    broadcast channel's subscribers are for its admins (403 CHAT_ADMIN_REQUIRED)."""
    chat = _first(sandbox, Kind.SUPERGROUP)
    group = await client.get_entity(chat.marked_id)
    everyone = await client.get_participants(group)
    me = await client.get_me()
    assert everyone.total == len(everyone) >= 2
    assert len({u.id for u in everyone}) == len(everyone)
    creator = [u for u in everyone if isinstance(u.participant, types.ChannelParticipantCreator)]
    assert [u.id for u in creator] == [me.id]
    assert group.creator
    for user in everyone:
        if user.id != me.id:
            assert group.date <= user.participant.date <= dt.datetime.now(dt.UTC)
    page = await client(
        functions.channels.GetParticipantsRequest(
            group, types.ChannelParticipantsRecent(), offset=1, limit=1, hash=0
        )
    )
    assert page.count == len(everyone)
    assert [p.user_id for p in page.participants] == [everyone[1].id]
    other = next(u for u in everyone if u.id != me.id)
    found = await client.get_participants(group, search=other.first_name)
    assert other.id in {u.id for u in found}
    admins = await client.get_participants(group, filter=types.ChannelParticipantsAdmins)
    assert [u.id for u in admins] == [me.id]
    channel = await client.get_entity(_first(sandbox, Kind.CHANNEL).marked_id)
    with pytest.raises(errors.ChatAdminRequiredError):
        await client.get_participants(channel)


async def test_uploads_are_kept_part_by_part_by_telegrams_rules(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """core.telegram.org/api/files and /method/upload.saveFilePart, /upload.saveBigFilePart:
    parts of at most 512 KiB, numbered from 0 below 4,000 (a big file's below its total);
    FILE_PART_EMPTY, FILE_PART_INVALID, FILE_PART_TOO_BIG, FILE_PARTS_INVALID."""
    data = bytes(range(256)) * 2_800  # 716,800 bytes: Telethon sends six 128 KiB parts
    uploaded = await client.upload_file(data, file_name="notes.bin")
    assert uploaded.parts == 6
    me = await client.get_me()
    assert sandbox.uploads.content(me.id, uploaded.id) == data
    part = functions.upload.SaveFilePartRequest
    with pytest.raises(errors.FilePartEmptyError):
        await client(part(file_id=1, file_part=0, bytes=b""))
    with pytest.raises(errors.FilePartInvalidError):
        await client(part(file_id=1, file_part=4000, bytes=b"x"))
    with pytest.raises(errors.FilePartTooBigError):
        await client(part(file_id=1, file_part=0, bytes=b"x" * (512 * 1024 + 1024)))
    big = functions.upload.SaveBigFilePartRequest
    with pytest.raises(errors.FilePartsInvalidError):
        await client(big(file_id=2, file_part=0, file_total_parts=0, bytes=b"x"))
    with pytest.raises(errors.FilePartInvalidError):
        await client(big(file_id=2, file_part=3, file_total_parts=3, bytes=b"x"))
    assert await client(big(file_id=2, file_part=2, file_total_parts=3, bytes=b"end"))
