"""Editing and deleting messages against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /method/messages.editMessage: one's own messages (MESSAGE_AUTHOR_REQUIRED), within the
  config's edit_time_limit (MESSAGE_EDIT_TIME_EXPIRED; Saved Messages has none), not to the
  same text (MESSAGE_NOT_MODIFIED), an unknown id MESSAGE_ID_INVALID; answered with Updates;
- /method/messages.deleteMessages and /method/channels.deleteMessages: messages.affectedMessages
  with the box's pts and pts_count; a broadcast channel's posts are its admins'
  (MESSAGE_DELETE_FORBIDDEN);
- /api/updates: the account's other sessions get updateEditMessage / updateDeleteMessages.
"""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import SandboxServer
from tgtui.sandbox.world import SELF_ID, Chat, Kind


def _first(sandbox: SandboxServer, kind: Kind) -> Chat:
    world = sandbox.world
    return next(
        world.chat(i)
        for i in range(len(world))
        if world.chat(i).kind is kind and world.chat(i).bare_id != SELF_ID
    )


async def test_the_accounts_recent_message_is_edited_and_others_hear_of_it(
    client: TelegramClient, connect: ClientFactory, sandbox: SandboxServer
) -> None:
    other = await connect()
    await other.get_dialogs()
    chat = _first(sandbox, Kind.USER)
    sent = await client.send_message(chat.marked_id, "helo")
    state = await other(functions.updates.GetStateRequest())
    edited = await client.edit_message(chat.marked_id, sent.id, "hello")
    assert edited.message == "hello"
    assert edited.edit_date is not None
    [fetched] = await other.get_messages(chat.marked_id, ids=[sent.id])
    assert fetched.message == "hello"
    difference = await other(
        functions.updates.GetDifferenceRequest(pts=state.pts, date=state.date, qts=0)
    )
    [update] = difference.other_updates
    assert isinstance(update, types.UpdateEditMessage)
    assert update.message.message == "hello"
    with pytest.raises(errors.MessageNotModifiedError):
        await client.edit_message(chat.marked_id, sent.id, "hello")


async def test_what_may_not_be_edited_is_refused(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.USER)
    history = await client.get_messages(chat.marked_id, limit=100)
    old_own = next(m for m in history if m.out and m.message)
    theirs = next(m for m in history if not m.out)
    with pytest.raises(errors.MessageEditTimeExpiredError):  # the world's are months old
        await client.edit_message(chat.marked_id, old_own.id, "too late")
    with pytest.raises(errors.MessageAuthorRequiredError):
        await client.edit_message(chat.marked_id, theirs.id, "not mine")
    with pytest.raises(errors.MessageIdInvalidError):
        await client.edit_message(chat.marked_id, 10**9, "nothing there")
    config = await client(functions.help.GetConfigRequest())
    assert config.edit_time_limit == 48 * 3600
    # Saved Messages has no time limit.
    [oldest] = await client.get_messages("me", limit=1, reverse=True)
    note = await client.edit_message("me", oldest.id, "still mine to change")
    assert note.message == "still mine to change"


async def test_deleting_in_a_private_chat_and_a_supergroup(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    private = _first(sandbox, Kind.USER)
    ids = [m.id for m in await client.get_messages(private.marked_id, limit=3)]
    before = (await client.get_messages(private.marked_id, limit=0)).total
    state = await client(functions.updates.GetStateRequest())
    [affected] = await client.delete_messages(private.marked_id, [*ids, 10**9])
    assert affected.pts_count == 3  # the unknown id is passed over
    assert affected.pts == state.pts + 3
    assert (await client.get_messages(private.marked_id, limit=0)).total == before - 3
    assert await client.get_messages(private.marked_id, ids=ids) == [None, None, None]

    group = _first(sandbox, Kind.SUPERGROUP)
    newest = (await client.get_messages(group.marked_id, limit=1))[0]
    [affected] = await client.delete_messages(group.marked_id, [newest.id])
    assert affected.pts_count == 1
    assert (await client.get_messages(group.marked_id, limit=1))[0].id < newest.id


async def test_a_broadcast_channels_posts_are_not_a_subscribers_to_delete(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    channel = _first(sandbox, Kind.CHANNEL)
    newest = (await client.get_messages(channel.marked_id, limit=1))[0]
    with pytest.raises(errors.MessageDeleteForbiddenError):
        await client.delete_messages(channel.marked_id, [newest.id])
    assert (await client.get_messages(channel.marked_id, limit=1))[0].id == newest.id
