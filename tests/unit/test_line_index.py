"""Line offsets found from the end of a JSONL file, in chunks of any size, and messages found
by bisection: every line comes back whole, and a line still being written is not one."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path

import pytest

from tgtui.archive import lines as lines_module
from tgtui.archive.chat_log import ChatLog
from tgtui.archive.folder import ArchiveChat
from tgtui.archive.lines import LineIndex, LinesError


def _write(path: Path, lines: list[bytes], tail: bytes = b"") -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines) + tail)


@pytest.mark.parametrize(("first", "chunk"), [(1, 1), (7, 5), (64, 1000), (65536, 2 << 20)])
def test_every_line_whole_at_any_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: int, chunk: int
) -> None:
    monkeypatch.setattr(lines_module, "FIRST_CHUNK", first)
    monkeypatch.setattr(lines_module, "CHUNK", chunk)
    rng = random.Random(first)
    lines = [b"x" * rng.randrange(0, 30) + str(i).encode() for i in range(300)]
    lines[5] = b""  # an empty line is a line
    path = tmp_path / "m.jsonl"
    _write(path, lines, tail=b'{"being": "writ')
    index = LineIndex(path)
    known = index.count
    assert all(index.line(k) == lines[-1 - k] for k in range(known))
    index.scan()
    assert index.complete.is_set()
    assert index.count == len(lines)
    assert [index.line(k) for k in range(index.count)] == lines[::-1]
    with pytest.raises(IndexError):
        index.line(len(lines))
    index.close()


def test_appended_lines_count_once_whole_and_a_replaced_file_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    _write(path, [b"one", b"two"], tail=b"thr")
    index = LineIndex(path)
    index.scan()
    assert index.count == 2
    assert index.refresh() == 0  # "thr" is not a line yet
    with path.open("ab") as handle:
        handle.write(b"ee\nfour\nfi")
    assert index.refresh() == 2
    assert [index.line(k) for k in range(index.count)] == [b"four", b"three", b"two", b"one"]
    replacement = tmp_path / "new.jsonl"
    _write(replacement, [b"one", b"two", b"three", b"four", b"five"])
    os.replace(replacement, path)  # a repair writes a new file in its place
    assert index.refresh() is None
    index.close()


def test_a_file_cut_shorter_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    _write(path, [b"one", b"two"])
    index = LineIndex(path)
    os.truncate(path, 4)
    assert index.refresh() is None
    index.close()


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(LinesError, match="not a regular file"):
        LineIndex(fifo)
    link = tmp_path / "link.jsonl"
    link.symlink_to("/etc/passwd")
    with pytest.raises(LinesError):
        LineIndex(link)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    index = LineIndex(empty)
    assert index.count == 0
    assert index.complete.is_set()


def _chat(tmp_path: Path, records: list[object]) -> ChatLog:
    folder = tmp_path / "chats" / "1_x"
    folder.mkdir(parents=True)
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    _write(folder / "messages.jsonl", lines)
    chat = ArchiveChat(1, "x", "personal_chat", folder, len(lines), "complete", None, "")
    log = ChatLog(chat)
    log.scan()
    return log


def test_find_ids_and_dates_by_bisection_around_damaged_lines(tmp_path: Path) -> None:
    base = 1_700_000_000
    records: list[object] = [
        {"id": i, "date_unixtime": str(base + i * 3600), "text": f"m{i}"} for i in range(1, 400, 3)
    ]
    records[10] = b"{not json"
    records[11] = b"[1]"
    records[50] = {"text": "no id"}
    log = _chat(tmp_path, records)
    ids = [r["id"] for r in records if isinstance(r, dict) and "id" in r]
    for wanted in (1, 4, 5, 31, 34, 151, 397, 398):
        k = log.find_id(wanted)
        expected = next((i for i in ids if i >= wanted), None)
        assert (None if k is None else log.at(k)["id"]) == expected, wanted
    assert log.exact(34) is None  # damaged: not there
    exact = log.exact(37)
    assert exact is not None
    assert exact["text"] == "m37"
    when = dt.datetime.fromtimestamp(base + 100 * 3600 + 1, dt.UTC)
    k = log.find_date(when)
    assert k is not None
    assert log.at(k)["id"] == 103
    assert log.find_date(dt.datetime(2999, 1, 1, tzinfo=dt.UTC)) is None
    assert log.at(log.count - 1 - 10)["type"] == "unreadable"
    log.close()


def test_closing_stops_a_scan_and_lets_waiters_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_module, "FIRST_CHUNK", 20)
    path = tmp_path / "m.jsonl"
    _write(path, [b"line %d" % i for i in range(100)])
    index = LineIndex(path)
    assert not index.complete.is_set()
    assert index.count >= 1
    index.close()
    assert index.complete.wait(timeout=1)  # a jump waiting for the count is let go
    index.scan()  # finds nothing more, and does not touch a closed descriptor
    with pytest.raises(LinesError):
        index.line(0)
    assert index.refresh() is None
