"""`tgtui backup` as a process against `tgtui sandbox` as a process: kill -9, exit codes."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, server_ids
from tests.flows.cli_process import cli_env
from tests.sandbox_process import start_sandbox_process
from tgtui.backup.checkpoint import load_checkpoint
from tgtui.backup.selection import ChatTarget, all_dialogs, target_of
from tgtui.telegram.service import CLIENT_OPTIONS


@pytest.fixture
async def sandbox_process(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A sandbox process with 8 chats, answering every request 40 ms late (so a backup takes
    long enough to be killed in the middle)."""
    process, info = await start_sandbox_process(
        "--dialogs", "8", "--messages", "3000", "--seed", "5", "--latency-ms", "40",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


def _backup_command(info: dict[str, Any], out: Path, *extra: str) -> list[str]:
    """`tgtui backup` with media files up to 300 KB (small enough to stay quick, and many)."""
    return [
        sys.executable, "-m", "tgtui", "backup", "--session", info["session"],
        "--out", str(out), "--max-file-size", "0.3", *extra,
    ]  # fmt: skip


async def _run(home: Path, info: dict[str, Any], out: Path, *extra: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *_backup_command(info, out, *extra),
        env=cli_env(home, info),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, err.decode()


def _files_complete(folder: Path) -> int:
    """Every file the chat's records name is on disk at its full size; returns the count."""
    count = 0
    for line in (folder / "messages.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("file"):
            assert (folder / record["file"]).stat().st_size == record["file_size"], record
            count += 1
    return count


def _has_data(out: Path) -> bool:
    return any(p.stat().st_size for p in out.glob("chats/*/messages.jsonl"))


async def _started_writing(out: Path, within: float = 30.0) -> None:
    """Wait until the backup has written its first batch."""
    deadline = asyncio.get_running_loop().time() + within
    while not _has_data(out):
        assert asyncio.get_running_loop().time() < deadline, "the backup never wrote"
        await asyncio.sleep(0.05)


async def _kill_mid_run(
    command: list[str], env: dict[str, str], out: Path, within: float, rng: random.Random
) -> bool:
    """Start ``command``, and once it has written, SIGKILL it within ``within`` seconds;
    whether the kill landed before it ended by itself."""
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await _started_writing(out)
    await asyncio.sleep(rng.uniform(0.0, within))
    landed = process.returncode is None
    if landed:
        process.send_signal(signal.SIGKILL)
    await process.wait()
    return landed


async def _server_view(info: dict[str, Any]) -> tuple[TelegramClient, list[ChatTarget]]:
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    rows = await all_dialogs(client)
    return client, [target_of(r) for r in rows if r.peer is not None]


async def test_backup_killed_again_and_again_stays_exact(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    rng = random.Random(20261125)
    killed = 0
    command = _backup_command(sandbox_process, out, "--all", "--concurrency", "2")
    for _ in range(4):  # SIGKILL at random moments, each run continuing the last
        killed += await _kill_mid_run(command, cli_env(tmp_path, sandbox_process), out, 0.6, rng)
        for state in out.glob("chats/*/state.json"):  # a checkpoint is never ahead of data
            folder = state.parent
            checkpoint = load_checkpoint(state, json.loads(state.read_text())["chat_id"])
            assert checkpoint is not None
            data = (folder / "messages.jsonl").read_bytes()
            whole = data[: data.rfind(b"\n") + 1]
            assert checkpoint.messages <= whole.count(b"\n")
    assert killed >= 3  # the kills really landed mid-run
    code, err = await _run(tmp_path, sandbox_process, out, "--all")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert {c["status"] for c in manifest["chats"]} == {"complete"}
    client, targets = await _server_view(sandbox_process)
    try:
        assert len(manifest["chats"]) == len(targets)
        for entry in manifest["chats"]:
            target = next(t for t in targets if t.chat_id == entry["id"])
            ids = read_ids(out / entry["path"])
            assert ids == await server_ids(client, target)  # exactly once, in order
            assert entry["messages"] == len(ids)
            assert entry["media_failed"] == 0
            assert _files_complete(out / entry["path"]) == entry["media_files"]
        assert list(out.rglob("*.part")) == []  # partial data never outlives a finished run
    finally:
        await client.disconnect()


async def test_exit_codes(sandbox_process: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "b"
    code, err = await _run(tmp_path, sandbox_process, out, "No Such Chat")
    assert code == 2
    assert "no chat matches 'No Such Chat'" in err
    code, err = await _run(tmp_path, sandbox_process, out)
    assert code == 2
    assert "--all" in err
    code, err = await _run(
        tmp_path, sandbox_process, out, "--all", "--since", "2025-02-01", "--until", "2025-01-01"
    )
    assert code == 2
    assert "--since must be before --until" in err
    client, targets = await _server_view(sandbox_process)
    await client.disconnect()
    name = targets[0].name
    code, err = await _run(tmp_path, sandbox_process, out, name, str(targets[1].chat_id))
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert {c["id"] for c in manifest["chats"]} >= {targets[0].chat_id, targets[1].chat_id}


async def test_a_private_chat_gives_exit_code_one(tmp_path: Path) -> None:
    process, info = await start_sandbox_process(
        "--dialogs", "6", "--messages", "200", "--seed", "5",
        "--session-out", str(tmp_path / "s.session"),
    )  # fmt: skip
    try:
        client, targets = await _server_view(info)
        await client.disconnect()
        channel = next(t for t in targets if t.chat_id < -1_000_000_000_000)
    finally:
        process.terminate()
        await process.wait()
    process, info = await start_sandbox_process(
        "--dialogs", "6", "--messages", "200", "--seed", "5",
        "--fault", f"private={channel.chat_id}",
        "--session-out", str(tmp_path / "s.session"),
    )  # fmt: skip
    try:
        code, err = await _run(tmp_path, info, tmp_path / "b", "--all")
    finally:
        process.terminate()
        await process.wait()
    assert code == 1, err
    assert "skipped" in err
    assert "private" in err


async def test_sigterm_stops_cleanly_and_the_next_run_finishes(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "b"
    process = await asyncio.create_subprocess_exec(
        *_backup_command(sandbox_process, out, "--all", "--concurrency", "2"),
        env=cli_env(tmp_path, sandbox_process),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    await _started_writing(out)
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 130, err.decode()
    assert "run again to resume" in err.decode()
    for path in out.glob("chats/*/messages.jsonl"):
        assert path.read_bytes().endswith(b"\n")  # whole lines only
    code, err_text = await _run(tmp_path, sandbox_process, out, "--all")
    assert code == 0, err_text


async def test_killed_while_a_big_chat_is_read_in_windows_stays_exact(tmp_path: Path) -> None:
    """kill -9 while one big chat has many windows out (as it ships: 16 requests in flight):
    each time the file is ascending, each message once, the checkpoint never ahead of it;
    the run after the last kill finishes it exactly."""
    process, info = await start_sandbox_process(
        "--dialogs", "2", "--messages", "6000", "--seed", "11", "--biggest-supergroup",
        "--latency-ms", "30", "--session-out", str(tmp_path / "s.session"),
    )  # fmt: skip
    out = tmp_path / "backup"
    rng = random.Random(20261128)
    command = [
        sys.executable, "-m", "tgtui", "backup", "--session", info["session"],
        "--out", str(out), "--all", "--no-media",
    ]  # fmt: skip
    try:
        killed = 0
        for _ in range(3):
            killed += await _kill_mid_run(command, cli_env(tmp_path, info), out, 0.3, rng)
            for state in out.glob("chats/*/state.json"):
                ids = read_ids(state.parent)
                assert ids == sorted(set(ids))  # never out of order, never twice
                checkpoint = load_checkpoint(state, json.loads(state.read_text())["chat_id"])
                assert checkpoint is not None
                assert checkpoint.messages <= len(ids)
        assert killed >= 2
        last = await asyncio.create_subprocess_exec(
            *command,
            env=cli_env(tmp_path, info),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, err = await last.communicate()
        assert last.returncode == 0, err.decode()
        client, targets = await _server_view(info)
        try:
            manifest = json.loads((out / "manifest.json").read_text())
            for entry in manifest["chats"]:
                target = next(t for t in targets if t.chat_id == entry["id"])
                assert read_ids(out / entry["path"]) == await server_ids(client, target)
        finally:
            await client.disconnect()
    finally:
        process.terminate()
        await process.wait()
