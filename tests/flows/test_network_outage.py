"""When the network goes away mid-backup: `tgtui backup` through a real SOCKS5 proxy (pproxy),
the proxy stopped for longer than a blip and started again on the same port. The backup
says it lost the connection and got it back, waits, and ends complete and exact.

And the ways a drop hit the engine that the outage found: the connection to the files' DC
dropped while Telethon set it up (the server took auth.importAuthorization, its answer was
lost, and the import sent again was refused: AUTH_BYTES_INVALID)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.tl import functions

from tests.flows.backup_helpers import read_ids, server_ids, targets
from tests.flows.cli_process import cli_env
from tests.proxy_process import free_port, running_proxy
from tests.sandbox_process import start_sandbox_process
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.sandbox import SandboxServer
from tgtui.sandbox.rpc import HANDLERS, Call
from tgtui.telegram.service import CLIENT_OPTIONS

OUTAGE = 9.0  # seconds the proxy is away: many of Telethon's own reconnect attempts
pytestmark = pytest.mark.timeout(240)


@pytest.fixture
async def sandbox_process(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A sandbox process answering every request 40 ms late, so a backup takes a while."""
    process, info = await start_sandbox_process(
        "--dialogs", "8", "--messages", "3000", "--seed", "5", "--latency-ms", "40",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


class Lines:
    """A process's stderr, line by line, as it comes."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._stream = stream
        self._changed = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for raw in self._stream:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def wait_for(self, text: str, within: float) -> float:
        """Until a line holds ``text``; returns when (time.monotonic())."""
        deadline = time.monotonic() + within
        while not any(text in line for line in self.lines):
            left = deadline - time.monotonic()
            assert left > 0, (text, self.lines[-20:])
            assert not self.reader.done(), (text, self.lines[-20:])
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return time.monotonic()


async def test_a_backup_rides_out_a_proxy_that_goes_away(
    sandbox_process: dict[str, Any], tmp_path: Path
) -> None:
    info = sandbox_process
    port = free_port()
    out = tmp_path / "backup"
    stack = contextlib.AsyncExitStack()
    await stack.enter_async_context(running_proxy("socks5", port=port))
    began = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "backup", "--all", "--out", str(out),
        "--max-file-size", "0.3", "--progress", "lines", "--heartbeat", "0",
        "--proxy", f"socks5://127.0.0.1:{port}", "--session", info["session"],
        env=cli_env(tmp_path, info),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    err = Lines(process.stderr)
    try:
        await err.wait_for("started:", within=60)
        await asyncio.sleep(1.0)  # well into the run: requests and downloads in flight
        assert process.returncode is None, err.lines
        stopped = time.monotonic()
        await stack.aclose()  # the proxy goes away, and every connection through it
        lost = await err.wait_for("Connection lost", within=10)
        await asyncio.sleep(OUTAGE - (time.monotonic() - stopped))
        assert process.returncode is None, err.lines  # still waiting, not failed
        await stack.enter_async_context(running_proxy("socks5", port=port))
        restarted = time.monotonic()
        back = await err.wait_for("Connected again", within=60)
        code = await asyncio.wait_for(process.wait(), 180)
        await err.reader
        ended = time.monotonic()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await stack.aclose()
    text = "\n".join(err.lines)
    print(
        f"run {ended - began:.1f} s; lost told {lost - stopped:.1f} s after the stop; "
        f"away {restarted - stopped:.1f} s; back told {back - restarted:.1f} s after the restart"
    )
    assert code == 0, text
    assert text.count("Connection lost") == 1, text
    assert text.count("Connected again") == 1, text
    assert "next try in" in text
    lost_line = next(line for line in err.lines if "Connection lost" in line)
    assert f"Nothing answers at the proxy socks5 127.0.0.1:{port}" in lost_line  # named
    manifest = json.loads((out / "manifest.json").read_text())
    assert {c["status"] for c in manifest["chats"]} == {"complete"}, manifest
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    try:
        targets = [target_of(r) for r in await all_dialogs(client) if r.peer is not None]
        assert len(manifest["chats"]) == len(targets)
        for entry in manifest["chats"]:
            target = next(t for t in targets if t.chat_id == entry["id"])
            ids = read_ids(out / entry["path"])
            assert ids == await server_ids(client, target)  # exactly once, in order
            assert entry["media_failed"] == 0
    finally:
        await client.disconnect()
    assert list(out.rglob("*.part")) == []


async def test_a_drop_while_the_files_dc_connection_is_set_up_fails_no_file(
    app_client: TelegramClient,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first auth.importAuthorization is taken, then every connection drops before its
    answer goes out: Telethon sends it again once reconnected, the server refuses it (it
    was good once), and the file is fetched through a connection set up anew."""
    importing = functions.auth.ImportAuthorizationRequest
    take = HANDLERS[importing]
    dropped: list[int] = []

    async def taken_then_dropped(call: Call, request: Any) -> Any:
        answer = await take(call, request)
        if not dropped:
            dropped.append(sandbox.drop_connections())  # the answer is lost with them
        return answer

    monkeypatch.setitem(HANDLERS, importing, taken_then_dropped)
    chats = await targets(app_client, 2)
    options = BackupOptions(tmp_path, media=MediaFilter(ALL_KINDS, 300 * 1024))
    result = await BackupEngine(app_client, options).run(chats)
    assert dropped  # the drop happened where it should
    imports = sandbox.log.of("auth.importAuthorization")
    assert [e.error for e in imports][:2] == [None, "AUTH_BYTES_INVALID"], imports
    assert result.all_complete
    assert sum(c.media_done for c in result.chats) > 0
    assert all(c.media_failed == 0 for c in result.chats)


async def test_a_follow_run_rides_out_the_proxy_going_away(tmp_path: Path) -> None:
    """Following through the proxy while others write, edit and delete: the proxy goes
    away for longer than a blip and comes back. No sweep is due (every 300 s): what changed
    meanwhile reaches the archive from Telegram's updates once reconnected, and it says it
    lost the connection and got it back."""
    from tests.flows.test_follow_cli import _archive, _check, _server_truth, until_archived

    changes, rate = 120, 8  # 15 s of changes: before, during and after the outage
    sandbox, info = await start_sandbox_process(
        "--dialogs", "8", "--messages", "300", "--seed", "12",
        "--activity", str(rate), "--activity-limit", str(changes),
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    port = free_port()
    out = tmp_path / "b"
    stack = contextlib.AsyncExitStack()
    process = None
    try:
        await stack.enter_async_context(running_proxy("socks5", port=port))
        began = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tgtui", "backup", "--follow", "--all", "--no-media",
            "--sweep", "300", "--progress", "lines", "--out", str(out),
            "--proxy", f"socks5://127.0.0.1:{port}", "--session", info["session"],
            env=cli_env(tmp_path, info),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        err = Lines(process.stderr)
        await err.wait_for("Following 8 chats", within=60)
        await stack.aclose()
        await err.wait_for("Connection lost", within=10)
        await asyncio.sleep(OUTAGE)
        await stack.enter_async_context(running_proxy("socks5", port=port))
        await err.wait_for("Connected again", within=60)
        # The sandbox's changes end at their own pace; then the archive catches up with
        # them from Telegram's updates (waited for, not assumed after a pause).
        await asyncio.sleep(max(0.0, changes / rate - (time.monotonic() - began)))
        truth = await until_archived(out, lambda: _server_truth(info, tmp_path))
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
        await err.reader
        text = "\n".join(err.lines)
        assert code == 0, text
        assert text.count("Connection lost") == 1, text
        _check(_archive(out), truth)  # and still, once stopped
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await stack.aclose()
        sandbox.terminate()
        await sandbox.wait()
