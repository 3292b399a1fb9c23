"""Media in backups: byte-exact files, *.part only while partial, resumes, expired references,
failures recorded and retried."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from telethon import TelegramClient
from telethon.tl import types

from tests.flows.backup_helpers import read_records, targets
from tgtui.backup import media as media_module
from tgtui.backup.checkpoint import load_checkpoint
from tgtui.backup.engine import BackupEngine, BackupOptions, ChatResult
from tgtui.backup.parts import PART
from tgtui.backup.progress import BackupEvent, MediaProgress
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.format.versions import latest_view
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions

ALL = MediaFilter(ALL_KINDS)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=21, dialogs=5, messages=260, max_file_size=3 * 1024 * 1024)
    return SandboxOptions(world=world)


async def _messages_by_id(client: TelegramClient, target: ChatTarget) -> dict[int, object]:
    return {m.id: m async for m in client.iter_messages(target.input_peer, wait_time=0)}


async def _assert_files_exact(
    client: TelegramClient, sandbox: SandboxServer, chat: ChatResult
) -> int:
    """Every file a record names is on disk, complete and byte-exact; returns how many."""
    messages = await _messages_by_id(client, chat.target)
    count = 0
    for record in read_records(chat.path):
        if not record.get("file"):
            continue
        path = chat.path / str(record["file"])
        media = messages[int(record["id"])].media  # type: ignore[attr-defined]
        source = media_module.file_source(media)
        assert source is not None
        thumb = getattr(source.location, "thumb_size", "")
        media_id = source.location.id
        expected = sandbox.files.whole(media_id, thumb, source.size)
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(expected).digest()
        count += 1
    assert not list(chat.path.rglob("*.part"))
    return count


async def test_files_are_saved_whole_and_exact(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    last: dict[int, MediaProgress] = {}

    def note(event: BackupEvent) -> None:
        if isinstance(event, MediaProgress):
            last[event.chat_id] = event

    options = BackupOptions(tmp_path, media=ALL)
    result = await BackupEngine(app_client, options, on_event=note).run(chats)
    assert result.all_complete
    saved = 0
    for chat in result.chats:
        count = await _assert_files_exact(app_client, sandbox, chat)
        assert chat.media_done == count
        saved += count
        # Progress knew the bytes to fetch from the start, and got them all.
        on_disk = sum(p.stat().st_size for p in (chat.path / "media").rglob("*") if p.is_file())
        final = last[chat.target.chat_id]
        assert final.total_bytes == final.received == on_disk
    assert saved > 10
    kinds = {
        r.get("media_type") for c in result.chats for r in read_records(c.path) if r.get("file")
    }
    assert {"photo", "voice_message"} <= kinds
    sandbox.log.clear()
    again = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert again.all_complete
    assert sandbox.log.of("upload.getFile") == []  # nothing fetched twice


async def test_media_filter_by_kind_and_size(app_client: TelegramClient, tmp_path: Path) -> None:
    chats = await targets(app_client, 3)
    only_small_photos = MediaFilter(frozenset({"photo"}), max_size=200_000)
    result = await BackupEngine(app_client, BackupOptions(tmp_path, media=only_small_photos)).run(
        chats
    )
    records = [r for c in result.chats for r in read_records(c.path)]
    with_files = [r for r in records if r.get("file")]
    assert with_files
    assert all(r["media_type"] == "photo" and r["file_size"] <= 200_000 for r in with_files)
    assert any(r.get("media_type") == "photo" and not r.get("file") for r in records)
    assert all(
        (c.path / str(r["file"])).exists()
        for c in result.chats
        for r in read_records(c.path)
        if r.get("file")
    )


async def test_a_part_file_is_resumed_not_restarted(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    big_files = MediaFilter(frozenset({"video", "document", "audio"}))
    first = await BackupEngine(app_client, BackupOptions(tmp_path, media=big_files)).run(chats)
    records = [(c, r) for c in first.chats for r in read_records(c.path) if r.get("file")]
    chat, record = max(records, key=lambda cr: int(cr[1]["file_size"]))
    size = int(record["file_size"])
    assert size > 2 * PART
    final = chat.path / str(record["file"])
    data = final.read_bytes()
    final.unlink()  # as if killed while downloading: some whole parts and a torn one remain
    part = final.with_name(final.name + ".part")
    part.write_bytes(data[: PART + 1234])
    state = chat.path / "state.json"
    checkpoint = load_checkpoint(state, chat.target.chat_id)
    assert checkpoint is not None
    checkpoint.media_last_id = 0
    from tgtui.backup.checkpoint import save_checkpoint

    save_checkpoint(state, checkpoint)
    sandbox.log.clear()
    again = await BackupEngine(app_client, BackupOptions(tmp_path, media=big_files)).run(chats)
    assert again.all_complete
    assert final.read_bytes() == data
    assert not part.exists()
    offsets = [e.request.offset for e in sandbox.log.of("upload.getFile")]
    assert offsets
    assert min(offsets) == PART  # resumed at the last whole part, not from zero


async def test_expired_file_references_are_renewed(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 2)
    # References go stale while files wait their turn (two files at once, slow answers).
    sandbox.faults.apply("file-ref-ttl=0.3")
    sandbox.faults.apply("latency=20")
    options = BackupOptions(tmp_path, media=ALL, files_at_once=2)
    result = await BackupEngine(app_client, options).run(chats)
    expired = [e for e in sandbox.log.of("upload.getFile") if e.error == "FILE_REFERENCE_EXPIRED"]
    sandbox.faults.apply("file-ref-ttl=3600")
    sandbox.faults.apply("latency=0")
    assert expired, "the fault never fired"
    assert result.all_complete
    for chat in result.chats:
        await _assert_files_exact(app_client, sandbox, chat)


async def test_a_failing_file_is_recorded_and_retried_next_run(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 2)
    sandbox.faults.apply("file-ref-ttl=0")  # no reference can be renewed in time
    first = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    sandbox.faults.apply("file-ref-ttl=3600")
    assert not first.all_complete
    assert all(c.status == "complete" for c in first.chats)  # the messages are all there
    failed = sum(c.media_failed for c in first.chats)
    assert failed > 0
    state = load_checkpoint(first.chats[0].path / "state.json", first.chats[0].target.chat_id)
    assert state is not None
    assert state.media_failed
    assert all("could not be renewed" in reason for reason in state.media_failed.values())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert sum(c["media_failed"] for c in manifest["chats"]) == failed
    second = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert second.all_complete
    assert sum(c.media_failed for c in second.chats) == 0
    for chat in second.chats:
        assert chat.media_done == await _assert_files_exact(app_client, sandbox, chat)


async def test_a_file_whose_message_was_deleted_is_gone_not_failed(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A file not saved yet whose message is then deleted on Telegram cannot be fetched by
    anyone: it is "gone from Telegram", said once, never tried again, and the run is
    complete (exit 0), not "1 file failed"."""
    chats = await targets(app_client, 2)
    sandbox.faults.apply("file-ref-ttl=0")  # every file fails this time
    first = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    sandbox.faults.apply("file-ref-ttl=3600")
    chat = next(c for c in first.chats if c.media_failed)
    state = load_checkpoint(chat.path / "state.json", chat.target.chat_id)
    assert state is not None
    doomed = int(min(state.media_failed, key=int))
    world = sandbox.world
    world_chat = next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == chat.target.chat_id
    )
    assert sandbox.living.delete(world_chat, [doomed]) == [doomed]
    second = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert second.all_complete
    mine = next(c for c in second.chats if c.target.chat_id == chat.target.chat_id)
    assert (mine.media_failed, mine.media_gone, mine.deletions) == (0, 1, 1)
    state = load_checkpoint(chat.path / "state.json", chat.target.chat_id)
    assert state is not None
    assert "deleted" in state.media_gone[str(doomed)]
    sandbox.log.clear()
    third = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert third.all_complete
    assert not sandbox.log.of("upload.getFile")  # not tried again
    assert not sandbox.log.of("messages.getMessages") + sandbox.log.of("channels.getMessages")


async def test_dropped_connections_during_downloads_lose_no_file(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 2)
    sandbox.faults.apply("drop-rate=0.05")
    result = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    sandbox.faults.apply("drop-rate=0")
    assert result.all_complete
    for chat in result.chats:
        assert chat.media_done == await _assert_files_exact(app_client, sandbox, chat)


async def test_verify_checks_hashes_and_refuses_a_damaged_file(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 2)
    options = BackupOptions(tmp_path, media=ALL, verify=True)
    sandbox.faults.apply("corrupt=0.05")  # bytes damaged on the way, sizes intact
    first = await BackupEngine(app_client, options).run(chats)
    sandbox.faults.apply("corrupt=0")
    failed = sum(c.media_failed for c in first.chats)
    assert failed > 0
    state = load_checkpoint(first.chats[0].path / "state.json", first.chats[0].target.chat_id)
    reasons = set(state.media_failed.values()) if state else set()
    assert reasons <= {"the file does not match Telegram's hashes"}
    assert not [p for c in first.chats for p in c.path.rglob("*.part")]  # nothing half-kept
    sandbox.log.clear()
    second = await BackupEngine(app_client, options).run(chats)
    assert second.all_complete
    assert sandbox.log.of("upload.getFileHashes")  # every file checked
    for chat in second.chats:
        assert chat.media_done == await _assert_files_exact(app_client, sandbox, chat)


def _part_sizes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_size for path in folder.rglob("*.part")}


async def test_a_full_disk_during_downloads_stops_cleanly_and_a_rerun_completes(
    app_client: TelegramClient,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno
    import os

    from tgtui.backup.engine import BackupAborted

    chats = await targets(app_client, 2)
    real_write = os.write
    budget = [1_500_000]  # of media bytes: a few files fit, then the disk is full

    def filling_disk(fd: int, data: bytes | memoryview) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".part"):
            if budget[0] <= 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            budget[0] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", filling_disk)
    with pytest.raises(BackupAborted, match="No space left on device"):
        await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    monkeypatch.setattr(os, "write", real_write)
    # Stopped means stopped: no download of that run goes on writing behind the next one.
    before = _part_sizes(tmp_path)
    await asyncio.sleep(0.5)
    assert _part_sizes(tmp_path) == before
    # Whatever was cut short is a *.part; every file at its final name is whole.
    result = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert result.all_complete
    for chat in result.chats:
        assert chat.media_done == await _assert_files_exact(app_client, sandbox, chat)


async def test_an_edited_caption_keeps_its_file_and_replaced_media_is_fetched(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A later version keeps the file an earlier one saved when only its text changed (the
    reader and exports said "not saved" for a photo on disk); when Telegram replaced the
    photo, the new one is fetched beside the old, which stays."""
    chats = await targets(app_client, 3)
    first = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert first.all_complete
    chat, photos = next(
        (c, ps)
        for c in first.chats
        if len(ps := [r for r in read_records(c.path) if r.get("media_type") == "photo"]) >= 3
    )
    world = sandbox.world
    world_chat = next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == chat.target.chat_id
    )
    captioned, replaced, other = photos[0], photos[1], photos[2]
    assert other["file_size"] != replaced["file_size"]
    sandbox.living.edit(world_chat, captioned["id"], "a better caption")
    new_photo = sandbox.history.by_id(world_chat, other["id"]).media  # type: ignore[union-attr]
    sandbox.living.edit(world_chat, replaced["id"], "another photo", media=new_photo)
    old_bytes = (chat.path / replaced["file"]).read_bytes()

    second = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert second.all_complete
    view = {r["id"]: r for r in latest_view(chat.path)}
    caption = view[captioned["id"]]
    assert caption["text"] == "a better caption"
    assert caption["file"] == captioned["file"]  # the photo saved with the first text
    assert (chat.path / caption["file"]).stat().st_size == captioned["file_size"]
    photo = view[replaced["id"]]
    assert photo["text"] == "another photo"
    assert photo["file"] != replaced["file"]  # its own file, beside the first version's
    assert (chat.path / photo["file"]).stat().st_size == other["file_size"]
    assert (chat.path / replaced["file"]).read_bytes() == old_bytes  # the old photo stays
    mine = next(c for c in second.chats if c.target.chat_id == chat.target.chat_id)
    assert mine.media_done == chat.media_done + 1
    # Nothing more to fetch: the next run asks for no file.
    sandbox.log.clear()
    third = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert third.all_complete
    assert not sandbox.log.of("upload.getFile")


async def test_a_file_replaced_by_another_of_the_same_name_and_size_is_fetched(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A document replaced (messages.editMessage with new media) by a different file that
    has the same name, type and size: Telegram's id of the media changed, so the new file
    is fetched beside the old one (the backup kept the old file as the new version's)."""
    chats = await targets(app_client, 3)
    first = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert first.all_complete
    chat, document = next(
        (c, r)
        for c in first.chats
        for r in read_records(c.path)
        if r.get("media_type") == "file" and r.get("file_name") and r.get("file")
    )
    old_bytes = (chat.path / document["file"]).read_bytes()
    twin = bytes(reversed(old_bytes))  # same size, other bytes
    assert twin != old_bytes
    world = sandbox.world
    world_chat = next(
        world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == chat.target.chat_id
    )
    sent = await app_client.send_file(
        chat.target.chat_id,
        twin,
        force_document=True,
        mime_type=document["mime_type"],
        attributes=[types.DocumentAttributeFilename(document["file_name"])],
    )
    new_media = sandbox.history.by_id(world_chat, sent.id).media  # type: ignore[union-attr]
    sandbox.living.edit(world_chat, document["id"], "the same name, another file", media=new_media)

    second = await BackupEngine(app_client, BackupOptions(tmp_path, media=ALL)).run(chats)
    assert second.all_complete
    latest = {r["id"]: r for r in latest_view(chat.path)}[document["id"]]
    assert latest["text"] == "the same name, another file"
    assert (latest["file_name"], latest["file_size"]) == (
        document["file_name"],
        document["file_size"],
    )
    assert latest["file"] != document["file"]
    assert (chat.path / latest["file"]).read_bytes() == twin  # the new file, not the old one
    assert (chat.path / document["file"]).read_bytes() == old_bytes  # the old one stays


async def test_links_planted_in_a_backup_are_never_written_through(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    """A backup folder from elsewhere with a chat folder, or a media folder in one, that is
    a link to another place: the backup writes nothing there; that chat (or file) fails
    with the reason and the others go on."""
    out = tmp_path / "backup"
    chats = await targets(app_client, 3)
    first = await BackupEngine(app_client, BackupOptions(out, media=ALL)).run(chats)
    assert first.all_complete
    with_photos = [c for c in first.chats if (c.path / "media" / "photos").is_dir()]
    assert len(with_photos) >= 2
    linked_chat, linked_media = with_photos[0], with_photos[1]
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "chat").mkdir(parents=True)
    (elsewhere / "photos").mkdir()
    shutil.rmtree(linked_chat.path)
    linked_chat.path.symlink_to(elsewhere / "chat")
    photos = linked_media.path / "media" / "photos"
    shutil.rmtree(photos)  # its photos must come down again...
    photos.symlink_to(elsewhere / "photos")  # ...into a link

    second = await BackupEngine(app_client, BackupOptions(out, media=ALL)).run(chats)
    assert list(elsewhere.rglob("*")) == [elsewhere / "chat", elsewhere / "photos"]  # untouched
    by_id = {c.target.chat_id: c for c in second.chats}
    refused = by_id[linked_chat.target.chat_id]
    assert refused.status == "failed"
    assert refused.reason is not None
    assert "link" in refused.reason
    files = by_id[linked_media.target.chat_id]
    assert files.status == "complete"
    assert files.media_failed > 0
    state = load_checkpoint(files.path / "state.json", files.target.chat_id)
    assert state is not None
    assert all("link" in why for why in state.media_failed.values())
    others = [
        c
        for c in second.chats
        if c.target.chat_id not in (refused.target.chat_id, files.target.chat_id)
    ]
    assert all(c.status == "complete" and not c.media_failed for c in others)
