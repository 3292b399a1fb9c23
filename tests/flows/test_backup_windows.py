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
from tgtui.backup import history
from tgtui.backup.budget import START
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.progress import BackupEvent, ChatProgress, Waiting
from tgtui.format.media_paths import MediaFilter
from tgtui.retry import Backoff
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
    demo_session,
    running_sandbox,
)
from tgtui.sandbox.faults import FloodLimit
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


async def _until_saved(out: Path, count: int, run: asyncio.Task[object]) -> None:
    """Wait until the chat's file holds ``count`` messages (the run still going)."""
    deadline = asyncio.get_running_loop().time() + 60
    while _lines_written(out) < count:
        assert not run.done(), "the run ended before it could be stopped"
        assert asyncio.get_running_loop().time() < deadline, "the file never grew"
        await asyncio.sleep(0.002)


def _lines_written(out: Path) -> int:
    """Whole lines in the backup's files so far (a batch may be in the middle of its write)."""
    return sum(p.read_bytes().count(b"\n") for p in out.glob("chats/*/messages.jsonl"))


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
    for saved in (500, 1500, 3000):  # stopped as the file reaches these (a fast machine
        # could finish a whole run in a fixed pause)
        engine = BackupEngine(
            client, BackupOptions(tmp_path, media=NO_MEDIA, windows=4, batch_size=500)
        )
        task = asyncio.create_task(engine.run(chat))
        await _until_saved(tmp_path, saved, task)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for ids in _saved(tmp_path):
            assert ids == sorted(set(ids))  # never out of order, never twice
    await asyncio.sleep(0.05)  # no window goes on after a stop
    assert sum(server.log.in_flight.values()) == 0
    result = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA)).run(chat)
    assert read_ids(result.chats[0].path) == await server_ids(client, chat[0])


async def test_one_budget_bounds_the_requests_in_flight_across_chats(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    """--concurrency is the run's requests in flight, chats and windows together: never
    more at the server, and a big chat left alone uses all of it."""
    server, client = big
    # Answers 30 ms late: the budget grows while answers are as fast as the fastest (within
    # 2x); at 5 ms, a busy machine's own delays (tests run four at a time) read as slow
    # answers and can keep it at its start.
    server.faults.latency = 0.03
    chats = await targets(client)
    server.log.clear()
    options = BackupOptions(tmp_path, media=NO_MEDIA, concurrency=6)
    result = await BackupEngine(client, options).run(chats)
    assert result.all_complete
    assert 4 < server.log.most_in_flight["messages.getHistory"] <= 6
    for chat, saved in zip(chats, result.chats, strict=True):
        assert read_ids(saved.path) == await server_ids(client, chat)


async def test_an_unknown_flood_limit_is_met_with_few_requests_in_flight(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    """The budget grows only after Telethon's burst of 30 answers, so a flood limit below
    that is reached with START requests in flight: no more FLOOD_WAITs than that."""
    server, client = big
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    server.faults.flood["messages.getHistory"] = FloodLimit(20, 1.0)
    events: list[BackupEvent] = []
    options = BackupOptions(tmp_path, media=NO_MEDIA, concurrency=32)
    result = await BackupEngine(client, options, on_event=events.append).run(chat)
    floods = [e for e in events if isinstance(e, Waiting) and e.kind == "flood"]
    assert 1 <= len(floods) <= START
    server.faults.flood.clear()
    assert read_ids(result.chats[0].path) == await server_ids(client, chat[0])


async def test_windows_failing_for_a_while_while_others_go_on_lose_nothing(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a moment in the middle every history request fails (500) and is retried, while
    the chat's windows answered before and after go on: the file is still every message
    once, in order."""
    server, client = big
    monkeypatch.setattr(history, "HISTORY_RETRY", Backoff(base=0.01, cap=0.02, attempts=None))
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    loop = asyncio.get_running_loop()
    once: list[bool] = []

    def failures() -> int:
        return sum(e.error == "INTERNAL" for e in server.log.of("messages.getHistory"))

    def over_after_two() -> None:  # the trouble lasts until two requests have met it
        if failures() >= 2:
            server.faults.rpc500.clear()
        else:
            loop.call_later(0.005, over_after_two)

    def trouble(event: BackupEvent) -> None:
        if isinstance(event, ChatProgress) and event.done >= 1500 and not once:
            once.append(True)
            server.faults.rpc500["messages.getHistory"] = 1.0
            over_after_two()

    result = await BackupEngine(
        client, BackupOptions(tmp_path, media=NO_MEDIA), on_event=trouble
    ).run(chat)
    assert result.all_complete
    assert server.log.most_in_flight["messages.getHistory"] >= 2
    assert failures() >= 2
    assert read_ids(result.chats[0].path) == await server_ids(client, chat[0])


async def test_a_chat_lost_mid_window_keeps_an_exact_start_and_resumes(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    """The chat turns private while several windows are out: it ends skipped, its file is
    the history's beginning with no gap, and the next run continues it exactly."""
    server, client = big
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    everything = await server_ids(client, chat[0])

    def lose(event: BackupEvent) -> None:
        if isinstance(event, ChatProgress) and event.done >= 1500:
            server.faults.private.add(chat[0].chat_id)

    options = BackupOptions(tmp_path, media=NO_MEDIA, batch_size=100)
    first = await BackupEngine(client, options, on_event=lose).run(chat)
    assert first.chats[0].status == "skipped"
    saved = read_ids(first.chats[0].path)
    assert 1500 <= len(saved) < len(everything)
    assert saved == everything[: len(saved)]
    server.faults.private.clear()
    again = await BackupEngine(client, options).run(chat)
    assert again.all_complete
    assert read_ids(again.chats[0].path) == everything


async def test_a_date_range_is_read_in_windows_too(
    big: tuple[SandboxServer, TelegramClient], tmp_path: Path
) -> None:
    """--since and --until: the span between is fetched in windows, and exactly the
    messages sent in it are saved, in order."""
    server, client = big
    chat = [t for t in await targets(client) if t.chat_id == server.world.chat(0).marked_id]
    sent = sorted(
        [(m.id, m.date) async for m in client.iter_messages(chat[0].input_peer, wait_time=0)]
    )
    since, until = sent[1000][1], sent[5000][1]
    server.log.clear()
    options = BackupOptions(tmp_path, media=NO_MEDIA, since=since, until=until)
    result = await BackupEngine(client, options).run(chat)
    assert result.all_complete
    assert server.log.most_in_flight["messages.getHistory"] >= 2
    assert read_ids(result.chats[0].path) == [i for i, d in sent if since <= d < until]
