"""An incremental run checks each chat's file before reading its news: a small one in the
event loop (a thread's start and hand-back cost more than reading it: 4,000 small chats with
nothing new took 4.0 s, 2.5 s now), a big one in a thread (the screen and the other chats
go on meanwhile). Either way the check finds the same: a line torn off the end is cut."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tgtui.backup import repair
from tgtui.backup.checkpoint import Checkpoint, save_checkpoint, stat_key
from tgtui.backup.files import READ_HERE_BYTES
from tgtui.backup.naming import JSONL, STATE

Threaded = list[str]


def _chat(folder: Path, messages: int, *, torn: bool = False) -> None:
    folder.mkdir()
    lines = [json.dumps({"id": n, "type": "message", "text": "x" * 40}) for n in range(1, messages)]
    data = "".join(line + "\n" for line in lines)
    (folder / JSONL).write_text(data + ('{"id": 99' if torn else ""))
    checkpoint = Checkpoint(chat_id=7, last_id=messages - 1, messages=messages - 1, complete=True)
    checkpoint.jsonl_stat = None if torn else stat_key(folder / JSONL)
    save_checkpoint(folder / STATE, checkpoint)


@pytest.fixture
def threaded(monkeypatch: pytest.MonkeyPatch) -> Threaded:
    """The names of what `check_chat` hands to a thread."""
    names: Threaded = []
    to_thread = asyncio.to_thread

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(getattr(function, "__name__", "?"))
        return await to_thread(function, *args, **kwargs)

    monkeypatch.setattr("tgtui.backup.repair.asyncio.to_thread", counted)
    return names


async def _check(folder: Path) -> repair.Repair:
    return await repair.check_chat(folder, 7, None, None, verify=False)  # type: ignore[arg-type]


async def test_a_small_chat_is_checked_without_a_thread(tmp_path: Path, threaded: Threaded) -> None:
    _chat(tmp_path / "small", 50)
    found = await _check(tmp_path / "small")
    assert threaded == []
    assert found.checked is False  # unchanged since written: its lines are not read again


async def test_a_big_chat_is_checked_in_a_thread(tmp_path: Path, threaded: Threaded) -> None:
    _chat(tmp_path / "big", 3_000)
    assert (tmp_path / "big" / JSONL).stat().st_size > READ_HERE_BYTES
    await _check(tmp_path / "big")
    assert threaded != []


async def test_a_torn_small_chat_is_cut_as_a_big_one_is(tmp_path: Path, threaded: Threaded) -> None:
    _chat(tmp_path / "small", 50, torn=True)
    found = await _check(tmp_path / "small")
    assert found.checked is True
    assert (tmp_path / "small" / JSONL).read_bytes().endswith(b"}\n")
    assert threaded == []
