"""A backup never writes through a link planted in its folder (a folder from elsewhere, or
made by someone with access to it): not through the temporary names it replaces files
with, nor the files it appends to. A link where tgtui replaces a file is removed and the
file written; a link where it appends fails that chat, named; the file the link leads to
is never touched. Real Telethon client against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, targets
from tgtui.backup.catch_up import is_channel_id
from tgtui.backup.engine import BackupEngine, BackupOptions, chat_folder
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Chat

NO_MEDIA = MediaFilter(frozenset(), None)
SECRET = "my notes, not a backup's\n"


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=33, dialogs=6, messages=200))


def _world_chat(sandbox: SandboxServer, target: ChatTarget) -> Chat:
    world = sandbox.world
    return next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == target.chat_id
    )


def _plant(path: Path, victim: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(victim)


async def test_links_planted_where_a_backup_writes_are_never_written_through(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "b"
    chats = await targets(app_client)
    channel = next(c for c in chats if is_channel_id(c.chat_id))
    private = next(c for c in chats if not is_channel_id(c.chat_id))
    assert (
        await BackupEngine(app_client, BackupOptions(out, media=NO_MEDIA)).run(chats)
    ).all_complete
    victims = {name: tmp_path / f"victim-{name}" for name in range(8)}
    for victim in victims.values():
        victim.write_text(SECRET)
    plain = chat_folder(out, private)
    appended = chat_folder(out, channel)
    # Where tgtui replaces a file (through a temporary name): the link is removed.
    _plant(out / ".manifest.json.tmp", victims[0])
    _plant(out / ".updates-state.json.tmp", victims[1])
    _plant(plain / ".state.json.tmp", victims[2])
    _plant(plain / ".messages.jsonl.tmp", victims[3])
    # Where tgtui appends: the chat fails, named; nothing reaches the file led to.
    _plant(appended / "edits.jsonl", victims[4])
    _plant(appended / "deleted.jsonl", victims[5])
    # A damaged line makes the run rewrite the private chat and keep the line aside.
    with (plain / "messages.jsonl").open("ab") as handle:
        handle.write(b"not a message\n")
    _plant(plain / "messages.jsonl.damaged", victims[6])
    world_channel = _world_chat(sandbox, channel)
    ids = read_ids(appended)
    sandbox.living.edit(world_channel, ids[3], "edited after the links were planted")
    sandbox.living.delete(world_channel, [ids[4]])
    sandbox.living.say(_world_chat(sandbox, private), "new, for the private chat's state")

    result = await BackupEngine(app_client, BackupOptions(out, media=NO_MEDIA)).run(chats)

    assert all(victim.read_text() == SECRET for victim in victims.values())  # untouched
    by_id = {c.target.chat_id: c for c in result.chats}
    failed = by_id[channel.chat_id]
    assert failed.status == "failed"
    assert failed.reason is not None
    assert "link" in failed.reason
    damaged = by_id[private.chat_id]
    assert damaged.status != "complete"  # the damaged line could not be kept aside: said
    assert damaged.reason is not None
    for replaced in (out / "manifest.json", out / "updates-state.json", plain / "state.json"):
        assert not replaced.is_symlink()
    others = [c for c in result.chats if c.target.chat_id not in (channel.chat_id, private.chat_id)]
    assert all(c.status == "complete" for c in others)
