"""`tgtui sandbox` as a separate process, used by a plain Telethon program."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from telethon import TelegramClient, errors
from telethon.sessions import StringSession

from tests.sandbox_process import start_sandbox_process

KEYS = {
    "host",
    "port",
    "dc_id",
    "dc_ports",
    "phone",
    "code",
    "password",
    "api_id",
    "api_hash",
    "rsa_public_key",
    "session",
}


async def test_sandbox_command_prints_one_json_line_and_serves(tmp_path: Path) -> None:
    session_out = tmp_path / "sessions" / "demo.session"
    process, info = await start_sandbox_process(
        "--dialogs", "40", "--messages", "300", "--session-out", str(session_out)
    )
    try:
        assert set(info) == KEYS
        assert info["session"] == str(session_out)
        assert stat.S_IMODE(os.stat(session_out).st_mode) == 0o600
        client = TelegramClient(info["session"], info["api_id"], info["api_hash"])
        await client.connect()
        try:
            assert await client.is_user_authorized()
            main = await client.get_dialogs(folder=0)
            archived = await client.get_dialogs(archived=True)
            assert len(main) + len(archived) == 40
            assert len(await client.get_dialogs()) == 40  # no folder: every dialog
        finally:
            await client.disconnect()
        # A brand-new client with nothing but the JSON line: key exchange, code, password.
        session = StringSession()
        session.set_dc(info["dc_id"], info["host"], info["port"])
        fresh = TelegramClient(session, info["api_id"], info["api_hash"])
        await fresh.connect()
        try:
            await fresh.send_code_request(info["phone"])
            with pytest.raises(errors.SessionPasswordNeededError):
                await fresh.sign_in(info["phone"], info["code"])
            me = await fresh.sign_in(password=info["password"])
            assert me.phone == info["phone"]
        finally:
            await fresh.disconnect()
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=30)
    assert code == 0
    assert process.stdout is not None
    assert await process.stdout.read() == b""  # nothing but the one line


def test_bad_fault_spec_is_explained() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tgtui", "sandbox", "--fault", "flood:x=abc"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "flood:x=abc" in result.stderr
    assert "Fault specs" in result.stderr
    assert result.stdout == ""
