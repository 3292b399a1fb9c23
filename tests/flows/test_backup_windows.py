"""A big chat fetched as several id windows at once: the file is still ascending and exactly
once, more than one request is in flight for the chat, and a run stopped in the middle
continues exactly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, server_ids, targets
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.media import MediaFilter
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
    demo_session,
    running_sandbox,
)
from tgtui.telegram.service import CLIENT_OPTIONS

NO_MEDIA = MediaFilter(frozenset(), None)


@pytest.fixture(params=[True, False], ids=["supergroup", "basic-group"])
async def big(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[SandboxServer, TelegramClient]]:
    """A 6,000-message chat (a supergroup: its own ids; a basic group: account-wide ids),
    answers 5 ms late so requests overlap."""
    world = WorldOptions(
        seed=19, dialogs=3, messages=6000, media=False, biggest_is_supergroup=request.param
    )
    options = SandboxOptions(world=world)
    options.faults.latency = 0.005
    async with running_sandbox(options) as server:
        client = TelegramClient(demo_session(server), API_ID, API_HASH, **CLIENT_OPTIONS)
        await client.connect()
        yield server, client
        await client.disconnect()


def _saved(out: Path) -> list[list[int]]:
    return [
        read_ids(folder) for folder in out.glob("chats/*") if (folder / "messages.jsonl").exists()
    ]


async def test_windows_fetch_in_parallel_and_write_in_order(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    server, client = big
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    server.log.clear()
    result = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA, windows=4)).run(
        chat
    )
    assert result.all_complete
    assert server.log.most_in_flight["messages.getHistory"] >= 2
    pages = len(server.log.of("messages.getHistory"))
    # A page per 100 messages, at most one more per chunk of 4 pages, the first and newest.
    assert pages <= 6000 // 100 + 6000 // 400 + 3
    ids = read_ids(result.chats[0].path)
    assert ids == await server_ids(client, chat[0])  # ascending, each once, none missing
    assert len(ids) == 6000


async def test_one_window_is_one_request_at_a_time(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    server, client = big
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    server.log.clear()
    await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA, windows=1)).run(chat)
    assert server.log.most_in_flight["messages.getHistory"] == 1


async def test_stopped_in_the_middle_continues_exactly(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    server, client = big
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    for delay in (0.05, 0.15, 0.3):
        engine = BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA, windows=4))
        task = asyncio.create_task(engine.run(chat))
        await asyncio.sleep(delay)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for ids in _saved(tmp_path):
            assert ids == sorted(set(ids))  # never out of order, never twice
    await asyncio.sleep(0.05)  # no window goes on after a stop
    assert sum(server.log.in_flight.values()) == 0
    result = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA)).run(chat)
    assert read_ids(result.chats[0].path) == await server_ids(client, chat[0])
