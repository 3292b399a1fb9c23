"""Follow mode tells the truth about what it could not do: a chat that cannot be brought up
to date while following (it became private, a fault outlasting its retries) is tried again,
stays "not up to date" until it is, and the run's result says so (its exit code is 1) if
it never is. Real Telethon client against the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.tl import functions

from tests.flows.backup_helpers import read_ids, targets
from tgtui.backup.catch_up import is_channel_id
from tgtui.backup.engine import BackupEngine, BackupOptions, chat_folder
from tgtui.backup.follow import Follower, Following
from tgtui.backup.job import BackupJob
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.rpc import HANDLERS, Call, RpcError
from tgtui.sandbox.world import Chat

NO_MEDIA = MediaFilter(frozenset(), None)
_WORLD = WorldOptions(seed=41, dialogs=6, messages=200)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=_WORLD)


def _world_chat(sandbox: SandboxServer, target: ChatTarget) -> Chat:
    world = sandbox.world
    return next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == target.chat_id
    )


async def _until(check: Callable[[], bool], what: str, within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


def _following(
    made: list[Follower], stop: asyncio.Event
) -> Callable[[BackupEngine, list[ChatTarget]], Awaitable[Following | None]]:
    """Follow (quick sweeps and retries) until ``stop`` is set, as `tgtui backup --follow`
    does until SIGTERM; what arrived goes back to the job."""

    async def follow(engine: BackupEngine, chats: list[ChatTarget]) -> Following | None:
        follower = Follower(engine, chats, sweep=1.0, settle=0.05, retry=0.2)
        made.append(follower)
        task = asyncio.create_task(follower.run())
        await stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return follower.state

    return follow


async def test_a_chat_that_cannot_be_brought_up_to_date_is_told_and_tried_again(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    channel = next(c for c in chats if is_channel_id(c.chat_id))
    job = BackupJob(app_client, chats, BackupOptions(tmp_path, media=NO_MEDIA))
    made: list[Follower] = []
    stop = asyncio.Event()
    run = asyncio.create_task(job.run(follow=_following(made, stop)))
    await _until(lambda: bool(made) and made[0].started.is_set(), "never began following")
    follower = made[0]
    sandbox.faults.private.add(channel.chat_id)  # the channel shuts the account out
    missed = sandbox.living.say(_world_chat(sandbox, channel), "said while shut out")
    await _until(lambda: channel.chat_id in follower.state.behind, "never told")
    rounds = follower.state.rounds
    await _until(lambda: follower.state.rounds > rounds + 2, "never tried again")
    assert channel.chat_id in follower.state.behind  # still not up to date, still said
    assert missed.id not in read_ids(chat_folder(tmp_path, channel))

    sandbox.faults.private.discard(channel.chat_id)  # let in again: caught up, not lost
    await _until(lambda: channel.chat_id not in follower.state.behind, "never caught up")
    assert missed.id in read_ids(chat_folder(tmp_path, channel))
    assert follower.state.arrived[channel.chat_id].new >= 1
    stop.set()
    result = await asyncio.wait_for(run, 60)
    assert result.all_complete
    mine = next(c for c in result.chats if c.target.chat_id == channel.chat_id)
    assert mine.messages == len(read_ids(chat_folder(tmp_path, channel)))
    assert mine.new == mine.messages  # the first copy and what arrived while following


async def test_a_run_whose_chat_was_never_brought_up_to_date_is_not_complete(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    channel = next(c for c in chats if is_channel_id(c.chat_id))
    job = BackupJob(app_client, chats, BackupOptions(tmp_path, media=NO_MEDIA))
    made: list[Follower] = []
    stop = asyncio.Event()
    run = asyncio.create_task(job.run(follow=_following(made, stop)))
    await _until(lambda: bool(made) and made[0].started.is_set(), "never began following")
    sandbox.faults.private.add(channel.chat_id)
    sandbox.living.say(_world_chat(sandbox, channel), "said while shut out")
    await _until(lambda: channel.chat_id in made[0].state.behind, "never told")
    stop.set()
    result = await asyncio.wait_for(run, 60)
    assert not result.all_complete  # `tgtui backup --follow` exits 1
    mine = next(c for c in result.chats if c.target.chat_id == channel.chat_id)
    assert mine.status == "skipped"
    assert mine.reason


@pytest.mark.parametrize("sandbox_options", [SandboxOptions(world=_WORLD, box_size=5)])
@pytest.mark.parametrize("how", ["too long", "refused"])
async def test_a_sweep_whose_account_difference_did_not_follow_rechecks_the_account_chats(
    app_client: TelegramClient,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """While following, the account's box moved on further than Telegram keeps (a long
    outage, the laptop asleep): its difference is "too long" (or refused), says no chat,
    and the private chats and basic groups are no longer followed by it. The sweep then
    re-checks each of them, as a run would: a deletion that happened meanwhile is marked
    now, not left for a later run (core.telegram.org/api/updates: after "too long" the
    state is fetched again and what it covered is read again)."""
    chats = await targets(app_client)
    group = next(c for c in chats if c.type == "private_group")
    engine = BackupEngine(app_client, BackupOptions(tmp_path, media=NO_MEDIA))
    assert (await engine.run(chats)).all_complete
    assert engine.account_followed
    folder = chat_folder(tmp_path, group)
    saved = read_ids(folder)
    chat = _world_chat(sandbox, group)
    living = sandbox.living
    # Nothing pushed: the follower learns of it only by its sweep, as after an outage.
    assert living.delete_event(chat, [saved[-2]]) is not None
    if how == "too long":
        for _ in range(living.account.size + 1):  # the box keeps no update from before
            assert living.edit_event(chat, saved[-1], f"edit {living.account.pts}") is not None
    else:
        difference = functions.updates.GetDifferenceRequest

        async def refused(call: Call, request: Any) -> Any:
            raise RpcError(400, "PERSISTENT_TIMESTAMP_INVALID")

        monkeypatch.setitem(HANDLERS, difference, refused)
    follower = Follower(engine, chats, sweep=300)
    await follower._round(sweep=True)  # the round a sweep (or the link back) makes
    assert not engine.account_complete
    deleted = folder / "deleted.jsonl"
    gone = [json.loads(line)["id"] for line in deleted.open()] if deleted.exists() else []
    assert saved[-2] in gone  # marked by this sweep, not by some later run
    assert follower.state.latest[group.chat_id].deletions == 1
