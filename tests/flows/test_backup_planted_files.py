"""`tgtui backup` into a backup folder whose own files were replaced by what no tgtui writes
(a folder from elsewhere, a sync tool gone wrong): a manifest.json, updates-state.json or a
chat's state.json that is a FIFO, an endless device or a link hangs nothing and is never
followed; the run rebuilds them from the chats' files and completes. As a process against a
sandbox."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.flows.cli_process import run_tgtui
from tests.sandbox_process import start_sandbox_process


@pytest.fixture
async def sandbox_info(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    process, info = await start_sandbox_process(
        "--dialogs", "3", "--messages", "40", "--seed", "4",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


def _plant(path: Path, kind: str) -> None:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "endless":
        path.symlink_to("/dev/zero")
    else:  # a link to a file outside the backup: never read, never written through
        outside = next(p for p in path.parents if p.name == "b").parent
        elsewhere = outside / f"elsewhere-{path.parent.name}-{path.name}"
        elsewhere.write_text('{"secret": true}')
        path.symlink_to(elsewhere)


@pytest.mark.parametrize("kind", ["fifo", "endless", "link"])
async def test_planted_manifest_and_state_files_hang_nothing(
    sandbox_info: dict[str, Any], tmp_path: Path, kind: str
) -> None:
    out = tmp_path / "b"
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--out", str(out))  # fmt: skip
    assert code == 0, err
    chats = sorted(out.glob("chats/*"))
    _plant(out / "manifest.json", kind)
    _plant(out / "updates-state.json", kind)
    _plant(chats[0] / "state.json", kind)
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "Traceback" not in err
    rebuilt_files = (out / "manifest.json", out / "updates-state.json", chats[0] / "state.json")
    for rebuilt in rebuilt_files:
        assert rebuilt.is_file()
        assert not rebuilt.is_symlink()
        assert "secret" not in rebuilt.read_text()
    assert len(json.loads((out / "manifest.json").read_text())["chats"]) == len(chats)
    assert _untouched(tmp_path)  # never written through


def _untouched(folder: Path) -> bool:
    """Every file a planted link led to still holds what it held."""
    return all(p.read_text() == '{"secret": true}' for p in folder.rglob("elsewhere-*"))


async def test_a_huge_damaged_line_is_kept_whole_and_the_file_repaired(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    """A line longer than any message (6 MiB, no record) in a chat's messages.jsonl: the run
    keeps it byte for byte in messages.jsonl.damaged (copied a piece at a time) and repairs
    the chat from Telegram."""
    out = tmp_path / "b"
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--out", str(out))  # fmt: skip
    assert code == 0, err
    jsonl = sorted(out.glob("chats/*/messages.jsonl"))[0]
    lines = jsonl.read_bytes().splitlines(keepends=True)
    garbage = b"x" * (6 << 20) + b"\n"
    jsonl.write_bytes(b"".join(lines[:5]) + garbage + b"".join(lines[5:]))
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert jsonl.with_name("messages.jsonl.damaged").read_bytes() == garbage
    assert jsonl.read_bytes() == b"".join(lines)


async def test_an_unreadable_last_line_is_kept_not_thrown_away(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    """A whole line at the end of messages.jsonl that is not a message (someone edited the
    file): kept in messages.jsonl.damaged like any damaged line (it was cut and lost, as if
    a crash had torn it)."""
    out = tmp_path / "b"
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--out", str(out))  # fmt: skip
    assert code == 0, err
    jsonl = sorted(out.glob("chats/*/messages.jsonl"))[0]
    before = jsonl.read_bytes()
    jsonl.write_bytes(before + b"my own note, typed into the file\n")
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--out", str(out))  # fmt: skip
    assert code == 0, err
    damaged = jsonl.with_name("messages.jsonl.damaged")
    assert damaged.read_bytes() == b"my own note, typed into the file\n"
    assert jsonl.read_bytes() == before
