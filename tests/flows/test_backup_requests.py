"""What a backup asks Telegram for each chat: no request a plain script would not send.

`tgtui backup` asks for everything it needs before the first history request in one round
(the chats, who the account is, and for a new backup the account's update state), beside
Telethon's own requests when it connects, and sends nothing else before it.

A page that comes back shorter than asked, in a chat whose count says nothing is missing, is
the chat's last: the run does not ask once more for an empty page (a round trip per chat,
which at Telegram's latency doubled the time of every small chat). Telegram leaves out of
some channels' pages messages it may not show in a country, still counting them; such a
short page is not the end, and those chats are still read whole.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, utils

from tests.flows.backup_helpers import read_ids, targets
from tests.flows.cli_process import run_tgtui
from tests.sandbox_process import start_sandbox_process
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.media_paths import MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world_types import Chat

NO_MEDIA = MediaFilter(frozenset(), None)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Chats of every kind, from a handful of messages to several pages (none big enough to
    be fetched in windows)."""
    return SandboxOptions(world=WorldOptions(seed=23, dialogs=30, messages=700, media=False))


def at(request: dict[str, Any]) -> float:
    """When a traced request arrived."""
    return float(request["at"])


def _history_requests(server: SandboxServer) -> Counter[int]:
    """messages.getHistory requests per chat (Telethon-marked id)."""
    return Counter(
        utils.get_peer_id(entry.request.peer) for entry in server.log.of("messages.getHistory")
    )


async def test_each_chat_costs_its_pages_and_no_empty_one(
    sandbox: SandboxServer, client: TelegramClient, tmp_path: Path
) -> None:
    chats = await targets(client)
    sandbox.log.clear()
    result = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA)).run(chats)
    assert result.all_complete
    asked = _history_requests(sandbox)
    sizes = {c.target.chat_id: c.messages for c in result.chats}
    assert any(0 < size < 100 for size in sizes.values())
    assert any(size > 100 for size in sizes.values())
    # A page of 100 is not short: one more (empty) page follows it, as it must.
    expected = {chat: size // 100 + 1 for chat, size in sizes.items() if size}
    assert {chat: asked[chat] for chat in expected} == expected


def _chat(server: SandboxServer, chat_id: int) -> Chat:
    world = server.world
    return next(world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == chat_id)


async def test_a_channel_that_withholds_messages_is_still_read_whole(
    sandbox: SandboxServer, client: TelegramClient, tmp_path: Path
) -> None:
    channels = [t for t in await targets(client) if _chat(sandbox, t.chat_id).kind.is_channel]
    withheld = [t for t in channels if len(sandbox.history.view(_chat(sandbox, t.chat_id))) > 20]
    assert withheld
    sandbox.faults.withheld.update(t.chat_id for t in withheld)
    result = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA)).run(withheld)
    assert result.all_complete
    for outcome in result.chats:
        view = sandbox.history.view(_chat(sandbox, outcome.target.chat_id))
        shown = sorted(msg_id for msg_id in view if msg_id % 10)
        assert read_ids(outcome.path) == shown


CONNECTING = {"help.getConfig", "users.getUsers", "updates.getState", "updates.getDifference"}
# The account's own data (--all keeps it): asked beside the chat list, in the same round.
ACCOUNT = {
    "users.getFullUser",
    "photos.getUserPhotos",
    "stories.getPinnedStories",
    "stories.getStoriesArchive",
    "contacts.getContacts",
    "contacts.getTopPeers",
    "account.getAuthorizations",
    "account.getWebAuthorizations",
}


def _asked_beside_the_chat_list(log: Path) -> list[str]:
    """The methods a run sent (the trace in ``log``, emptied), checking that all it sent
    before its first history request (if any) was connecting and one round: nothing arrived
    after the chat list was answered."""
    requests = sorted((json.loads(line) for line in log.read_text().splitlines()), key=at)
    log.write_text("")
    methods = [r["method"] for r in requests]
    first_history = (
        methods.index("messages.getHistory") if "messages.getHistory" in methods else None
    )
    before = requests[:first_history]
    assert {r["method"] for r in before} <= CONNECTING | ACCOUNT | {"messages.getDialogs"}
    listed = min(r["answered"] for r in before if r["method"] == "messages.getDialogs")
    assert [r["method"] for r in before if r["at"] > listed] == []
    return methods


async def test_the_command_asks_for_nothing_between_the_chat_list_and_the_history(
    tmp_path: Path,
) -> None:
    """A new backup's update state, and an incremental run's account difference, are asked
    for beside the chat list (the old way asked for them once it came back: a round trip
    more before the first history request, or before the end of a run with nothing new)."""
    log = tmp_path / "requests.jsonl"
    process, info = await start_sandbox_process(
        "--dialogs", "12", "--messages", "300", "--seed", "7", "--latency-ms", "20",
        "--session-out", str(tmp_path / "sandbox.session"), "--request-log", str(log),
    )  # fmt: skip
    out = tmp_path / "backup"
    command = ("backup", "--all", "--no-media", "--out", str(out))
    try:
        code, _, err = await run_tgtui(tmp_path, info, *command)
        assert code == 0, err
        first = _asked_beside_the_chat_list(log)
        assert first.count("updates.getState") == 2  # Telethon's, connecting; and the run's
        assert (out / "updates-state.json").exists()  # saved, for the next run
        code, _, err = await run_tgtui(tmp_path, info, *command)
        assert code == 0, err
        again = _asked_beside_the_chat_list(log)
    finally:
        process.terminate()
        await process.wait()
    # Nothing new: the account's difference, asked beside the chat list, and the chats'
    # pts in that list said so; no channel difference, no history.
    assert "messages.getHistory" not in again
    assert "updates.getChannelDifference" not in again
    assert again.count("updates.getDifference") == 2  # Telethon's, connecting; and the run's
    assert set(first) >= ACCOUNT  # --all keeps the account's data, asked in that one round
    assert "channels.getLeftChannels" not in first  # only in a data export (--takeout)


async def test_channels_whose_listed_pts_is_the_saved_one_cost_no_request(
    sandbox: SandboxServer, client: TelegramClient, tmp_path: Path
) -> None:
    """The chat list gives each channel's pts; a run made from a list just made asks no
    channel difference where that pts is the one saved, and still finds what changed."""
    first = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA)).run(
        await targets(client), listed=True
    )
    assert first.all_complete
    channels = [c.target for c in first.chats if _chat(sandbox, c.target.chat_id).kind.is_channel]
    assert len(channels) >= 2
    changed = _chat(sandbox, channels[0].chat_id)
    edited = sandbox.history.view(changed)[3]
    sandbox.living.edit(changed, edited, "edited after the first run")
    sandbox.living.say(changed, "new after the first run")
    sandbox.log.clear()
    second = await BackupEngine(client, BackupOptions(tmp_path, media=NO_MEDIA)).run(
        await targets(client),
        listed=True,  # listed again, after the changes
    )
    assert second.all_complete
    asked = [
        utils.get_peer_id(entry.request.channel)
        for entry in sandbox.log.of("updates.getChannelDifference")
    ]
    assert asked == [channels[0].chat_id]  # the one that changed, and no other
    outcome = next(c for c in second.chats if c.target.chat_id == changed.marked_id)
    assert outcome.new == 1
    versions = (outcome.path / "edits.jsonl").read_text(encoding="utf-8")
    assert "edited after the first run" in versions
