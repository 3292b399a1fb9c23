"""The account's history in parts: messages.getSplitRanges and history asked within one part
(invokeWithMessagesRange), with plain Telethon calls, as Pyrogram-family clients count a
chat and as Telegram Desktop's export reads it.

References (core.telegram.org):
- /method/messages.getSplitRanges: "get message ranges for saving the user's chat
  history", a Vector of /constructor/messageRange (``min_id``, ``max_id``);
- /method/invokeWithMessagesRange: invoke a query "with the given message range": a
  history request answers with the messages of that range only, and counts only them;
- /constructor/messages.messages and /constructor/messages.messagesSlice: the whole result,
  or part of it with the ``count`` of the whole.

Pyrogram's ``get_chat_history_count`` sums, over every range, the count of a getHistory
with limit 1 (the number of messages when the answer is messages.messages): that sum must be
the chat's whole count, for every kind of chat.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat, Kind

MAX_ID = 2**31 - 1


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=120, messages=1500))


def _of_each_kind(sandbox: SandboxServer) -> list[Chat]:
    world = sandbox.world
    chats = [world.chat(i) for i in range(len(world))]
    return [max((c for c in chats if c.kind is kind), key=lambda c: c.count) for kind in Kind]


async def _history(
    client: TelegramClient, chat: Chat, within: Any, *, offset_id: int = 0, limit: int = 100
) -> Any:
    query = functions.messages.GetHistoryRequest(
        peer=await client.get_input_entity(chat.marked_id),
        offset_id=offset_id, offset_date=None, add_offset=0, limit=limit, max_id=0, min_id=0,
        hash=0,
    )  # fmt: skip
    return await client(functions.InvokeWithMessagesRangeRequest(range=within, query=query))


async def test_the_ranges_cover_every_id_once_the_last_open_ended(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    ranges = await client(functions.messages.GetSplitRangesRequest())
    assert len(ranges) > 1
    assert all(isinstance(r, types.MessageRange) for r in ranges)
    assert ranges[0].min_id == 1
    assert ranges[-1].max_id == MAX_ID
    for older, newer in itertools.pairwise(ranges):
        assert older.min_id <= older.max_id
        assert newer.min_id == older.max_id + 1


async def test_counts_summed_over_the_ranges_are_each_chats_count(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Pyrogram's way: one getHistory of limit 1 per range, the counts summed."""
    ranges = await client(functions.messages.GetSplitRangesRequest())
    sandbox.living.say(sandbox.world.chat(0), "a message sent since: in the last range")
    for chat in _of_each_kind(sandbox):
        total = (await client.get_messages(chat.marked_id, limit=0)).total
        summed = 0
        for within in ranges:
            answer = await _history(client, chat, within, limit=1)
            if isinstance(answer, types.messages.Messages):
                summed += len(answer.messages)
            else:
                summed += answer.count
        assert summed == total, chat.kind


async def test_each_range_holds_its_part_of_a_chats_history(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Telegram Desktop's export's way: a chat read range by range, page by page (offset_id
    within the range) gives each message once, every message in the range it is in; a
    channel's messages, numbered in its own space, are all in the current (last) range."""
    ranges = await client(functions.messages.GetSplitRangesRequest())
    for chat in _of_each_kind(sandbox):
        every = [m.id async for m in client.iter_messages(chat.marked_id, wait_time=0)]
        read: list[int] = []
        for within in ranges:
            part: list[int] = []
            offset_id = 0
            while True:
                answer = await _history(client, chat, within, offset_id=offset_id)
                ids = [m.id for m in answer.messages]
                part += ids
                if not ids or isinstance(answer, types.messages.Messages):
                    break
                assert answer.count >= len(part)
                offset_id = ids[-1]
            if chat.kind.is_channel:
                expected = every if within is ranges[-1] else []
            else:
                expected = [i for i in every if within.min_id <= i <= within.max_id]
            assert part == expected, (chat.kind, within.min_id)
            read += part
        assert sorted(read, reverse=True) == every
