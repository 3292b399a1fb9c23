"""The batch writer: whole lines only, one fsync per batch, torn tails repaired, no duplicates."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tgtui.backup.checkpoint import Checkpoint, reconcile, save_checkpoint
from tgtui.backup.writer import BackupWriteError, BatchWriter, repair_tail


def _ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_batches_are_written_whole_with_one_fsync_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        syncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    path = tmp_path / "chat" / "messages.jsonl"
    writer = BatchWriter(path, batch_size=10, max_age=3600)
    assert writer.open() is None
    for i in range(1, 26):
        if writer.add({"id": i, "text": f"message {i} ünïcode"}):
            writer.flush()
    assert _ids(path) == list(range(1, 21))  # two full batches on disk, 5 buffered
    assert writer.pending == 5
    writer.close()
    assert _ids(path) == list(range(1, 26))
    assert len(syncs) == 3
    assert json.loads(path.read_text().splitlines()[0])["text"] == "message 1 ünïcode"


def test_a_torn_last_line_is_cut_and_the_last_whole_id_returned(tmp_path: Path) -> None:
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2}\n{"id": 3, "text": "half')
    writer = BatchWriter(path)
    assert writer.open() == 2
    writer.add({"id": 3, "text": "whole"})
    writer.close()
    assert _ids(path) == [1, 2, 3]


@pytest.mark.parametrize(
    ("content", "last", "kept"),
    [
        (b"", None, b""),
        (b'{"id": 7', None, b""),
        (b'{"id": 1}\n{"id": 2}\n', 2, b'{"id": 1}\n{"id": 2}\n'),
        # A whole line that is not a record is kept (the integrity check moves it to
        # messages.jsonl.damaged); only a torn one, without its newline, is cut.
        (b'{"id": 1}\nnot json\n', 1, b'{"id": 1}\nnot json\n'),
        (b'{"id": 1}\n{"no_id": 1}\n{"id": ', 1, b'{"id": 1}\n{"no_id": 1}\n'),
    ],
)
def test_repair_tail(tmp_path: Path, content: bytes, last: int | None, kept: bytes) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(content)
    assert repair_tail(path) == last
    assert path.read_bytes() == kept


def test_repair_reads_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    long_text = "x" * (200 * 1024)
    path.write_text(json.dumps({"id": 5, "text": long_text}) + "\n" + '{"id": 6, "te')
    assert repair_tail(path) == 5
    assert _ids(path) == [5]


def test_disk_full_rolls_back_the_batch_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "messages.jsonl"
    writer = BatchWriter(path, batch_size=3)
    writer.open()
    for i in (1, 2, 3):
        writer.add({"id": i})
    writer.flush()
    for i in (4, 5, 6):
        writer.add({"id": i})
    real_write = os.write

    def full_disk(fd: int, data: Any) -> int:
        real_write(fd, bytes(data)[:7])  # part of the batch lands, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(BackupWriteError, match="No space left on device"):
        writer.flush()
    assert _ids(path) == [1, 2, 3]  # the half-written batch was rolled back
    assert writer.last_id == 3
    monkeypatch.setattr(os, "write", real_write)
    writer.close()  # space freed: the same batch goes out once
    assert _ids(path) == [1, 2, 3, 4, 5, 6]


def test_checkpoint_never_ahead_of_the_file(tmp_path: Path) -> None:
    jsonl = tmp_path / "messages.jsonl"
    jsonl.write_text('{"id": 10}\n{"id": 11}\n')
    state = tmp_path / "state.json"
    save_checkpoint(state, Checkpoint(chat_id=5, last_id=40, messages=30))  # claims too much
    resumed = reconcile(state, jsonl, 5, repair_tail(jsonl))
    assert (resumed.last_id, resumed.messages) == (11, 2)


def test_corrupt_checkpoint_is_rebuilt_from_the_file(tmp_path: Path) -> None:
    jsonl = tmp_path / "messages.jsonl"
    jsonl.write_text('{"id": 10}\n{"id": 11}\n{"id": 12}\n')
    state = tmp_path / "state.json"
    state.write_text('{"version": 1, "chat_id": 5, "last_')
    resumed = reconcile(state, jsonl, 5, repair_tail(jsonl))
    assert (resumed.last_id, resumed.messages) == (12, 3)
    save_checkpoint(state, resumed)
    assert json.loads(state.read_text())["last_id"] == 12
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind
