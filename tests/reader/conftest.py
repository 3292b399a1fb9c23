"""A backup made once from the sandbox for the reader's tests; each test reads its own copy,
with the sandbox long stopped (reading needs no Telegram)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from telethon import TelegramClient

from tgtui.backup.account_data import back_up_account
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.backup.takeout import Takeout
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

ACCOUNT_RUNS = (1_767_000_000, 1_768_000_000)  # the account's two runs (2025-12-29, 2026-01-10)


async def _make_backup(
    out: Path, world: WorldOptions, media: MediaFilter = NO_MEDIA, *, account: bool = False
) -> None:
    async with running_sandbox(SandboxOptions(world=world)) as sandbox:
        client = TelegramClient(demo_session(sandbox), API_ID, API_HASH, **CLIENT_OPTIONS)
        await client.connect()
        try:
            rows = [r for r in await all_dialogs(client) if r.peer is not None]
            engine = BackupEngine(client, BackupOptions(out, media=media), account={"id": 77_777})
            result = await engine.run([target_of(r) for r in rows])
            assert result.all_complete
            if account:
                # Two runs of the account's data: a contact, a session and a website gone
                # between them (kept, marked removed); the second in a data export (the
                # chats left, the contacts' dates).
                first = await back_up_account(client, out, clock=lambda: ACCOUNT_RUNS[0])
                assert first["contacts"].problem is None
                mine = sandbox.account
                assert mine.remove_contact(min(c.user_id for c in mine.contacts()))
                ended = next(d for d in mine.devices())
                assert mine.end_session(ended.hash)
                for website in mine.web_sessions()[:1]:
                    assert mine.end_web_session(website.hash)
                takeout = Takeout(client)
                await takeout.start(files=False, max_file_size=None)
                try:
                    await back_up_account(
                        client, out, clock=lambda: ACCOUNT_RUNS[1], wrap=takeout.wrap
                    )
                finally:
                    await takeout.finish(success=True)
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


@pytest.fixture(scope="session")
def made_forum_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup with two forums and the account's data (`--account`), made once."""
    out = tmp_path_factory.mktemp("reader-forums") / "backup"
    # Media in the world (not saved): the account has stories of its photos.
    world = WorldOptions(seed=21, dialogs=20, messages=300, forums=2, devices=3)
    asyncio.run(_make_backup(out, world, account=True))
    return out


@pytest.fixture
def forum_backup(made_forum_backup: Path, tmp_path: Path) -> Path:
    """This test's own copy of the backup with forums and the account's data."""
    copy = tmp_path / "backup"
    shutil.copytree(made_forum_backup, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def hostile_forum_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hostile world's backup with a forum (hostile topic titles) and the account's data."""
    out = tmp_path_factory.mktemp("reader-hostile-forums") / "backup"
    world = WorldOptions(
        seed=5, dialogs=6, messages=200, media=False, hostile=True, forums=1, devices=2
    )
    asyncio.run(_make_backup(out, world, account=True))
    return out
