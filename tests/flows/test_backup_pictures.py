"""Thumbnails and userpics in backups (SCHEMA.md, "Thumbnails and avatars"): saved with
``--media none``, decodable, pointed at by the records with their size, fetched once, never
partial at their names, inside the backup folder whatever the world's names, and drawn by the
reader."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from telethon import TelegramClient, utils
from telethon.tl import types

from tests.flows.backup_helpers import read_records, targets
from tgtui.archive.pictures import picture_of
from tgtui.backup import pictures_pass
from tgtui.backup.checkpoint import load_checkpoint
from tgtui.backup.engine import BackupEngine, BackupOptions, BackupResult
from tgtui.backup.media import MediaDownloadError
from tgtui.format.avatars import current_avatars
from tgtui.format.media_paths import NO_MEDIA
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.avatars import Owner, avatar_id

PREVIEWED = {"photo", "video_file", "video_message", "animation", "sticker", "web_page"}


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=21, dialogs=6, messages=260, max_file_size=3 * 1024 * 1024)
    return SandboxOptions(world=world)


def _found(folder: Path, pattern: str) -> list[Path]:
    """The paths under ``folder`` that match ``pattern`` (a test's small folder)."""
    return list(folder.rglob(pattern))


def _decoded(path: Path) -> tuple[str, tuple[int, int]]:
    """The format and size of a picture, decoded whole (a truncated one raises)."""
    with Image.open(io.BytesIO(path.read_bytes())) as picture:
        picture.load()
        return str(picture.format), picture.size


async def _backup(client: TelegramClient, out: Path, chats: Any) -> BackupResult:
    result = await BackupEngine(client, BackupOptions(out, media=NO_MEDIA)).run(chats)
    assert result.all_complete
    return result


def _thumbnails(result: BackupResult) -> list[tuple[dict[str, Any], Path]]:
    return [
        (record, chat.path / record["thumbnail"])
        for chat in result.chats
        for record in read_records(chat.path)
        if "thumbnail" in record
    ]


async def test_media_none_saves_thumbnails_and_userpics_once(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    result = await _backup(app_client, tmp_path, chats)
    records = [r for chat in result.chats for r in read_records(chat.path)]
    assert not any("file" in r for r in records)  # --media none: no media file
    assert not _found(tmp_path, "media")
    # Every photo, video, GIF, round video, sticker and link preview (the world's all have a
    # picture) names its thumbnail, which is saved and decodes whole.
    previewed = [r for r in records if r.get("media_type") in PREVIEWED]
    assert previewed
    assert all("thumbnail" in r for r in previewed)
    assert {r["media_type"] for r in previewed} == PREVIEWED
    saved = _thumbnails(result)
    formats = set()
    for record, path in saved:
        assert path.is_file(), record
        assert path.parent.name == "thumbs"
        found, (width, height) = _decoded(path)
        assert max(width, height) <= 320
        formats.add((record["media_type"], found))
    assert ("sticker", "WEBP") in formats
    assert ("photo", "JPEG") in formats
    assert ("video_file", "JPEG") in formats
    assert ("web_page", "JPEG") in formats  # a link preview's picture
    # One file per photo or document in a chat: a file sent twice there is saved once (a
    # set's sticker is one document in every chat that sends it: once in each chat folder).
    # (A link preview's record has no media_id: its picture's file is named by the photo.)
    assert len({p for _, p in saved}) == len(
        {(p.parent, r.get("media_id", p.name)) for r, p in saved}
    )
    assert not _found(tmp_path, "*.part")

    # The userpics: each chat's picture and the current one of every sender who has one.
    current = current_avatars(tmp_path)
    world = sandbox.world
    senders = {r["from_id"] for r in records if str(r.get("from_id")).startswith("user")}
    for sender in senders:
        user_id = int(sender.removeprefix("user"))
        if world.avatar_count(Owner.USER, user_id):
            assert current[sender] == f"avatars/{sender}_{avatar_id(Owner.USER, user_id, 0)}.jpg"
        else:
            assert sender not in current
    for relative in current.values():
        assert _decoded(tmp_path / relative) == ("JPEG", (160, 160))
    assert any(p.startswith("avatars/channel") for p in current.values())
    index = (tmp_path / "avatars" / "index.jsonl").read_text().splitlines()
    assert len({json.loads(line)["peer"] for line in index}) == len(index)  # once a peer
    requests = len(sandbox.log.of("upload.getFile"))
    assert requests <= len({p for _, p in saved}) + len(current)  # a request a picture at most
    size = sum(p.stat().st_size for p in _found(tmp_path, "*") if p.is_file())
    assert size < 4 * 1024 * 1024  # a few MB for this world, pictures included

    # A second run fetches nothing again: no picture, no message asked for them.
    sandbox.log.clear()
    await _backup(app_client, tmp_path, chats)
    assert sandbox.log.of("upload.getFile") == []
    assert sandbox.log.of("messages.getMessages") == []
    assert sandbox.log.of("channels.getMessages") == []
    assert (tmp_path / "avatars" / "index.jsonl").read_text().splitlines() == index


async def test_the_reader_draws_a_thumbnail_where_no_file_is_saved(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    result = await _backup(app_client, tmp_path, await targets(app_client))
    shown: dict[str, bool] = {}
    for record, path in _thumbnails(result):
        chat = path.parent.parent
        source = picture_of(record, chat)
        assert source is not None
        assert source.path == path
        shown[record["media_type"]] = source.moving
    assert shown["video_file"] is True
    assert shown["video_message"] is True
    assert shown["photo"] is False
    assert shown["sticker"] is False
    # A backup made before thumbnails (a record without one) shows no picture, as before.
    record = next(r for r, _ in _thumbnails(result) if r["media_type"] == "photo")
    del record["thumbnail"]
    assert picture_of(record, tmp_path) is None


def _served_size(media: Any) -> tuple[int, int]:
    """The w and h of the "m" size the server gave a message's media (every picture of the
    sandbox's world has one: Telegram's 320-pixel size)."""
    if isinstance(media, types.MessageMediaWebPage):
        sizes = media.webpage.photo.sizes
    elif isinstance(media, types.MessageMediaPhoto):
        sizes = media.photo.sizes
    else:
        sizes = media.document.thumbs
    size = next(s for s in sizes if s.type == "m")
    return size.w, size.h


async def test_a_record_says_its_thumbnail_s_size_as_telegram_gave_it(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    """thumbnail_width and thumbnail_height: the w and h of the size the server served, the
    size of the picture saved; the reader sizes a link preview's picture from them."""
    result = await _backup(app_client, tmp_path, await targets(app_client))
    kinds: set[str] = set()
    for chat in result.chats:
        saved = [r for r in read_records(chat.path) if "thumbnail" in r]
        if not saved:
            continue
        served = await app_client.get_messages(
            chat.target.input_peer, ids=[record["id"] for record in saved]
        )
        for record, sent in zip(saved, served, strict=True):
            size = (record.get("thumbnail_width"), record.get("thumbnail_height"))
            assert size == _served_size(sent.media), record
            assert _decoded(chat.path / record["thumbnail"])[1] == size
            kinds.add(record["media_type"])
            if record["media_type"] == "web_page":  # no other size: the box's shape
                source = picture_of(record, chat.path)
                assert source is not None
                assert (source.width, source.height) == size
    assert kinds >= PREVIEWED  # and files sent with a preview


async def test_a_cancelled_run_never_leaves_a_partial_picture_at_its_name(
    app_client: TelegramClient,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled while pictures are being written (after half a file): every picture a
    record or the index names is whole, or not there; the next run finishes them."""
    chats = await targets(app_client)
    saved = 0
    real_write = pictures_pass._write_part

    def killed_while_saving(target: Path, data: bytes, base: Path) -> tuple[Path, int]:
        nonlocal saved
        saved += 1
        if saved == 25:  # half of this one reaches its *.part, then the run stops
            part = target.with_name(target.name + ".part")
            part.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(data[: len(data) // 2])
            raise asyncio.CancelledError
        return real_write(target, data, base)

    monkeypatch.setattr(pictures_pass, "_write_part", killed_while_saving)
    engine = BackupEngine(app_client, BackupOptions(tmp_path, media=NO_MEDIA))
    with pytest.raises(asyncio.CancelledError):
        await engine.run(chats)
    monkeypatch.setattr(pictures_pass, "_write_part", real_write)
    assert _found(tmp_path, "*.part"), "the run stopped in the middle of a picture"
    for chat_folder in (tmp_path / "chats").iterdir():
        for record in read_records(chat_folder):
            path = chat_folder / record.get("thumbnail", "none")
            if path.exists():
                _decoded(path)
    for relative in current_avatars(tmp_path).values():
        _decoded(tmp_path / relative)
    result = await _backup(app_client, tmp_path, chats)
    for _record, path in _thumbnails(result):
        _decoded(path)
    assert not _found(tmp_path, "*.part")


async def test_a_link_preview_keeps_the_words_telegram_gives_it(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    """Its site, title and description (webPage's site_name, title, description), which
    the reader's line and the HTML export's card show, as the server sent them."""
    chats = await targets(app_client)
    result = await _backup(app_client, tmp_path, chats)
    checked = 0
    for chat in result.chats:
        pages = [r for r in read_records(chat.path) if r.get("media_type") == "web_page"]
        if not pages:
            continue
        served = await app_client.get_messages(
            chat.target.input_peer, ids=[record["id"] for record in pages]
        )
        for record, sent in zip(pages, served, strict=True):
            page = sent.media.webpage
            assert record["web_page_url"] == page.url
            assert record.get("web_page_site") == page.site_name
            assert record.get("web_page_title") == page.title
            assert record.get("web_page_description") == page.description
            checked += 1
    assert checked


async def test_a_chat_saving_its_pictures_holds_back_no_other_chats_messages(
    app_client: TelegramClient,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One chat at a time (`--concurrency 1`): while the first chat's pictures are held up
    (thousands of them take a while at Telegram's latency), every other chat's messages are
    read; then every picture is saved all the same."""
    chats = await targets(app_client)
    engine = BackupEngine(app_client, BackupOptions(tmp_path, media=NO_MEDIA, concurrency=1))
    real = engine.pictures.run
    others = {chat.chat_id for chat in chats[1:]}

    def read() -> set[int]:
        return {utils.get_peer_id(e.request.peer) for e in sandbox.log.of("messages.getHistory")}

    async def held(target: Any, folder: Path, checkpoint: Any, state: Path, **options: Any) -> None:
        if target.chat_id == chats[0].chat_id:
            for _ in range(3_000):  # what the server was asked, not a schedule
                if others <= read():
                    break
                await asyncio.sleep(0.01)
            assert others <= read(), "the other chats waited for these pictures"
        await real(target, folder, checkpoint, state, **options)

    monkeypatch.setattr(engine.pictures, "run", held)
    result = await engine.run(chats)
    assert result.all_complete
    for record, path in _thumbnails(result):
        assert _decoded(path)[0] in {"JPEG", "WEBP"}, record["id"]


async def test_a_failing_picture_is_noted_and_fetched_by_the_next_run(
    app_client: TelegramClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = await targets(app_client, 2)
    real = pictures_pass.SmallFiles.fetch
    calls = 0

    async def failing(self: Any, location: Any, dc_id: Any, size: int) -> bytes:
        nonlocal calls
        calls += 1
        if isinstance(location, types.InputPhotoFileLocation) and calls % 2:
            raise MediaDownloadError("the test says no")
        return await real(self, location, dc_id, size)

    monkeypatch.setattr(pictures_pass.SmallFiles, "fetch", failing)
    result = await _backup(app_client, tmp_path, chats)
    failed = {}
    for chat in result.chats:
        checkpoint = load_checkpoint(chat.path / "state.json", chat.target.chat_id)
        assert checkpoint is not None
        failed.update(checkpoint.pictures_failed)
    assert failed
    assert set(failed.values()) == {"the test says no"}
    missing = [p for _, p in _thumbnails(result) if not p.exists()]
    assert missing
    monkeypatch.setattr(pictures_pass.SmallFiles, "fetch", real)
    again = await _backup(app_client, tmp_path, chats)
    assert all(p.exists() for _, p in _thumbnails(again))
    for chat in again.chats:
        checkpoint = load_checkpoint(chat.path / "state.json", chat.target.chat_id)
        assert checkpoint is not None
        assert checkpoint.pictures_failed == {}


@pytest.mark.parametrize(
    "sandbox_options",
    [SandboxOptions(world=WorldOptions(seed=5, dialogs=6, messages=120, hostile=True))],
)
async def test_a_hostile_worlds_pictures_stay_in_the_backup(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = await _backup(app_client, out, await targets(app_client))
    everything = [p for p in _found(tmp_path, "*") if p.is_file()]
    assert all(p.is_relative_to(out) for p in everything)
    pictures = [p for p in everything if p.suffix in (".jpg", ".webp")]
    assert pictures
    for path in pictures:
        relative = path.relative_to(out).parts
        assert relative[0] == "avatars" or (relative[0] == "chats" and relative[2] == "thumbs")
        _decoded(path)
    assert _thumbnails(result)


async def test_a_chat_is_checkpointed_once_for_its_messages_and_once_complete(
    app_client: TelegramClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first backup writes each chat's state.json (an atomic write, an fsync) when its
    messages are on disk and when it is complete, not after each pass with nothing to fetch
    (five writes a chat made a backup of many small chats wait on the disk); a second run
    with nothing new writes none. What is written says the chat and its pictures are done."""
    from tgtui.backup.files import write_json_atomically as write

    writes: dict[str, int] = {}

    def counted(path: Path, value: Any, **options: Any) -> None:
        writes[path.parent.name] = writes.get(path.parent.name, 0) + 1
        write(path, value, **options)

    monkeypatch.setattr("tgtui.backup.checkpoint.write_json_atomically", counted)
    chats = (await targets(app_client))[:3]
    result = await _backup(app_client, tmp_path, chats)
    assert set(writes) == {chat.path.name for chat in result.chats}
    assert all(count <= 2 for count in writes.values()), writes
    for chat in result.chats:
        saved = load_checkpoint(chat.path / "state.json", chat.target.chat_id)
        assert saved is not None
        assert saved.complete
        assert saved.pictures_last_id == saved.last_id == saved.media_last_id
    writes.clear()
    await _backup(app_client, tmp_path, chats)
    assert writes == {}
