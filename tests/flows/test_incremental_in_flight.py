"""An incremental run with nothing new is one account difference and one channel
difference per channel (core.telegram.org/api/updates). Those channel differences go out
together, up to the run's budget, not four at a time behind the probe of history flood
limits (`tgtui.backup.budget`): whole, such a run is timed against connecting and listing
dialogs (tests/bench/README.md), so its requests must overlap."""

from __future__ import annotations

from pathlib import Path

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import targets
from tgtui.backup.budget import START
from tgtui.backup.catch_up import CHANNEL_DIFFERENCE, is_channel_id
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.media_paths import NO_MEDIA
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=31, dialogs=120, messages=100, media=False))


async def test_channel_differences_of_a_run_with_nothing_new_go_out_together(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    channels = [c for c in chats if is_channel_id(c.chat_id)]
    assert len(channels) > 3 * START
    options = BackupOptions(tmp_path, media=NO_MEDIA, concurrency=16)
    assert (await BackupEngine(app_client, options).run(chats)).all_complete
    sandbox.faults.latency = 0.03  # each answer takes a while: the overlap shows
    sandbox.log.clear()
    again = await BackupEngine(app_client, options).run(chats)
    assert again.all_complete
    assert sum(c.new for c in again.chats) == 0
    assert len(sandbox.log.of(CHANNEL_DIFFERENCE)) == len(channels)
    assert not sandbox.log.of("messages.getHistory")  # nothing new: no history read
    assert sandbox.log.most_in_flight[CHANNEL_DIFFERENCE] > 2 * START
