"""Building a search index from nothing: chats merged by date, read in this process or by two
others (half of the chats each), give the same index; a line still being written waits for
the next update."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tgtui.archive import index as index_module
from tgtui.archive.folder import open_archive
from tgtui.archive.index import SearchIndex
from tgtui.archive.search import Filters, search
from tgtui.archive.service import ArchiveService

WORDS = ("river", "garden", "coração", "ticket", "snow", "late")


def _backup(folder: Path, chats: int = 3, messages: int = 400) -> None:
    rng = random.Random(4)
    entries = []
    for number in range(1, chats + 1):
        path = f"chats/{number}_chat"
        (folder / path).mkdir(parents=True)
        date = 1_700_000_000 + number * 50  # the chats overlap in time
        with (folder / path / "messages.jsonl").open("w", encoding="utf-8") as handle:
            for message_id in range(1, messages + 1):
                date += rng.randrange(0, 400)
                record = {
                    "id": message_id,
                    "type": "message",
                    "date_unixtime": str(date),
                    "from": f"Sender {number}",
                    "text": " ".join(rng.sample(WORDS, 3)),
                }
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.write('{"id": 999999, "text": "river half writ')  # being written
        entries.append({"id": number, "name": f"Chat {number}", "path": path})
    (folder / "manifest.json").write_text(json.dumps({"chats": entries}))


def _contents(folder: Path) -> tuple[list[tuple[int, ...]], list[tuple[int, str]]]:
    with SearchIndex(open_archive(folder)) as index:
        stats = index.update()
        assert stats.rebuilt
        assert stats.messages == 3 * 400
        docs = index.db.execute("SELECT id, chat_id, message_id, date FROM docs ORDER BY id")
        texts = index.db.execute("SELECT rowid, text FROM fts ORDER BY rowid")
        return [tuple(r) for r in docs], [tuple(r) for r in texts]


def test_a_build_read_by_two_other_processes_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    _backup(here)
    _backup(there)
    monkeypatch.setattr(index_module, "PARALLEL_BYTES", 1 << 60)
    alone = _contents(here)
    monkeypatch.setattr(index_module, "PARALLEL_BYTES", 0)
    helped = _contents(there)
    assert alone == helped
    docs, _ = alone
    dates = [date for *_, date in docs]
    assert dates == sorted(dates)  # row ids follow dates across chats
    assert len({(chat, message) for _, chat, message, _ in docs}) == 3 * 400


def test_a_line_being_written_is_indexed_once_it_is_whole(tmp_path: Path) -> None:
    _backup(tmp_path, chats=1, messages=10)
    archive = open_archive(tmp_path)
    with SearchIndex(archive) as index:
        index.update()
        assert search(index, archive, "writ", Filters()).count == 0
        jsonl = tmp_path / "chats" / "1_chat" / "messages.jsonl"
        with jsonl.open("a", encoding="utf-8") as handle:
            handle.write('ten", "date_unixtime": "1800000000"}\n')
        assert index.update().messages == 1
        assert search(index, archive, "written", Filters()).count == 1


async def test_the_tui_builds_a_big_index_in_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backup(tmp_path)
    monkeypatch.setattr(index_module, "PARALLEL_BYTES", 0)  # "big": read by a second process
    service = ArchiveService(tmp_path)
    try:
        stats = await service.update_index()
        assert stats.messages == 3 * 400
        results = await service.search("coracao", Filters())
        assert results.count == sum(
            "coração" in json.loads(line).get("text", "")
            for chat in (tmp_path / "chats").iterdir()
            for line in (chat / "messages.jsonl").read_text(encoding="utf-8").splitlines()
            if line.endswith("}")
        )
    finally:
        service.close()
