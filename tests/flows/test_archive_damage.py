"""A backup damaged on disk after it was written: each case is found on the next run and
repaired from Telegram (or reported), never passed as complete. Real client, real sandbox."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, read_records, server_ids, targets
from tgtui.backup import media as media_module
from tgtui.backup.engine import BackupAborted, BackupEngine, BackupOptions, BackupResult, ChatResult
from tgtui.backup.parts import PART
from tgtui.backup.selection import ChatTarget
from tgtui.format import media_paths
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions

ALL = MediaFilter(ALL_KINDS)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=23, dialogs=4, messages=400, max_file_size=1536 * 1024)
    return SandboxOptions(world=world)


async def _backup(
    client: TelegramClient, out: Path, chats: list[ChatTarget], **options: Any
) -> BackupResult:
    engine = BackupEngine(
        client, BackupOptions(out, batch_size=50, **options), account={"id": 77_777}
    )
    return await engine.run(chats)


async def _first(client: TelegramClient, tmp_path: Path, media: bool = False) -> ChatResult:
    chats = await targets(client, 1)
    result = await _backup(
        client, tmp_path, chats, media=ALL if media else MediaFilter(frozenset())
    )
    assert result.all_complete
    return result.chats[0]


def _lines(chat: ChatResult) -> list[bytes]:
    return (chat.path / "messages.jsonl").read_bytes().splitlines(keepends=True)


def _write(chat: ChatResult, lines: list[bytes]) -> None:
    (chat.path / "messages.jsonl").write_bytes(b"".join(lines))


async def _again(client: TelegramClient, tmp_path: Path, chat: ChatResult, **kw: Any) -> ChatResult:
    result = await _backup(client, tmp_path, [chat.target], **kw)
    return result.chats[0]


async def test_garbage_in_the_middle_is_kept_aside_and_the_message_fetched_again(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path)
    lines = _lines(chat)
    original = lines[40]
    lines[40] = b'{"id": oops, garbage "file": "x\n'
    _write(chat, lines)
    again = await _again(app_client, tmp_path, chat)
    assert again.status == "complete"
    assert read_ids(chat.path) == await server_ids(app_client, chat.target)
    assert _lines(chat)[40] == original  # fetched again, byte for byte the same record
    assert b"garbage" in (chat.path / "messages.jsonl.damaged").read_bytes()
    assert any(re.search(r"found 1 damaged line\b", note) for note in again.repairs)


async def test_deleted_and_repeated_lines_are_found_and_made_whole(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path)
    lines = _lines(chat)
    damaged = lines[:10] + lines[20:30] + [lines[25]] + lines[30:]  # 10 gone, 1 twice
    _write(chat, damaged)
    again = await _again(app_client, tmp_path, chat)
    assert again.status == "complete"
    assert _lines(chat) == lines  # every message once, in order, as first saved
    assert again.messages == len(lines)
    notes = " ".join(again.repairs)
    assert "repeated" in notes
    assert "missing" in notes


async def test_a_last_line_repeating_an_older_record_is_not_taken_as_the_end(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path)
    lines = _lines(chat)
    _write(chat, [*lines, lines[5]])
    again = await _again(app_client, tmp_path, chat)
    assert again.status == "complete"
    assert again.new == 0
    assert _lines(chat) == lines


async def test_a_second_run_on_an_intact_backup_finds_nothing(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path, media=True)
    before = (chat.path / "messages.jsonl").read_bytes()
    again = await _again(app_client, tmp_path, chat, media=ALL)
    assert again.repairs == ()
    assert (chat.path / "messages.jsonl").read_bytes() == before
    assert not (chat.path / "messages.jsonl.damaged").exists()


def _file_records(chat: ChatResult) -> list[dict[str, object]]:
    return [r for r in read_records(chat.path) if r.get("file")]


async def test_media_deleted_or_truncated_after_a_complete_run_is_fetched_again(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path, media=True)
    records = _file_records(chat)
    assert len(records) >= 2
    gone, cut = (chat.path / str(r["file"]) for r in records[:2])
    digest = hashlib.sha256(cut.read_bytes()).digest()
    gone.unlink()
    with cut.open("r+b") as handle:
        handle.truncate(cut.stat().st_size // 2)
    again = await _again(app_client, tmp_path, chat, media=ALL)
    assert again.status == "complete"
    assert again.media_failed == 0
    assert gone.stat().st_size == records[0]["file_size"]
    assert hashlib.sha256(cut.read_bytes()).digest() == digest
    assert any("deleted or changed media files" in note for note in again.repairs)


async def test_verify_checks_files_already_on_disk(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path, media=True)
    path = chat.path / str(_file_records(chat)[0]["file"])
    good = path.read_bytes()
    path.write_bytes(bytes(b ^ 0xFF for b in good[:64]) + good[64:])  # same size, other bytes
    plain = await _again(app_client, tmp_path, chat, media=ALL)
    assert plain.status == "complete"  # a size check cannot see it...
    checked = await _again(app_client, tmp_path, chat, media=ALL, verify=True)
    assert checked.status == "complete"
    assert checked.media_failed == 0
    assert path.read_bytes() == good  # ...Telegram's hashes can, and it is fetched again


async def test_a_garbage_part_file_is_not_resumed_onto(
    app_client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(app_client, 1)
    first = await _backup(app_client, tmp_path, chats, media=MediaFilter(frozenset()))
    chat = first.chats[0]
    big = max(
        (r for r in read_records(chat.path) if r.get("media_type") in ("file", "photo")),
        key=lambda r: int(r.get("file_size") or 0),
    )
    size = int(big["file_size"])
    assert size > PART
    target = chat.path / media_paths.media_path(big)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    part.write_bytes(os.urandom(PART + 1000))  # planted, or left by a failing disk
    # The records were written without media: name the file in them as a media run would.
    lines = [
        json.dumps({**r, "file": media_paths.media_path(r)}, ensure_ascii=False).encode() + b"\n"
        if r["id"] == big["id"]
        else json.dumps(r, ensure_ascii=False).encode() + b"\n"
        for r in read_records(chat.path)
    ]
    (chat.path / "messages.jsonl").write_bytes(b"".join(lines))
    again = await _again(app_client, tmp_path, chat, media=ALL)
    assert again.status == "complete"
    assert again.media_failed == 0
    assert target.stat().st_size == size
    assert not part.exists()
    messages = {m.id: m async for m in app_client.iter_messages(chat.target.input_peer)}
    source = media_module.file_source(messages[int(big["id"])].media)
    assert source is not None
    thumb = getattr(source.location, "thumb_size", "")
    assert target.read_bytes() == sandbox.files.whole(source.location.id, thumb, source.size)


async def test_a_file_path_outside_the_chat_folder_is_refused(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    chat = await _first(app_client, out)
    outside = tmp_path / "outside.txt"
    records = read_records(chat.path)
    poisoned = [dict(r) for r in records]
    poisoned[3].update(media_type="file", file=str(outside), file_size=10, mime_type="text/plain")
    poisoned[4].update(media_type="file", file="media/../../../escape.txt", file_size=10)
    lines = [json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in poisoned]
    (chat.path / "messages.jsonl").write_bytes(b"".join(lines))
    again = await _again(app_client, out, chat, media=ALL)
    assert not outside.exists()
    assert not (tmp_path / "escape.txt").exists()
    assert again.media_failed == 2  # reported, with the reason, never passed as complete
    state = json.loads((chat.path / "state.json").read_text())
    assert set(state["media_failed"].values()) == {"its file path leaves the chat folder"}


async def test_a_chat_whose_file_is_unusable_fails_alone(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chats = await targets(app_client, 3)
    first = await _backup(app_client, tmp_path, chats)
    broken = first.chats[1]
    (broken.path / "messages.jsonl").unlink()
    (broken.path / "messages.jsonl").mkdir()  # a folder where the file should be
    again = await _backup(app_client, tmp_path, chats)
    statuses = {c.target.chat_id: c.status for c in again.chats}
    assert statuses[broken.target.chat_id] == "failed"
    assert "messages.jsonl" in str(again.chats[1].reason)
    assert [s for i, s in statuses.items() if i != broken.target.chat_id] == ["complete"] * 2
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    failed = [c for c in manifest["chats"] if c["status"] == "failed"]
    assert [c["id"] for c in failed] == [broken.target.chat_id]


async def test_a_second_writer_and_another_account_are_refused(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chats = await targets(app_client, 1)
    await _backup(app_client, tmp_path, chats)
    from tgtui.backup.folder import BackupFolder

    holder = BackupFolder(tmp_path, {"id": 77_777})  # another run holds the folder
    with holder, pytest.raises(BackupAborted, match=r"Another tgtui .* is backing up into"):
        await _backup(app_client, tmp_path, chats)
    other = BackupEngine(
        app_client, BackupOptions(tmp_path), account={"id": 42, "name": "Someone Else"}
    )
    with pytest.raises(BackupAborted, match=r"another account, .*77777.*Someone Else \(id 42\)"):
        await other.run(chats)


async def test_backups_are_private_and_old_ones_are_tightened(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    chat = await _first(app_client, out, media=True)
    loose = [p for p in out.rglob("*") if p.stat().st_mode & 0o077]
    assert loose == []
    assert not out.stat().st_mode & 0o077
    jsonl = chat.path / "messages.jsonl"
    os.chmod(jsonl, 0o644)
    os.chmod(chat.path, 0o755)
    result = await _backup(app_client, out, [chat.target], media=ALL)
    assert [p for p in out.rglob("*") if p.stat().st_mode & 0o077] == []
    assert any("2 files and folders" in note for note in result.notes)


async def test_an_emptied_file_is_fetched_again_whole(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chat = await _first(app_client, tmp_path)
    lines = _lines(chat)
    (chat.path / "messages.jsonl").write_bytes(b"")
    again = await _again(app_client, tmp_path, chat)
    assert again.status == "complete"
    assert _lines(chat) == lines
    assert any(f"{len(lines):,} messages missing" in note for note in again.repairs)


async def test_verify_reads_every_line_even_of_a_file_that_looks_untouched(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    """Rot that keeps the size and the time (a failing disk): a plain run trusts the file as
    tgtui left it; --verify parses every line anyway, finds it and repairs it."""
    chat = await _first(app_client, tmp_path)
    jsonl = chat.path / "messages.jsonl"
    lines = _lines(chat)
    before = jsonl.stat()
    rotten = bytearray(lines[30])
    rotten[0:1] = b"X"  # no longer JSON, same length
    _write(chat, [*lines[:30], bytes(rotten), *lines[31:]])
    os.utime(jsonl, ns=(before.st_atime_ns, before.st_mtime_ns))
    plain = await _again(app_client, tmp_path, chat)
    assert plain.repairs == ()
    checked = await _again(app_client, tmp_path, chat, verify=True)
    assert checked.status == "complete"
    assert any(re.search(r"found 1 damaged line\b", note) for note in checked.repairs)
    assert _lines(chat) == lines
