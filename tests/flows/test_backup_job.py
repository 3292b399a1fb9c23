"""A backup job against the sandbox: estimate, pause and resume, cancel one chat or all,
failures listed with their reasons, and a retry that completes them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, server_ids, targets
from tgtui.backup.engine import CANCELLED, BackupOptions, chat_folder
from tgtui.backup.job import BackupJob
from tgtui.backup.progress import BackupEvent
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions

ALL = MediaFilter(ALL_KINDS)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=31, dialogs=6, messages=600, max_file_size=2 * 1024 * 1024)
    return SandboxOptions(world=world)


class Watch:
    """A job's listener that lets a test wait for a condition on the job's rows."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def __call__(self, event: BackupEvent) -> None:
        self.event.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(20):
            while not condition():
                self.event.clear()
                await self.event.wait()


async def _assert_exact(client: TelegramClient, job: BackupJob) -> None:
    for row in job.rows.values():
        folder = chat_folder(job.options.out, row.target)
        assert read_ids(folder) == await server_ids(client, row.target)


async def test_estimate_counts_each_chat_from_one_request(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 4)
    job = BackupJob(app_client, chats, BackupOptions(tmp_path, media=ALL))
    sandbox.log.clear()
    await job.estimate()
    assert len(sandbox.log.of("messages.getHistory")) == len(chats)
    for row in job.rows.values():
        assert row.estimate is not None
        assert row.estimate.messages == len(await server_ids(app_client, row.target))
        assert row.total == row.estimate.messages
        assert row.done == 0
    assert sum(r.estimate.media_bytes for r in job.rows.values() if r.estimate) > 0
    # After a backup, the estimate knows what is on disk already.
    await job.run()
    again = BackupJob(app_client, chats, BackupOptions(tmp_path, media=ALL))
    await again.estimate()
    for row in again.rows.values():
        assert row.estimate is not None
        assert row.estimate.to_fetch == 0
        assert row.estimate.media_files == 0
        assert row.done == row.total


async def test_pause_sends_nothing_until_resumed_and_loses_nothing(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 4)
    sandbox.faults.apply("latency=20")
    watch = Watch()
    job = BackupJob(app_client, chats, BackupOptions(tmp_path, batch_size=50), listener=watch)
    run = asyncio.create_task(job.run())
    await watch.until(lambda: job.totals().new > 100)
    job.pause()
    assert job.is_paused()
    await asyncio.sleep(0.3)  # requests already sent come back
    sent = len(sandbox.log.of("messages.getHistory"))
    done = job.totals().new
    await asyncio.sleep(1.0)
    assert len(sandbox.log.of("messages.getHistory")) == sent
    assert job.totals().new == done
    assert not run.done()
    job.resume()
    result = await asyncio.wait_for(run, 60)
    sandbox.faults.apply("latency=0")
    assert result.all_complete
    assert {r.status for r in job.rows.values()} == {"done"}
    await _assert_exact(app_client, job)


async def test_pausing_one_chat_lets_the_others_finish(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    sandbox.faults.apply("latency=20")
    watch = Watch()
    job = BackupJob(app_client, chats, BackupOptions(tmp_path, batch_size=50), listener=watch)
    held = chats[0].chat_id
    job.pause(held)
    run = asyncio.create_task(job.run())
    await watch.until(lambda: all(r.ended for r in job.rows.values() if r.chat_id != held))
    assert not job.rows[held].ended
    assert job.rows[held].new == 0
    job.resume(held)
    result = await asyncio.wait_for(run, 60)
    sandbox.faults.apply("latency=0")
    assert result.all_complete
    await _assert_exact(app_client, job)


async def test_cancel_one_chat_keeps_what_it_saved_and_a_retry_completes_it(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    sandbox.faults.apply("latency=20")
    options = BackupOptions(tmp_path, batch_size=50, concurrency=1)
    watch = Watch()
    job = BackupJob(app_client, chats, options, listener=watch)
    first, queued, last = (c.chat_id for c in chats)
    run = asyncio.create_task(job.run())
    await watch.until(lambda: job.rows[first].new >= 100)
    job.cancel(queued)  # still waiting for its turn
    job.cancel(first)  # half way
    result = await asyncio.wait_for(run, 60)
    sandbox.faults.apply("latency=0")
    by_id = {c.target.chat_id: c for c in result.chats}
    assert (by_id[first].status, by_id[first].reason) == ("partial", CANCELLED)
    assert 100 <= by_id[first].messages < len(await server_ids(app_client, chats[0]))
    assert (by_id[queued].status, by_id[queued].reason) == ("skipped", CANCELLED)
    assert not chat_folder(tmp_path, chats[1]).exists()  # never touched
    assert by_id[last].status == "complete"
    assert job.failures() == []  # cancelling is not a failure
    assert job.failure_count() == 0
    assert sorted(job.retryable()) == sorted([first, queued])
    saved = read_ids(chat_folder(tmp_path, chats[0]))
    again = await job.run(only=job.retryable())
    assert again.all_complete
    assert read_ids(chat_folder(tmp_path, chats[0]))[: len(saved)] == saved
    await _assert_exact(app_client, job)


async def test_cancel_all_stops_every_chat_consistently(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 4)
    sandbox.faults.apply("latency=20")
    watch = Watch()
    job = BackupJob(
        app_client, chats, BackupOptions(tmp_path, batch_size=50, concurrency=2), listener=watch
    )
    run = asyncio.create_task(job.run())
    await watch.until(lambda: job.totals().new > 100)
    job.pause()  # a paused run can be cancelled too
    job.cancel()
    result = await asyncio.wait_for(run, 30)
    sandbox.faults.apply("latency=0")
    assert {c.reason for c in result.chats} == {CANCELLED}
    assert not job.running
    again = BackupJob(app_client, chats, BackupOptions(tmp_path))
    assert (await again.run()).all_complete
    await _assert_exact(app_client, again)


async def test_failed_files_are_listed_with_reasons_and_retried(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 2)
    sandbox.faults.apply("file-ref-ttl=0")  # no file reference can be renewed in time
    job = BackupJob(app_client, chats, BackupOptions(tmp_path, media=ALL))
    result = await job.run()
    sandbox.faults.apply("file-ref-ttl=3600")
    assert not result.all_complete
    failures = job.failures()
    assert failures
    assert all(f.what.startswith("file of message ") for f in failures)
    assert all("could not be renewed" in f.reason for f in failures)
    assert job.totals().media_failed == len(failures)
    assert job.failure_count() == len(failures)
    assert set(job.retryable()) == {f.chat_id for f in failures}
    again = await job.run(only=job.retryable())
    assert again.all_complete
    assert job.failures() == []
