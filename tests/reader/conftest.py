"""A backup made once from the sandbox for the reader's tests; each test reads its own copy,
with the sandbox long stopped (reading needs no Telegram)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from telethon import TelegramClient

from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.format.media_paths import NO_MEDIA, MediaFilter
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    SandboxOptions,
    WorldOptions,
    demo_session,
    running_sandbox,
)
from tgtui.telegram.service import CLIENT_OPTIONS


async def _make_backup(out: Path, world: WorldOptions, media: MediaFilter = NO_MEDIA) -> None:
    async with running_sandbox(SandboxOptions(world=world)) as sandbox:
        client = TelegramClient(demo_session(sandbox), API_ID, API_HASH, **CLIENT_OPTIONS)
        await client.connect()
        try:
            rows = [r for r in await all_dialogs(client) if r.peer is not None]
            engine = BackupEngine(client, BackupOptions(out, media=media), account={"id": 77_777})
            result = await engine.run([target_of(r) for r in rows])
            assert result.all_complete
        finally:
            await client.disconnect()


@pytest.fixture(scope="session")
def made_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a small world with media, made once."""
    out = tmp_path_factory.mktemp("reader") / "backup"
    world = WorldOptions(seed=21, dialogs=6, messages=900)
    # Photos and stickers only (small): files to open, and other media left out.
    asyncio.run(_make_backup(out, world, MediaFilter(frozenset({"photo", "sticker"}))))
    return out


@pytest.fixture(scope="session")
def hostile_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a hostile world (markup, escapes, bidi, over-long names), made once."""
    out = tmp_path_factory.mktemp("reader-hostile") / "backup"
    world = WorldOptions(seed=5, dialogs=5, messages=200, media=False, hostile=True)
    asyncio.run(_make_backup(out, world))
    return out


@pytest.fixture
def backup(made_backup: Path, tmp_path: Path) -> Path:
    """This test's own copy of the backup."""
    copy = tmp_path / "backup"
    shutil.copytree(made_backup, copy, symlinks=True)
    return copy
