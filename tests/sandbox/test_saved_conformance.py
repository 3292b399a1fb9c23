"""Saved Messages against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/saved-messages: Saved Messages is the chat with the account itself (inputPeerSelf, or
  the account's own user); what is forwarded there keeps where it came from
  (messageFwdHeader.saved_from_peer);
- /api/updates: a private chat's messages, the account's own chat's included, share the
  account's message-id space and its common update box.
"""

from __future__ import annotations

from telethon import TelegramClient
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import SandboxServer
from tgtui.sandbox.world import SELF_ID, Kind


async def test_saved_messages_is_a_dialog_with_the_accounts_history(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    saved = sandbox.world.saved()
    assert saved is not None
    dialogs = await client.get_dialogs()
    [mine] = [d for d in dialogs if d.is_user and d.entity.is_self]
    assert mine.id == SELF_ID
    assert mine.unread_count == 0
    messages = await client.get_messages("me", limit=None)
    assert len(messages) == messages.total == saved.count
    assert all(m.out for m in messages)
    assert all(m.peer_id == types.PeerUser(SELF_ID) for m in messages)
    kept = [m for m in messages if m.fwd_from is not None]
    assert len(kept) > saved.count // 5  # mostly forwarded there
    assert all(m.fwd_from.saved_from_peer and m.fwd_from.saved_from_msg_id for m in kept)
    by_id = await client.get_messages(
        types.InputPeerUser(SELF_ID, (await client.get_me()).access_hash), limit=5
    )
    assert [m.id for m in by_id] == [m.id for m in messages[:5]]


async def test_a_note_to_self_is_stored_in_the_accounts_id_space_and_pushed(
    client: TelegramClient, connect: ClientFactory, sandbox: SandboxServer
) -> None:
    other = await connect()
    await other.get_dialogs()
    state = await other(functions.updates.GetStateRequest())
    private = next(
        sandbox.world.chat(i)
        for i in range(len(sandbox.world))
        if sandbox.world.chat(i).kind is Kind.USER and sandbox.world.chat(i).bare_id != SELF_ID
    )
    before = await client.send_message(private.marked_id, "to a friend")
    note = await client.send_message("me", "remember the milk")
    assert note.id == before.id + 1  # one id space for every private chat
    [latest] = await client.get_messages("me", limit=1)
    assert (latest.id, latest.message, latest.out) == (note.id, "remember the milk", True)
    difference = await other(
        functions.updates.GetDifferenceRequest(pts=state.pts, date=state.date, qts=0)
    )
    assert "remember the milk" in [m.message for m in difference.new_messages]
