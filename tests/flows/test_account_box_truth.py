"""Private chats and basic groups share the account's update box: once its state is saved
past a change, no later difference names that change again. So everything the difference
said must be on disk before the state is: versions and deletions written, and chats with new
messages marked to be read, whatever happens next (another chat's run, a kill, a manifest
that lags its files). Real Telethon client against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, server_ids, targets
from tgtui.backup.catch_up import is_channel_id
from tgtui.backup.engine import BackupEngine, BackupOptions, chat_folder
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter
from tgtui.format.versions import latest_view
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat

NO_MEDIA = MediaFilter(frozenset(), None)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=31, dialogs=8, messages=300))


def _options(out: Path) -> BackupOptions:
    return BackupOptions(out, media=NO_MEDIA)


def _world_chat(sandbox: SandboxServer, target: ChatTarget) -> Chat:
    world = sandbox.world
    return next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == target.chat_id
    )


async def _account_chats(client: TelegramClient) -> list[ChatTarget]:
    """Private chats and basic groups (the account's box), at least two."""
    chats = [c for c in await targets(client) if not is_channel_id(c.chat_id)]
    assert len(chats) >= 2
    return chats


async def test_news_of_a_chat_left_out_of_a_run_is_read_by_the_next_run_that_takes_it(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """`tgtui backup OTHER` moves the account's state past a new message of CHAT; the next
    `tgtui backup --all` must still read CHAT's new message."""
    chats = await _account_chats(app_client)
    chat, other = chats[0], chats[1]
    assert (await BackupEngine(app_client, _options(tmp_path)).run(chats)).all_complete
    posted, _ = sandbox.living.post(_world_chat(sandbox, chat), "arrived while another ran")
    await BackupEngine(app_client, _options(tmp_path)).run([other])
    result = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert result.all_complete
    folder = chat_folder(tmp_path, chat)
    assert posted.id in read_ids(folder)
    assert read_ids(folder) == await server_ids(app_client, chat)


async def test_a_run_stopped_after_the_account_difference_loses_no_new_message(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A run killed after it saved the account's state and before it read the chat that
    state says has news: the next run reads that chat."""
    chats = await _account_chats(app_client)
    chat = chats[0]
    await BackupEngine(app_client, _options(tmp_path)).run(chats)
    posted, _ = sandbox.living.post(_world_chat(sandbox, chat), "arrived before the kill")
    # What a run does first, and all it did before it was killed.
    await BackupEngine(app_client, _options(tmp_path)).catch_up_account()
    result = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert result.all_complete
    assert posted.id in read_ids(chat_folder(tmp_path, chat))


@pytest.mark.parametrize("manifest", ["behind", "without the chat"])
async def test_changes_to_messages_saved_past_the_manifest_are_kept(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path, manifest: str
) -> None:
    """The manifest is written at most once a second: a kill leaves it behind the chat's
    files (or without a chat whose first run was killed). An edit and a deletion of messages
    saved after it must still be kept: the files say what is saved, not the manifest."""
    chats = await _account_chats(app_client)
    chat = chats[0]
    await BackupEngine(app_client, _options(tmp_path)).run(chats)
    world_chat = _world_chat(sandbox, chat)
    path = tmp_path / "manifest.json"
    before_news = json.loads(path.read_text())
    kept, _ = sandbox.living.post(world_chat, "to be edited")
    doomed, _ = sandbox.living.post(world_chat, "to be deleted")
    await BackupEngine(app_client, _options(tmp_path)).run([chat])
    assert {kept.id, doomed.id} <= set(read_ids(chat_folder(tmp_path, chat)))
    if manifest == "without the chat":
        before_news["chats"] = [c for c in before_news["chats"] if c["id"] != chat.chat_id]
    path.write_text(json.dumps(before_news))  # as a kill leaves it
    sandbox.living.edit(world_chat, kept.id, "edited after it was saved")
    sandbox.living.delete(world_chat, [doomed.id])
    result = await BackupEngine(app_client, _options(tmp_path)).run(chats)
    assert result.all_complete
    view = {r["id"]: r for r in latest_view(chat_folder(tmp_path, chat))}
    assert view[kept.id]["text"] == "edited after it was saved"
    assert "deleted_on_telegram" in view[doomed.id]
