"""The backup engine against the sandbox: exactly once, resumable, incremental, fault-proof."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import jsonl_contents, read_ids, read_records, server_ids, targets
from tgtui.backup.engine import BackupAborted, BackupEngine, BackupOptions
from tgtui.backup.progress import BackupEvent, ChatFinished, ChatProgress, Waiting
from tgtui.retry import FloodGate
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=11, dialogs=12, messages=700))


async def test_full_backup_is_exact_ascending_and_documented(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    events: list[BackupEvent] = []
    engine = BackupEngine(
        app_client, BackupOptions(tmp_path, batch_size=64), on_event=events.append
    )
    result = await engine.run(chats)
    assert result.all_complete
    kinds: set[str] = set()
    for chat in result.chats:
        ids = read_ids(chat.path)
        assert ids == await server_ids(app_client, chat.target)  # every message, once, in order
        assert chat.messages == len(ids)
        for record in read_records(chat.path):
            kinds.add(record.get("media_type") or record["type"])
            assert record["date"] is not None
            assert record["date_unixtime"].isdigit()
    assert {"message", "service", "photo", "poll", "voice_message"} <= kinds
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["schema_version"] == 1
    assert {c["status"] for c in manifest["chats"]} == {"complete"}
    assert {c["id"] for c in manifest["chats"]} == {t.chat_id for t in chats}
    for entry in manifest["chats"]:
        assert (tmp_path / entry["path"] / "messages.jsonl").exists()
    done = [e for e in events if isinstance(e, ChatFinished)]
    assert len(done) == len(chats)
    assert any(isinstance(e, ChatProgress) and e.total for e in events)


def _every_file(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a backup but its lock (which names the run holding it): its bytes and
    when it was last written."""
    return {
        str(path.relative_to(out)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in out.rglob("*")
        if path.is_file() and path.name != ".tgtui.lock"
    }


async def test_second_run_asks_at_most_one_request_per_unchanged_chat_and_writes_nothing(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 6)
    await BackupEngine(app_client, BackupOptions(tmp_path)).run(chats)
    before = jsonl_contents(tmp_path)
    files_before = _every_file(tmp_path)
    sandbox.log.clear()
    result = await BackupEngine(app_client, BackupOptions(tmp_path)).run(chats)
    assert result.all_complete
    assert all(chat.new == 0 for chat in result.chats)
    channels = [c for c in chats if c.chat_id <= -1_000_000_000_000]
    assert 0 < len(channels) < len(chats)
    # A channel: one getChannelDifference, which says nothing changed, and no history read.
    # Private chats and basic groups: one account difference for all of them names none,
    # so no history is read either.
    assert len(sandbox.log.of("updates.getChannelDifference")) == len(channels)
    assert len(sandbox.log.of("messages.getHistory")) == 0
    assert len(sandbox.log.of("updates.getDifference")) == 1
    assert len(sandbox.log.entries) == len(channels) + 1
    assert jsonl_contents(tmp_path) == before
    # Nothing new: no file is made, written or even rewritten the same (SCHEMA.md: edits.jsonl
    # and deleted.jsonl exist only if there is something in them).
    assert _every_file(tmp_path) == files_before
    # Something new arrives: only it is appended.
    sent = await app_client.send_message(chats[0].input_peer, "written after the first backup")
    result = await BackupEngine(app_client, BackupOptions(tmp_path)).run(chats[:1])
    assert result.chats[0].new == 1
    records = read_records(result.chats[0].path)
    assert records[-1]["id"] == sent.id
    assert records[-1]["text"] == "written after the first backup"


async def test_cancelled_run_resumes_exactly_once(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chats = await targets(app_client, 5)
    seen = 0
    stop = asyncio.Event()

    def count(event: BackupEvent) -> None:
        nonlocal seen
        if isinstance(event, ChatProgress):
            seen += 1
            if seen == 7:
                stop.set()

    engine = BackupEngine(app_client, BackupOptions(tmp_path, batch_size=50), on_event=count)
    task = asyncio.create_task(engine.run(chats))
    await stop.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    partial = json.loads((tmp_path / "manifest.json").read_text())
    assert "partial" in {c["status"] for c in partial["chats"]}
    result = await BackupEngine(app_client, BackupOptions(tmp_path)).run(chats)
    assert result.all_complete
    for chat in result.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)


async def test_drops_and_server_errors_mid_run_lose_nothing(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 4)
    sandbox.faults.apply("rpc500:messages.getHistory=0.2")
    sandbox.faults.apply("drop-rate=0.03")
    waits: list[Waiting] = []

    def note(event: BackupEvent) -> None:
        if isinstance(event, Waiting):
            waits.append(event)

    result = await BackupEngine(app_client, BackupOptions(tmp_path), on_event=note).run(chats)
    sandbox.faults.apply("drop-rate=0")
    sandbox.faults.apply("rpc500:messages.getHistory=0")
    assert result.all_complete
    assert waits  # the faults really happened and were reported
    for chat in result.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)


async def test_flood_waits_are_honoured_exactly_and_shared(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 4)
    sandbox.faults.apply("flood:messages.getHistory=8/2")
    waits: list[Waiting] = []
    learned: list[tuple[float, float]] = []  # (when the client learned of a wait, seconds)

    def note(event: BackupEvent) -> None:
        if isinstance(event, Waiting) and event.kind == "flood":
            waits.append(event)
            learned.append((time.time(), event.seconds))

    options = BackupOptions(tmp_path, concurrency=4)
    result = await BackupEngine(app_client, options, on_event=note).run(chats)
    assert result.all_complete
    assert waits
    log = sandbox.log.of("messages.getHistory")
    floods = [e for e in log if e.error and e.error.startswith("FLOOD_WAIT_")]
    assert floods
    # Nothing of that kind is sent while a wait is on. When each request was sent is the
    # client's own clock in its msg_id (Telethon's: seconds, then nanoseconds << 2), and it is
    # compared with when the client learned of the wait: requests already on their way then
    # (from the other chats) are not the client's fault, however late the server reads them.
    offset = app_client._sender._state.time_offset
    sent = [(e.msg_id >> 32) + ((e.msg_id & 0xFFFFFFFF) >> 2) / 1e9 - offset for e in log]
    end = 0.0
    for at, seconds in learned:
        if at < end:
            continue  # a request in flight met the same wait: the same wave
        end = at + seconds
        early = [s for s in sent if at + 0.02 < s < end - 0.05]
        assert early == [], f"{len(early)} requests sent inside a {seconds:.0f} s wait"
    # The first FLOOD_WAIT teaches the gate the limit: only the requests in flight then (one
    # per chat) meet it; after that, calls are spread so that no window overflows.
    assert len(floods) <= len(chats)
    sandbox.faults.flood.clear()  # let the independent check below read freely
    for chat in result.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)


async def test_private_chat_is_skipped_with_its_reason(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 5)
    channel = next(t for t in chats if t.chat_id < -1_000_000_000_000)
    sandbox.faults.apply(f"private={channel.chat_id}")
    result = await BackupEngine(app_client, BackupOptions(tmp_path)).run(chats)
    by_id = {c.target.chat_id: c for c in result.chats}
    assert by_id[channel.chat_id].status == "skipped"
    assert "private" in (by_id[channel.chat_id].reason or "")
    assert all(c.status == "complete" for i, c in by_id.items() if i != channel.chat_id)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    entry = next(c for c in manifest["chats"] if c["id"] == channel.chat_id)
    assert entry["status"] == "skipped"
    assert "private" in entry["reason"]


async def test_date_range_jumps_to_since_and_stops_at_until(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    sizes = {t.chat_id: len(await server_ids(app_client, t)) for t in chats}
    big = max(chats, key=lambda t: sizes[t.chat_id])
    dates = sorted(
        [m.date async for m in app_client.iter_messages(big.input_peer, limit=None, wait_time=0)]
    )
    since, until = dates[len(dates) // 2], dates[len(dates) * 3 // 4]
    sandbox.log.clear()
    options = BackupOptions(tmp_path, since=since, until=until)
    result = await BackupEngine(app_client, options).run([big])
    records = read_records(result.chats[0].path)
    assert records
    got = [dt.datetime.fromtimestamp(int(r["date_unixtime"]), dt.UTC) for r in records]
    assert min(got) >= since
    assert max(got) < until
    expected = [d for d in dates if since <= d < until]
    assert len(records) == len(expected)
    requests = sandbox.log.of("messages.getHistory")
    assert len(requests) <= 2 + len(expected) // 100  # a jump, then pages of the range only


async def test_disk_failure_aborts_cleanly_and_a_rerun_completes(
    app_client: TelegramClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    chats = await targets(app_client, 3)
    real_write = os.write
    budget = [40_000]

    def filling_disk(fd: int, data: bytes | memoryview) -> int:
        if budget[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        budget[0] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", filling_disk)
    with pytest.raises(BackupAborted, match="No space left on device"):
        await BackupEngine(app_client, BackupOptions(tmp_path, batch_size=40)).run(chats)
    monkeypatch.setattr(os, "write", real_write)
    result = await BackupEngine(app_client, BackupOptions(tmp_path)).run(chats)
    assert result.all_complete
    for chat in result.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)


async def test_every_field_written_is_documented(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    from tgtui.backup.schema import FIELDS

    result = await BackupEngine(app_client, BackupOptions(tmp_path)).run(await targets(app_client))
    written: set[str] = set()
    for chat in result.chats:
        for record in read_records(chat.path):
            written.update(record)
    assert written <= set(FIELDS), f"undocumented: {sorted(written - set(FIELDS))}"
    schema_doc = (Path(__file__).parents[2] / "SCHEMA.md").read_text(encoding="utf-8")
    assert [name for name in FIELDS if f"`{name}`" not in schema_doc] == []


async def test_a_learned_pace_spares_the_next_run_every_flood_wait(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 4)
    sandbox.faults.apply("flood:messages.getHistory=8/2")
    gate = FloodGate()
    first = await BackupEngine(app_client, BackupOptions(tmp_path / "a"), gate=gate).run(chats)
    assert first.all_complete
    floods = [e for e in sandbox.log.of("messages.getHistory") if e.error]
    assert 1 <= len(floods) <= len(chats)  # only the calls in flight at the first one
    pace = gate.paces["messages.getHistory"]
    assert pace.count <= 8
    assert 1.0 <= pace.seconds <= 3.0
    await asyncio.sleep(2.1)  # the first run's calls leave the server's window
    sandbox.log.clear()
    second = await BackupEngine(
        app_client, BackupOptions(tmp_path / "b"), gate=FloodGate(paces=gate.paces)
    ).run(chats)
    assert second.all_complete
    log = sandbox.log.of("messages.getHistory")
    assert len(log) > 8  # it did meet the limit's worth of calls
    assert [e for e in log if e.error] == []  # and not one FLOOD_WAIT
    sandbox.faults.flood.clear()
    for chat in second.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)
