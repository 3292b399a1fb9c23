"""The dialog list against Telegram's documentation, with plain Telethon calls, while the
world changes.

References (core.telegram.org):
- /method/messages.getDialogs: the dialog list, pinned dialogs first (exclude_pinned leaves
  them out); offset_date and offset_id are "offsets for pagination (top_message ID used for
  pagination)", offset_peer the "offset peer for pagination": a page starts after the
  dialog whose top message they name;
- /api/offsets: lists of real-time data are paged by an offset into the list as it is now,
  results newest first;
- /constructor/dialog: top_message, the dialog's newest message: the list is ordered by its
  date, so a dialog that gets a new message moves to the top, and one whose newest message
  is deleted moves down to the date of the one before.

A dialog that gets a new message while the list is paged jumps above the cursor: a read by
cursor (Telethon's `iter_dialogs`) cannot see it again, on Telegram as here. Every other
dialog is listed exactly once.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from telethon import TelegramClient, utils
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Enough dialogs for several pages of 100 (Telethon's), small histories."""
    return SandboxOptions(world=WorldOptions(seed=23, dialogs=400, messages=200))


def _world_chat(sandbox: SandboxServer, peer_id: int) -> Chat:
    world = sandbox.world
    return next(world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == peer_id)


def _moved_since(sandbox: SandboxServer, before: int) -> set[int]:
    """Dialogs that got a new message after the first ``before`` run-time messages."""
    return {utils.get_peer_id(m.message.peer_id) for m in sandbox.history.live_messages()[before:]}


def _in_order(dialogs: list[Any]) -> None:
    """Pinned dialogs first, then newest top message first."""
    pins = [d.pinned for d in dialogs]
    assert pins == sorted(pins, reverse=True), "pinned dialogs come first"
    dates = [d.date for d in dialogs if not d.pinned]
    assert dates == sorted(dates, reverse=True), "then by the date of the top message"


async def _page(
    client: TelegramClient, limit: int, after: Any = None, *, exclude_pinned: bool = False
) -> Any:
    """One messages.getDialogs page of the main list, after the dialog ``after`` (a
    Telethon Dialog; None: from the top), as Telethon asks for them."""
    if after is None:
        offset: dict[str, Any] = {"offset_date": None, "offset_id": 0}
        offset["offset_peer"] = types.InputPeerEmpty()
    else:
        message = after.message
        offset = {"offset_date": message.date, "offset_id": message.id}
        offset["offset_peer"] = after.input_entity
    request = functions.messages.GetDialogsRequest(
        limit=limit,
        hash=0,
        folder_id=0,
        exclude_pinned=exclude_pinned or after is not None,
        **offset,
    )
    return await client(request)


def _peers(page: Any) -> list[int]:
    return [utils.get_peer_id(d.peer) for d in page.dialogs]


async def test_iter_dialogs_lists_every_dialog_once_while_chats_are_active(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """With others writing, before and during the listing (dialogs move to the top as they
    get messages), `iter_dialogs` lists each dialog of each folder once, in Telegram's order;
    only a dialog that moved above the cursor while the list was read can be missing."""
    rng = random.Random(5)
    for _ in range(300):  # what `--activity` did before the listing began
        sandbox.living.act(rng)
    sandbox.faults.latency = 0.01  # pages take a while: the activity goes on during them
    before, changes = len(sandbox.history.live_messages()), sandbox.living.changes
    activity = asyncio.ensure_future(sandbox.living.run(400, seed=9))
    try:
        listed = {
            folder: [d async for d in client.iter_dialogs(folder=folder)] for folder in (0, 1)
        }
    finally:
        activity.cancel()
    assert sandbox.living.changes - changes >= 5, "the world changed while it was listed"
    moved = _moved_since(sandbox, before)
    world = sandbox.world
    for folder, dialogs in listed.items():
        ids = [d.id for d in dialogs]
        assert len(ids) == len(set(ids)), "no dialog twice"
        every = {world.chat(i).marked_id for i in world.order[folder]}
        assert set(ids) <= every
        assert every - moved <= set(ids), "every dialog that stayed in place is listed"
        _in_order(dialogs)


async def test_a_new_message_moves_its_dialog_to_the_top_and_paging_goes_on(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Pages by offset go on where the last one ended: a dialog below the cursor that gets a
    message leaves its place (the pages after skip it, and nothing else), one above is not
    listed again; a new read from the top shows both first after the pinned ones."""
    snapshot = [d async for d in client.iter_dialogs(folder=0)]
    _in_order(snapshot)
    pinned = sum(1 for d in snapshot if d.pinned)
    order = [d.id for d in snapshot]
    first = await _page(client, 50)
    assert _peers(first) == order[:50]
    above, below = order[pinned + 10], order[150]
    sandbox.living.say(_world_chat(sandbox, below), "to the top")
    sandbox.living.say(_world_chat(sandbox, above), "to the top as well")
    seen, last = _peers(first), snapshot[49]
    while True:
        page = await _page(client, 50, after=last)
        if not page.dialogs:
            break
        seen += _peers(page)
        last = next(d for d in snapshot if d.id == _peers(page)[-1])
    assert seen == [p for p in order if p != below], "the rest in order, each once"

    fresh = [d async for d in client.iter_dialogs(folder=0, limit=pinned + 2)]
    assert [d.id for d in fresh[:pinned]] == order[:pinned]
    assert {d.id for d in fresh[pinned:]} == {above, below}  # the same second: by id
    assert {d.message.message for d in fresh[pinned:]} == {"to the top", "to the top as well"}
    _in_order(fresh)


async def test_offsets_name_a_top_message_and_ties_are_paged_once(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """offset_date alone starts after every dialog whose top message is not older; offsets
    of a whole top message and its dialog start right after that dialog, also among dialogs
    whose top messages share a second."""
    snapshot = [d async for d in client.iter_dialogs(folder=0)]
    at = snapshot[60]
    older = [d async for d in client.iter_dialogs(folder=0, offset_date=at.date, limit=3)]
    assert [d.id for d in older] == [d.id for d in snapshot[61:64]]

    movers = [snapshot[i] for i in (100, 200, 300)]
    for dialog in movers:  # three new top messages, most likely in the same second
        sandbox.living.say(_world_chat(sandbox, dialog.id), "at once")
    top = [d async for d in client.iter_dialogs(folder=0, ignore_pinned=True, limit=6)]
    assert {d.id for d in top[:3]} == {d.id for d in movers}
    one_by_one, last = [], None
    for _ in range(6):  # a page of one dialog at a time, each after the one before
        page = await _page(client, 1, after=last, exclude_pinned=True)
        one_by_one += _peers(page)
        last = next(d for d in top if d.id == one_by_one[-1])
    assert one_by_one == [d.id for d in top]


async def test_deleting_the_newest_message_moves_the_dialog_down(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    snapshot = [d async for d in client.iter_dialogs(folder=0, ignore_pinned=True)]
    dialog = snapshot[0]
    chat = _world_chat(sandbox, dialog.id)
    newest, previous = (await client.get_messages(dialog.id, limit=2))[:2]
    assert sandbox.living.delete(chat, [newest.id]) == [newest.id]
    after = [d async for d in client.iter_dialogs(folder=0, ignore_pinned=True)]
    moved = next(d for d in after if d.id == dialog.id)
    assert moved.message.id == previous.id
    assert [d.id for d in after].index(dialog.id) > 0
    _in_order(after)
    assert sorted(d.id for d in after) == sorted(d.id for d in snapshot)
