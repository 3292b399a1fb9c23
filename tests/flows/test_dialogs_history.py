"""Dialogs and histories through Telethon's own iterators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from telethon import TelegramClient, events
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=3, dialogs=250, messages=1200))


async def test_exactly_n_dialogs_of_every_kind(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    main = [d async for d in client.iter_dialogs(folder=0)]  # no folder: both, as Telegram
    archived = [d async for d in client.iter_dialogs(archived=True)]
    ids = [d.id for d in main + archived]
    assert len(ids) == len(set(ids)) == 250
    assert archived, "the world has an archive"
    kinds = {type(d.entity).__name__ for d in main + archived}
    assert kinds == {"User", "Chat", "Channel"}
    assert any(d.entity.bot for d in main if isinstance(d.entity, types.User))
    assert any(getattr(d.entity, "megagroup", False) for d in main + archived)
    assert any(getattr(d.entity, "broadcast", False) for d in main + archived)
    pinned = [d for d in main if d.pinned]
    assert pinned
    assert main[: len(pinned)] == pinned
    rest = main[len(pinned) :]
    assert [d.date for d in rest] == sorted((d.date for d in rest), reverse=True)


async def test_dialog_total_comes_from_the_slice_count(client: TelegramClient) -> None:
    page = await client.get_dialogs(limit=10)
    assert len(page) == 10
    everything = await client.get_dialogs()
    assert page.total == everything.total == len(everything)


async def test_whole_history_newest_first_with_total(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = sandbox.world.chat(0)
    entity = await client.get_entity(chat.marked_id)
    messages = [m async for m in client.iter_messages(entity, wait_time=0)]
    assert len(messages) == chat.count == 1200
    ids = [m.id for m in messages]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    assert (await client.get_messages(entity, limit=1)).total == 1200
    assert isinstance(messages[-1], types.MessageService)  # the group was created first


async def test_channel_ids_are_per_channel_and_shared_ids_are_global(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    world = sandbox.world
    channels = [world.chat(i) for i in range(len(world)) if world.chat(i).kind.is_channel][:2]
    for chat in channels:
        entity = await client.get_entity(chat.marked_id)
        oldest = [m async for m in client.iter_messages(entity, reverse=True, limit=1)]
        assert oldest[0].id == 1
    shared = [world.chat(i) for i in range(len(world)) if not world.chat(i).kind.is_channel][1:4]
    firsts = []
    for chat in shared:
        entity = await client.get_entity(chat.marked_id)
        oldest = await client.get_messages(entity, reverse=True, limit=1)
        firsts.append(oldest[0].id)
    assert len(set(firsts)) == 3
    assert min(firsts) > 1
    by_id = await client(
        functions.messages.GetMessagesRequest(id=[types.InputMessageID(firsts[0])])
    )
    assert by_id.messages[0].peer_id == shared[0].peer


async def test_offsets_add_offset_and_id_bounds(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = sandbox.world.chat(0)
    entity = await client.get_input_entity(chat.marked_id)
    top = chat.top_id

    async def history(**kw: int) -> list[int]:
        params = {
            "offset_id": 0,
            "offset_date": None,
            "add_offset": 0,
            "limit": 10,
            "max_id": 0,
            "min_id": 0,
            "hash": 0,
        }
        params.update(kw)
        result = await client(functions.messages.GetHistoryRequest(peer=entity, **params))
        return [m.id for m in result.messages]

    assert await history() == list(range(top, top - 10, -1))
    assert await history(offset_id=top - 100) == list(range(top - 101, top - 111, -1))
    # A negative add_offset reaches messages newer than offset_id (how iter_messages reverses).
    assert await history(offset_id=top - 100, add_offset=-10) == list(
        range(top - 91, top - 101, -1)
    )
    assert await history(min_id=top - 5) == list(range(top, top - 5, -1))
    assert await history(offset_id=top - 3, max_id=top - 5, limit=5) == [top - 6, top - 7, top - 8]
    assert await history(offset_id=top - 3, min_id=top - 6, limit=5) == [top - 4, top - 5]
    assert await history(limit=1000) == list(range(top, top - 100, -1))


async def test_offset_date_jumps_without_scanning(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = sandbox.world.chat(0)
    entity = await client.get_entity(chat.marked_id)
    k = 600
    date = sandbox.history.date_of(chat, k)
    sandbox.log.clear()
    older = await client.get_messages(entity, limit=5, offset_date=date)
    assert [m.id for m in older] == [chat.id_base + k - i for i in range(1, 6)]
    assert all(m.date.timestamp() < date for m in older)
    assert len(sandbox.log.of("messages.getHistory")) == 1
    newer = [
        m
        async for m in client.iter_messages(
            entity, reverse=True, offset_date=older[0].date + timedelta(seconds=1), limit=3
        )
    ]
    assert [m.id for m in newer] == [chat.id_base + k, chat.id_base + k + 1, chat.id_base + k + 2]


async def test_every_generated_message_kind_reaches_the_client(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    entity = await client.get_entity(sandbox.world.chat(0).marked_id)
    kinds: dict[str, Callable[[Any], object]] = {
        "service": lambda m: m.action,
        "photo": lambda m: m.photo,
        "voice": lambda m: m.voice,
        "video": lambda m: m.video,
        "sticker": lambda m: m.sticker,
        "poll": lambda m: m.poll,
        "document": lambda m: m.document and not (m.voice or m.video or m.sticker),
        "reply": lambda m: m.reply_to,
        "forward": lambda m: m.fwd_from,
        "edited": lambda m: m.edit_date,
        "reactions": lambda m: m.reactions,
        "entities": lambda m: m.entities,
    }
    seen: set[str] = set()
    async for message in client.iter_messages(entity, wait_time=0):
        seen.update(name for name, present in kinds.items() if present(message))
    assert seen == {
        "service",
        "photo",
        "voice",
        "video",
        "sticker",
        "poll",
        "document",
        "reply",
        "forward",
        "edited",
        "reactions",
        "entities",
    }


async def test_search_by_date_range(client: TelegramClient, sandbox: SandboxServer) -> None:
    chat = sandbox.world.chat(0)
    entity = await client.get_input_entity(chat.marked_id)
    low, high = sandbox.history.date_of(chat, 100), sandbox.history.date_of(chat, 109)
    from datetime import UTC, datetime

    result = await client(
        functions.messages.SearchRequest(
            peer=entity,
            q="",
            filter=types.InputMessagesFilterEmpty(),
            min_date=datetime.fromtimestamp(low, UTC),
            max_date=datetime.fromtimestamp(high, UTC),
            offset_id=0,
            add_offset=0,
            limit=100,
            max_id=0,
            min_id=0,
            hash=0,
        )
    )
    assert sorted(m.id for m in result.messages) == [chat.id_base + k for k in range(100, 110)]
    # All 10 found fit in one answer: messages.messages, whose count is its length
    # (core.telegram.org/constructor/messages.messages).
    assert isinstance(result, types.messages.Messages)
    assert len(result.messages) == 10


async def test_sent_message_is_stored_and_pushed(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = sandbox.world.chat(5)
    entity = await client.get_entity(chat.marked_id)
    sent = await client.send_message(entity, "hello from a test")
    latest = await client.get_messages(entity, limit=1)
    assert latest[0].id == sent.id
    assert latest[0].message == "hello from a test"
    assert latest.total == chat.count + 1


async def test_get_difference_returns_messages_sent_meanwhile(
    client: TelegramClient, connect: object, sandbox: SandboxServer
) -> None:
    state = await client(functions.updates.GetStateRequest())
    # A private chat: its messages are in the account's box (a channel's are in its own, and
    # come from updates.getChannelDifference: tests/sandbox/test_updates_conformance.py).
    world = sandbox.world
    chat = next(world.chat(i) for i in range(len(world)) if world.chat(i).kind is Kind.USER)
    sent = await client.send_message(await client.get_entity(chat.marked_id), "while you were away")
    difference = await client(
        functions.updates.GetDifferenceRequest(pts=state.pts, date=state.date, qts=0)
    )
    assert [m.id for m in difference.new_messages] == [sent.id]
    assert difference.state.pts == state.pts + 1
    empty = await client(
        functions.updates.GetDifferenceRequest(pts=difference.state.pts, date=state.date, qts=0)
    )
    assert isinstance(empty, types.updates.DifferenceEmpty)


async def test_sent_message_is_pushed_to_the_accounts_other_sessions(
    client: TelegramClient,
    connect: Callable[..., Awaitable[TelegramClient]],
    sandbox: SandboxServer,
) -> None:
    other = await connect()
    await other.get_me()  # initialises its update state
    received: asyncio.Queue[str] = asyncio.Queue()

    async def on_new(event: events.NewMessage.Event) -> None:
        await received.put(event.raw_text)

    other.add_event_handler(on_new, events.NewMessage)
    # A private chat: a broadcast channel the account does not run refuses posts.
    world = sandbox.world
    chat = next(world.chat(i) for i in range(len(world)) if world.chat(i).kind is Kind.USER)
    await client.send_message(await client.get_entity(chat.marked_id), "ping")
    assert await asyncio.wait_for(received.get(), timeout=10) == "ping"
