"""`tgtui backup --follow` as a process against a living sandbox process: it keeps the
archive true while others write, edit and delete; SIGTERM ends it cleanly (exit 0); killed
with SIGKILL and run again, nothing is lost."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from telethon import TelegramClient, errors
from telethon.tl import types

from tests.flows.cli_process import cli_env, run_tgtui
from tests.sandbox_process import start_sandbox_process
from tgtui.format.versions import latest_view

T = TypeVar("T")

CHANGES = 80
# Changes a second: 80 take 8 s, longer than a loaded machine takes to start the follower and
# catch up (at 40 a second they could all land before it, leaving no edit to follow).
RATE = 10


@pytest.fixture
async def living(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A small world where others make CHANGES changes, RATE a second from the start: some
    before the backup has caught up, most while it follows."""
    process, info = await start_sandbox_process(
        "--dialogs", "8", "--messages", "300", "--seed", "12",
        "--activity", str(RATE), "--activity-limit", str(CHANGES),
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


async def _follow(home: Path, info: dict[str, Any], out: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "backup", "--follow", "--all", "--no-media",
        "--sweep", "1", "--out", str(out), "--session", info["session"],
        env=cli_env(home, info),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip


async def _server_truth(info: dict[str, Any], home: Path) -> dict[int, dict[int, str]]:
    """Every chat's messages on the server now: id -> text (read with plain Telethon, each
    chat again from the top when the sandbox answers 500)."""
    session = shutil.copy(info["session"], home / "reader.session")
    # Telethon's own retries of 500s on: its sign-in calls (GetState) are not ours to retry.
    client = TelegramClient(
        str(session), info["api_id"], info["api_hash"], flood_sleep_threshold=0, request_retries=20
    )
    await client.connect()

    async def patiently(read: Callable[[], Awaitable[T]]) -> T:
        for _ in range(100):
            try:
                return await read()
            except errors.ServerError:
                continue
        raise AssertionError("the sandbox kept answering 500")

    async def history(entity: Any) -> dict[int, str]:
        messages = client.iter_messages(entity, limit=None, wait_time=0)
        return {
            m.id: getattr(m, "message", "") or ""
            async for m in messages
            if not isinstance(m, types.MessageEmpty)
        }

    try:
        truth: dict[int, dict[int, str]] = {}
        for folder in (0, 1):
            for dialog in await patiently(partial(client.get_dialogs, folder=folder)):
                truth[dialog.id] = await patiently(partial(history, dialog.entity))
        return truth
    finally:
        await client.disconnect()


def _archive(out: Path) -> dict[int, list[dict[str, Any]]]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {c["id"]: list(latest_view(out / c["path"])) for c in manifest["chats"]}


def _check(archive: dict[int, list[dict[str, Any]]], truth: dict[int, dict[int, str]]) -> None:
    assert set(archive) == set(truth)
    for chat_id, records in archive.items():
        ids = [r["id"] for r in records]
        assert ids == sorted(set(ids)), chat_id  # each message once, in order
        saved = {r["id"]: r for r in records}
        server = truth[chat_id]
        assert set(server) <= set(saved), chat_id  # nothing missing
        for msg_id, record in saved.items():
            if msg_id in server:
                assert "deleted_on_telegram" not in record
                if server[msg_id]:
                    assert record["text"] == server[msg_id]  # the latest version
            else:
                assert "deleted_on_telegram" in record  # deleted there, kept and marked here


async def until_archived(
    out: Path, read_truth: Callable[[], Awaitable[dict[int, dict[int, str]]]], within: float = 90
) -> dict[int, dict[int, str]]:
    """Wait until the archive a follower is writing in ``out`` holds the server's truth and
    the server has stopped changing (read again once the archive matched: the same), and
    return that truth; fail with the last difference after ``within`` seconds. What arrives
    is saved as it arrives, later on a loaded machine: never a fixed pause (a busy CI box
    took longer than one). The truth is read again at each try: the server may still be
    changing when it is first read (its activity runs late on a loaded machine too), and
    the archive then goes past that truth, never back to it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        truth = await read_truth()
        try:
            _check(_archive(out), truth)
        except (AssertionError, OSError, ValueError):
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.25)
            continue
        if await read_truth() == truth:
            return truth  # and the server has stopped changing


async def quiet_truth(
    read_truth: Callable[[], Awaitable[dict[int, dict[int, str]]]], within: float = 90
) -> dict[int, dict[int, str]]:
    """The server's truth once it has stopped changing (read again a second later: the
    same): its activity ends later than its schedule says on a loaded machine, and a run
    made before it ended cannot hold what came after."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    truth = await read_truth()
    while True:
        await asyncio.sleep(1.0)
        again = await read_truth()
        if again == truth:
            return truth
        assert loop.time() < deadline, "the server never stopped changing"
        truth = again


async def _wait_for_changes(info: dict[str, Any]) -> None:
    await asyncio.sleep(CHANGES / RATE + 2)  # the activity runs and ends


async def test_the_truth_is_read_again_until_the_archive_holds_it(tmp_path: Path) -> None:
    """The server changed after its truth was first read (its activity ran late on a loaded
    machine) and the archive already holds the change: waiting reads the truth again, rather
    than waiting for an archive that will never go back to the older truth (it did: a
    message created last was taken for one deleted on the server and never marked)."""
    chat = tmp_path / "chats" / "-3000000"
    chat.mkdir(parents=True)
    (tmp_path / "manifest.json").write_text(
        json.dumps({"chats": [{"id": -3000000, "path": "chats/-3000000"}]})
    )
    lines = [
        {"id": 811, "type": "message", "text": "a"},
        {"id": 812, "type": "message", "text": "b"},
    ]
    (chat / "messages.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    reads = [{-3000000: {811: "a"}}]  # read before 812 was sent: then the server's last word
    now = {-3000000: {811: "a", 812: "b"}}

    async def read_truth() -> dict[int, dict[int, str]]:
        return reads.pop(0) if reads else now

    assert await until_archived(tmp_path, read_truth, within=2) == now


async def test_follow_keeps_up_and_sigterm_ends_it_cleanly(
    living: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "b"
    process = await _follow(tmp_path, living, out)
    await _wait_for_changes(living)
    # A sweep or two after the last change.
    truth = await until_archived(out, lambda: _server_truth(living, tmp_path))
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    text = err.decode()
    assert process.returncode == 0, text
    assert "Following 8 chats" in text
    assert "Stopped following" in text
    _check(_archive(out), truth)  # and still, once stopped
    edits = sum(1 for path in out.glob("chats/*/edits.jsonl") for _ in path.open())
    deletions = sum(1 for path in out.glob("chats/*/deleted.jsonl") for _ in path.open())
    assert edits > 0
    assert deletions > 0


async def test_follow_killed_then_run_again_loses_nothing(
    living: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "b"
    process = await _follow(tmp_path, living, out)
    await asyncio.sleep(1.5)  # in the middle of the activity
    process.send_signal(signal.SIGKILL)
    await process.wait()
    await _wait_for_changes(living)
    code, _, err = await run_tgtui(
        tmp_path, living, "backup", "--all", "--no-media", "--out", str(out)
    )
    assert code == 0, err
    _check(_archive(out), await _server_truth(living, tmp_path))


async def test_following_under_server_errors_and_kills_keeps_every_chat_true(
    tmp_path: Path,
) -> None:
    """The audit's run: others write, edit and delete 20 times a second while 6% of requests
    answer 500 INTERNAL; `--follow` is stopped again and again (SIGKILL or SIGTERM, at
    seeded random moments) and started again, then one plain run. Every chat, message by
    message, is as on the server: its latest text, deletions marked, nothing twice, nothing
    missing. (0.4 lost new messages and kept stale texts and unmarked deletions here: the
    account's state was saved past changes a killed run had not written.)"""
    process, info = await start_sandbox_process(
        "--dialogs", "10", "--messages", "300", "--seed", "14",
        "--activity", "20", "--activity-limit", "300", "--fault", "rpc500=0.06",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    try:
        out = tmp_path / "b"
        rng = random.Random(14)
        ends = asyncio.get_running_loop().time() + 300 / 20 + 2  # the activity's length
        while asyncio.get_running_loop().time() < ends:
            follower = await _follow(tmp_path, info, out)
            await asyncio.sleep(rng.uniform(1.5, 4.0))  # a random moment: wherever it is
            how = rng.choice([signal.SIGKILL, signal.SIGTERM])
            assert follower.returncode is None, (await follower.communicate())[1].decode()
            follower.send_signal(how)
            _, err = await asyncio.wait_for(follower.communicate(), 60)
            if how == signal.SIGTERM:  # stopped while backing up (130) or following (0)
                assert follower.returncode in (0, 130), err.decode()
        # The last plain run, once the others' changes have ended (not when their schedule
        # says: on a loaded machine they run late, and a change after the run is not in it).
        truth = await quiet_truth(lambda: _server_truth(info, tmp_path))
        code, _, err_text = await run_tgtui(
            tmp_path, info, "backup", "--all", "--no-media", "--out", str(out)
        )
        assert code == 0, err_text
        _check(_archive(out), truth)
    finally:
        process.terminate()
        await process.wait()


async def test_follow_through_a_proxy_survives_the_proxy_restarting(
    living: dict[str, Any], tmp_path: Path
) -> None:
    """The proxy goes away for a while and comes back on the same port (a restart): the
    follower waits, reconnects through it, and the archive ends true."""
    from tests.proxy_process import free_port, running_proxy

    out = tmp_path / "b"
    port = free_port()
    async with running_proxy("socks5", "f:pw", port) as proxy:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tgtui", "backup", "--follow", "--all", "--no-media",
            "--sweep", "1", "--out", str(out), "--session", living["session"],
            "--proxy", f"socks5://f:pw@127.0.0.1:{port}",
            env=cli_env(tmp_path, living),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        await _until(lambda: bool(proxy.onward()))  # it connected through the proxy
        await asyncio.sleep(CHANGES / RATE / 3)  # following, while others write
    await asyncio.sleep(2)  # no proxy: every connection through it is gone
    async with running_proxy("socks5", "f:pw", port) as proxy:
        await _until(lambda: bool(proxy.onward()))  # it came back through the new one
        await asyncio.sleep(CHANGES / RATE)  # the rest of the activity
        await until_archived(out, lambda: _server_truth(living, tmp_path))  # and sweeps
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    _check(_archive(out), await _server_truth(living, tmp_path))


async def _until(condition: Callable[[], bool], within: float = 60) -> None:
    """Wait until ``condition`` holds (polled), failing after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "it did not happen in time"
        await asyncio.sleep(0.1)
