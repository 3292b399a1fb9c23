"""tgtui where POSIX is missing: the Windows code paths of `tgtui.portable`, run on Linux
with `fcntl`, `os.pread`, `os.getuid`, O_NONBLOCK/O_NOFOLLOW and loop signal handlers hidden
(`without_posix.py`), against a sandbox process: it locks, lists, backs up, stops on SIGTERM
and resumes exactly as on Linux."""

from __future__ import annotations

import asyncio
import json
import os
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
from tgtui import portable
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.telegram.service import CLIENT_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_POSIX = Path(__file__).with_name("without_posix.py")


def _env(home: Path, info: dict[str, Any] | None = None) -> dict[str, str]:
    env = cli_env(home, info) if info else dict(os.environ, HOME=str(home))
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_the_lock_holds_across_processes_without_flock(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from tests.portable.without_posix import hide_posix\n"
        "hide_posix()\n"
        "from tgtui.private_files import ExclusiveLock, LockHeld\n"
        "lock = ExclusiveLock(__import__('pathlib').Path(sys.argv[1]))\n"
        "try:\n"
        "    lock.acquire()\n"
        "except LockHeld as exc:\n"
        "    print('held by', exc.pid, flush=True); sys.exit(3)\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "lock.release()\n"
        "print('released', flush=True)\n"
    )
    path = tmp_path / "session.lock"
    command = [sys.executable, "-c", script, str(path)]
    holder = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env(tmp_path)
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    try:
        assert holder.stdout.readline() == "locked\n"
        second = subprocess.run(
            command, capture_output=True, text=True, env=_env(tmp_path), timeout=30
        )
        assert (second.returncode, second.stdout) == (3, f"held by {holder.pid}\n")
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "released\n"
    finally:
        holder.wait(timeout=30)
    third = subprocess.run(
        command, input="\n", capture_output=True, text=True, env=_env(tmp_path), timeout=30
    )
    assert third.returncode == 0, third.stderr


def test_pread_without_os_pread_reads_at_the_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    monkeypatch.delattr(os, "pread")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert portable.pread(fd, 3, 4) == b"456"
        assert portable.pread(fd, 100, 8) == b"89"
        assert portable.pread(fd, 1, 0) == b"0"
    finally:
        os.close(fd)


def test_without_owner_ids_no_file_is_someone_elses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = os.stat(tmp_path)
    monkeypatch.delattr(os, "getuid")
    assert portable.owned_by_someone_else(info) is False


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    process, info = await start_sandbox_process(
        "--dialogs", "6", "--messages", "3000", "--seed", "9", "--latency-ms", "30",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


async def _tgtui(home: Path, info: dict[str, Any], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(WITHOUT_POSIX), *args, "--session", info["session"],
        env=_env(home, info),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


async def test_lists_backs_up_stops_and_resumes_without_posix(
    sandbox: dict[str, Any], tmp_path: Path
) -> None:
    listing = await _tgtui(tmp_path, sandbox, "chats", "--json")
    out, err = await asyncio.wait_for(listing.communicate(), 60)
    assert listing.returncode == 0, err.decode()
    assert len(json.loads(out)) == 6

    backup = tmp_path / "b"
    args = ("backup", "--all", "--max-file-size", "0.3", "--out", str(backup))
    first = await _tgtui(tmp_path, sandbox, *args)
    deadline = asyncio.get_running_loop().time() + 30
    while not any(p.stat().st_size for p in backup.glob("chats/*/messages.jsonl")):
        assert asyncio.get_running_loop().time() < deadline, "the backup never wrote"
        await asyncio.sleep(0.05)
    second = await _tgtui(tmp_path, sandbox, *args)  # while the first holds the session
    _, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 2
    assert b"already running with the session" in err
    first.send_signal(signal.SIGTERM)  # reaches the loop through a plain signal handler
    _, err = await asyncio.wait_for(first.communicate(), 60)
    assert first.returncode == 130, err.decode()
    assert b"Stopped" in err

    last = await _tgtui(tmp_path, sandbox, *args)
    _, err = await asyncio.wait_for(last.communicate(), 120)
    assert last.returncode == 0, err.decode()
    client = TelegramClient(
        str(tmp_path / "sandbox.session"),
        sandbox["api_id"],
        sandbox["api_hash"],
        **CLIENT_OPTIONS,
    )
    await client.connect()
    try:
        manifest = json.loads((backup / "manifest.json").read_text())
        targets = {t.chat_id: t for t in map(target_of, await all_dialogs(client))}
        assert len(manifest["chats"]) == 6
        for entry in manifest["chats"]:
            ids = read_ids(backup / entry["path"])
            assert ids == await server_ids(client, targets[entry["id"]])  # exactly once
        data = b"".join(p.read_bytes() for p in backup.glob("chats/*/messages.jsonl"))
        assert b"\r\n" not in data  # binary mode: no newline translation
    finally:
        await client.disconnect()

    biggest = max(manifest["chats"], key=lambda c: c["messages"])
    reading = await asyncio.create_subprocess_exec(
        sys.executable, str(WITHOUT_POSIX.with_name("read_without_posix.py")), str(backup),
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(reading.communicate(), 60)
    assert reading.returncode == 0, err.decode()
    newest, oldest = out.decode().splitlines()[-2:]
    total = f"{biggest['messages']:,}"
    assert f"message {total} of {total}" in newest  # the reader opens at the newest
    assert f"message 1 of {total}" in oldest
