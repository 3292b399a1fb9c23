"""`tgtui stats` on a backup of the sandbox's hostile world (escapes, controls, bidi and
huge names in texts, names and file names): its figures are a plain scan's, and its text
puts nothing on the terminal that a terminal would act on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import targets
from tests.flows.test_stats import ZONE, assert_same, plain_scan, stats_cli
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.sandbox import SandboxOptions, WorldOptions


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=7, dialogs=12, messages=300, max_file_size=64 * 1024, hostile=True)
    return SandboxOptions(world=world)


def _printed(out: Path, *extra: str) -> tuple[int, bytes]:
    """The exit code of `tgtui stats --in OUT EXTRA` and all it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGTUI_")}
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "stats", "--in", str(out), *extra],
        capture_output=True,
        timeout=120,
        env={**env, "TZ": ZONE},
    )
    return done.returncode, done.stdout + done.stderr


async def test_stats_of_a_hostile_world(app_client: TelegramClient, tmp_path: Path) -> None:
    chats = await targets(app_client)
    result = await BackupEngine(
        app_client,
        BackupOptions(tmp_path, media=MediaFilter(ALL_KINDS, 64 * 1024)),
        account={"id": 77_777},
    ).run(chats)
    assert result.all_complete
    code, figures, errors = stats_cli(tmp_path)
    assert code == 0, errors
    assert_same(figures, plain_scan(tmp_path, ZoneInfo(ZONE)))
    assert any("\x1b" in chat["name"] for chat in figures["chats"])  # the originals, in JSON
    for extra in ((), ("--json",)):
        code, printed = _printed(tmp_path, *extra)
        assert code == 0, printed
        for payload in (b"\x1b", "\x9b".encode(), "\u202e".encode(), b"\x00"):
            assert payload not in printed
