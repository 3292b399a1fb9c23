"""Searching a backup made from the sandbox, offline: accents, several chats, filters, an
index brought up to date or rebuilt, and `tgtui search` against a plain scan of the JSONL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_records, targets
from tgtui.archive.folder import open_archive
from tgtui.archive.index import INDEX_DIR, INDEX_FILE, SearchIndex
from tgtui.archive.search import Filters, search
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.sandbox import SandboxOptions, WorldOptions


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(world=WorldOptions(seed=13, dialogs=8, messages=600, media=False))


async def _backup(client: TelegramClient, out: Path) -> None:
    chats = await targets(client)
    result = await BackupEngine(client, BackupOptions(out), account={"id": 77_777}).run(chats)
    assert result.all_complete


def _scan(out: Path, word: str) -> set[tuple[int, int]]:
    """(chat id, message id) of every message whose text has ``word`` as a word: a plain
    read of every chat's JSONL, the way a script would do it without an index."""
    found = set()
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    manifest = json.loads((out / "manifest.json").read_text())
    for chat in manifest["chats"]:
        for record in read_records(out / chat["path"]):
            if pattern.search(str(record.get("text", ""))):
                found.add((chat["id"], record["id"]))
    return found


def _search_cli(out: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "search", "--in", str(out), "--json", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("TGTUI_")},
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, lines, done.stderr


async def test_search_finds_what_a_plain_scan_finds_in_every_chat(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    await _backup(app_client, tmp_path)
    expected = _scan(tmp_path, "garden")
    assert len({chat for chat, _ in expected}) >= 3  # several chats
    code, hits, errors = _search_cli(tmp_path, "GARDEN", "--limit", "100000")
    assert code == 0
    assert {(h["chat_id"], h["message_id"]) for h in hits} == expected
    assert f"{len(expected):,} messages match" in errors
    newest_first = [h["date"] for h in hits]
    assert newest_first == sorted(newest_first, reverse=True)
    assert (tmp_path / INDEX_DIR / INDEX_FILE).stat().st_mode & 0o077 == 0


async def test_accents_filters_and_new_messages(app_client: TelegramClient, tmp_path: Path) -> None:
    chats = await targets(app_client)
    await _backup(app_client, tmp_path)
    archive = open_archive(tmp_path)
    with SearchIndex(archive) as index:
        index.update()
        # A message sent after the index was built: the next update reads only what is new.
        await app_client.send_message(chats[1].input_peer, "Meu coração está na Lapônia")
        await _backup(app_client, tmp_path)
        stats = index.update()
        assert stats.messages == 1
        assert not stats.rebuilt
        found = search(index, archive, "coracao laponia", Filters())
        assert found.count == 1
        assert found.hits[0].chat_id == chats[1].chat_id
        assert found.hits[0].text == "Meu coração está na Lapônia"
        assert "\ue000coração\ue001" in found.hits[0].snippet
        everywhere = search(index, archive, "garden", Filters())
        one_chat = search(index, archive, "garden", Filters(chats=frozenset({chats[0].chat_id})))
        assert 0 < one_chat.count < everywhere.count
        assert {h.chat_id for h in one_chat.hits} == {chats[0].chat_id}
        sender = everywhere.hits[0].sender
        by_sender = search(index, archive, "garden", Filters(sender=sender[:3].lower()))
        assert all(sender[:3].lower() in h.sender.lower() for h in by_sender.hits)
        assert 0 < by_sender.count <= everywhere.count
        newest = everywhere.hits[0].date
        assert newest is not None
        before = search(index, archive, "garden", Filters(until=newest))
        assert before.count == everywhere.count - sum(
            1 for h in everywhere.hits if h.date == newest
        )


async def test_a_damaged_or_stale_index_is_rebuilt_from_the_backup(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    await _backup(app_client, tmp_path)
    code, first, _ = _search_cli(tmp_path, "garden", "--limit", "100000")
    assert code == 0
    index_file = tmp_path / INDEX_DIR / INDEX_FILE
    index_file.write_bytes(b"not a database" * 1000)
    code, again, _ = _search_cli(tmp_path, "garden", "--limit", "100000")
    assert code == 0
    assert again == first
    # A chat's file replaced behind the index's back (rewritten by a repair, say).
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    jsonl = tmp_path / manifest["chats"][0]["path"] / "messages.jsonl"
    kept = jsonl.read_bytes().splitlines(keepends=True)[::2]
    replacement = jsonl.with_name("new.jsonl")
    replacement.write_bytes(b"".join(kept))
    os.replace(replacement, jsonl)
    code, after, _ = _search_cli(tmp_path, "garden", "--limit", "100000")
    assert {(h["chat_id"], h["message_id"]) for h in after} == _scan(tmp_path, "garden")


def test_search_says_what_is_wrong(tmp_path: Path) -> None:
    code, _, errors = _search_cli(tmp_path / "nothing", "word")
    assert code == 2
    assert "holds no backup" in errors
    assert "Traceback" not in errors
