"""Keeping the archive true on the living sandbox: edits and deletions of old messages are
found by the next incremental run, by channel difference, account difference, or a re-check
when no state was saved or Telegram says the difference is too long; each version and each
deletion written exactly once; and the request counts that cost."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import jsonl_contents, targets
from tgtui.backup.catch_up import STATE_FILE, is_channel_id
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter
from tgtui.format.versions import latest_view
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat

NO_MEDIA = MediaFilter(frozenset(), None)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=23, dialogs=12, messages=1200), box_size=500)


def _options(out: Path) -> BackupOptions:
    return BackupOptions(out, media=NO_MEDIA)


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _chat(sandbox: SandboxServer, target: ChatTarget) -> Chat:
    world = sandbox.world
    return next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == target.chat_id
    )


def _all_lines(out: Path) -> dict[Path, bytes]:
    """Every JSONL file of a backup (messages, edits, deletions), byte for byte."""
    return {path: path.read_bytes() for path in out.rglob("*.jsonl")}


def _forget_states(out: Path) -> None:
    """Make ``out`` look like a backup from before tgtui followed edits."""
    (out / STATE_FILE).unlink()
    for state in out.glob("chats/*/state.json"):
        data = json.loads(state.read_text())
        data.pop("pts", None)
        data.pop("tracked", None)
        state.write_text(json.dumps(data))


def _change_old_history(
    sandbox: SandboxServer,
    chats: list[ChatTarget],
    rng: random.Random,
    count: int,
    times: dict[int, dict[int, int]] | None = None,
) -> tuple[dict[int, dict[int, str]], dict[int, set[int]]]:
    """Edit and delete ``count`` each of the messages already saved, spread through the
    chats' histories; what was edited (chat -> id -> latest text) and deleted (chat -> ids).
    ``times`` gets how many times each message still there was edited (a message may be
    edited twice, within one second)."""
    edited: dict[int, dict[int, str]] = {}
    deleted: dict[int, set[int]] = {}
    times = {} if times is None else times
    for n in range(count * 2):
        target = chats[n % len(chats)]
        chat = _chat(sandbox, target)
        view = sandbox.history.view(chat)
        for _ in range(20):
            msg_id = view[rng.randrange(1, len(view))]
            if msg_id not in deleted.get(target.chat_id, set()):
                break
        if n % 2 == 0:
            text = f"edited {n}"
            if sandbox.living.edit(chat, msg_id, text) is not None:
                edited.setdefault(target.chat_id, {})[msg_id] = text
                mine = times.setdefault(target.chat_id, {})
                mine[msg_id] = mine.get(msg_id, 0) + 1
        elif sandbox.living.delete(chat, [msg_id]):
            deleted.setdefault(target.chat_id, set()).add(msg_id)
            edited.get(target.chat_id, {}).pop(msg_id, None)
            times.get(target.chat_id, {}).pop(msg_id, None)
    return edited, deleted


async def test_edits_and_deletions_through_old_history_are_all_found_once(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 8)
    assert any(is_channel_id(c.chat_id) for c in chats)
    assert any(not is_channel_id(c.chat_id) for c in chats)
    first = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert first.all_complete
    saved_first = jsonl_contents(tmp_path)
    times: dict[int, dict[int, int]] = {}
    edited, deleted = _change_old_history(sandbox, chats, random.Random(3), 25, times)
    sandbox.log.clear()
    second = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert second.all_complete
    assert jsonl_contents(tmp_path) == saved_first  # first versions stay, byte for byte
    # One account difference; one channel difference per channel; no history, no re-check.
    channels = [c for c in chats if is_channel_id(c.chat_id)]
    assert len(sandbox.log.of("updates.getDifference")) == 1
    assert len(sandbox.log.of("updates.getChannelDifference")) == len(channels)
    assert len(sandbox.log.of("messages.getHistory")) == 0
    for result in second.chats:
        folder = result.path
        versions = {r["id"]: r for r in _lines(folder / "edits.jsonl")}
        wanted = edited.get(result.target.chat_id, {})
        assert {i: r["text"] for i, r in versions.items()} == wanted
        assert all(r["edited"] for r in versions.values())
        gone = {r["id"] for r in _lines(folder / "deleted.jsonl")}
        assert gone == deleted.get(result.target.chat_id, set())
        edits = sum(times.get(result.target.chat_id, {}).values())  # every edit, once
        assert (result.edits, result.deletions) == (edits, len(gone))
        view = {r["id"]: r for r in latest_view(folder)}
        for msg_id, text in wanted.items():
            assert view[msg_id]["text"] == text
            # The difference holds every edit: each is a version, the latest shown.
            assert view[msg_id]["versions"] == 1 + times[result.target.chat_id][msg_id]
        for msg_id in gone:
            assert "deleted_on_telegram" in view[msg_id]  # marked, never dropped
    # A third run finds nothing more and writes nothing twice.
    before = _all_lines(tmp_path)
    third = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert all((c.edits, c.deletions, c.new) == (0, 0, 0) for c in third.chats)
    assert _all_lines(tmp_path) == before


async def test_without_a_saved_state_the_saved_range_is_rechecked(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 6)
    await BackupEngine(app_client, _options(tmp_path)).run(chats)
    _forget_states(tmp_path)  # as a backup made before tgtui followed edits
    edited, deleted = _change_old_history(sandbox, chats, random.Random(9), 10)
    sandbox.log.clear()
    result = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert result.all_complete
    for chat in result.chats:
        versions = {r["id"]: r["text"] for r in _lines(chat.path / "edits.jsonl")}
        assert versions == edited.get(chat.target.chat_id, {})
        gone = {r["id"] for r in _lines(chat.path / "deleted.jsonl")}
        assert gone == deleted.get(chat.target.chat_id, set())
        assert {r["noticed_by"] for r in _lines(chat.path / "deleted.jsonl")} <= {"re-check"}
    assert len(sandbox.log.of("messages.getHistory")) > len(chats)  # pages were read again
    # From then on the states are saved: the next run is cheap again.
    sandbox.log.clear()
    await BackupEngine(app_client, _options(tmp_path)).run(chats)
    channels = [c for c in chats if is_channel_id(c.chat_id)]
    assert len(sandbox.log.entries) == len(channels) + 1


async def test_a_too_long_channel_difference_falls_back_and_finds_everything(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = [c for c in await targets(app_client) if is_channel_id(c.chat_id)][:1]
    await BackupEngine(app_client, _options(tmp_path)).run(chats)
    chat = _chat(sandbox, chats[0])
    view = sandbox.history.view(chat)
    old_edit, old_gone = view[len(view) // 2], view[len(view) // 3]
    sandbox.living.edit(chat, old_edit, "changed long ago")
    sandbox.living.delete(chat, [old_gone])
    for n in range(520):  # more updates than the box keeps (500)
        sandbox.living.post(chat, f"chatter {n}")
    result = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    folder = result.chats[0].path
    assert {r["id"]: r["text"] for r in _lines(folder / "edits.jsonl")} == {
        old_edit: "changed long ago"
    }
    assert [r["id"] for r in _lines(folder / "deleted.jsonl")] == [old_gone]
    assert result.chats[0].new == 520
    ids = [r["id"] for r in _lines(folder / "messages.jsonl")]
    assert ids == sorted(set(ids))  # every new message once, in order


async def _archive_matches_server(sandbox: SandboxServer, folder: Path, target: ChatTarget) -> bool:
    """The chat's files say what the server says now: every message there saved once (in
    its latest version, by `latest_view`), every saved message gone from the server marked
    deleted."""
    chat = _chat(sandbox, target)
    view = sandbox.history.view(chat)
    server = {view[j]: getattr(view.message_at(j), "message", None) for j in range(len(view))}
    saved = {r["id"]: r for r in latest_view(folder)}
    if not set(server) <= set(saved):
        return False
    for msg_id, record in saved.items():
        if msg_id in server:
            if "deleted_on_telegram" in record:
                return False
            if server[msg_id] and record.get("text") != server[msg_id]:
                return False
        elif "deleted_on_telegram" not in record:
            return False
    ids = [r["id"] for r in _lines(folder / "messages.jsonl")]
    return ids == sorted(set(ids))


async def test_following_keeps_every_chat_true_as_others_write_edit_and_delete(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tgtui.backup.follow import Follower

    chats = await targets(app_client, 6)
    engine = BackupEngine(app_client, _options(tmp_path))
    follower = Follower(engine, chats, sweep=3.0, settle=0.05)
    task = asyncio.create_task(engine.run(chats, follow=follower.run))
    await asyncio.wait_for(follower.started.wait(), 30)  # the backup has caught up
    folders = {c.chat_id: tmp_path / engine.manifest.chats[c.chat_id].path for c in chats}
    rng = random.Random(17)
    for _ in range(60):  # others at work while tgtui follows
        sandbox.living.act(rng)
        await asyncio.sleep(0.01)

    async def true_now() -> bool:
        for target in chats:
            folder = folders[target.chat_id]
            if not await _archive_matches_server(sandbox, folder, target):
                return False
        return True

    deadline = asyncio.get_running_loop().time() + 60  # seconds alone; more on a busy machine
    while not await true_now():
        assert asyncio.get_running_loop().time() < deadline, "the archive never caught up"
        await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await true_now()  # stopping loses nothing
    assert any(_lines(folders[c.chat_id] / "edits.jsonl") for c in chats)
    assert follower.state.rounds >= 1
