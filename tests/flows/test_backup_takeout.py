"""Takeout: every request of a backup goes inside the export session, file downloads too."""

from __future__ import annotations

from pathlib import Path

import pytest
from telethon import TelegramClient, errors

from tests.flows.backup_helpers import read_ids, server_ids, targets
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.takeout import Takeout
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.telegram.errors import explain


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=31, dialogs=4, messages=300, max_file_size=1024 * 1024)
    return SandboxOptions(world=world)


async def test_history_refetches_and_downloads_all_go_inside_the_takeout(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    takeout = Takeout(app_client)
    await takeout.start(files=True, max_file_size=None)
    options = BackupOptions(tmp_path, media=MediaFilter(ALL_KINDS))
    result = await BackupEngine(app_client, options, wrap=takeout.wrap).run(chats)
    await takeout.finish(success=result.all_complete)
    assert result.all_complete
    for method in ("messages.getHistory", "upload.getFile"):
        entries = sandbox.log.of(method)
        assert entries, method
        assert all(e.takeout for e in entries), f"{method} sent outside the takeout"
    refetches = sandbox.log.of("messages.getMessages") + sandbox.log.of("channels.getMessages")
    assert refetches
    assert all(e.takeout for e in refetches)
    assert [e.error for e in sandbox.log.of("account.finishTakeoutSession")] == [None]
    assert sandbox.takeouts == {}
    for chat in result.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)


async def test_takeout_that_needs_approval_says_what_to_do(
    app_client: TelegramClient, sandbox: SandboxServer
) -> None:
    sandbox.faults.apply("takeout-delay=86400")
    with pytest.raises(errors.TakeoutInitDelayError) as caught:
        await Takeout(app_client).start(files=False, max_file_size=None)
    text = explain(caught.value).text
    assert "approve" in text
    assert "without --takeout" in text
