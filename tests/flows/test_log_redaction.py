"""A real login at debug level leaves neither the code nor the password in the log; a
`tgtui backup --takeout --account --debug` run (the contacts with their phone numbers, the
sessions and websites with their addresses) leaves none of those in its log file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger
from telethon import errors

from tests.conftest import ClientFactory
from tests.flows.cli_process import run_tgtui
from tgtui.format.account import PROFILE_KEY, read_section
from tgtui.log import redactor, setup_logging, stop_logging
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_PHONE,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
)
from tgtui.sandbox.sessions import write_demo_session


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = setup_logging(tmp_path / "logs", debug=True)
    yield path
    stop_logging()
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)


async def test_login_secrets_never_reach_the_log(
    log_file: Path, connect: ClientFactory, sandbox: SandboxServer
) -> None:
    redactor.register(DEMO_CODE)
    redactor.register(DEMO_PASSWORD)
    client = await connect(fresh=True)
    await client.send_code_request(DEMO_PHONE)
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in(DEMO_PHONE, DEMO_CODE)
    await client.sign_in(password=DEMO_PASSWORD)
    session_string = client.session.save()
    logger.info(
        "signed in; code {} password {} session {}", DEMO_CODE, DEMO_PASSWORD, session_string
    )
    logger.complete()
    text = await asyncio.to_thread(log_file.read_text, encoding="utf-8")
    assert "telethon.network.mtprotosender" in text  # Telethon's own records were captured
    assert DEMO_CODE not in text
    assert DEMO_PASSWORD not in text
    assert session_string not in text
    assert sandbox.demo_key.hex() not in text
    assert "[redacted]" in text


@pytest.mark.parametrize(
    "sandbox_options",
    [SandboxOptions(world=WorldOptions(seed=9, dialogs=40, messages=40, media=False, devices=3))],
)
async def test_a_takeout_run_logs_no_phone_number_and_no_session_address(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    session = write_demo_session(sandbox, tmp_path / "session" / "sandbox.session")
    info = {"session": str(session), "api_id": API_ID, "api_hash": API_HASH}
    out = tmp_path / "backup"
    code, _out, err = await run_tgtui(
        tmp_path, info, "backup", "--all", "--takeout", "--account", "--no-media", "--debug",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    logs = list((tmp_path / ".local" / "state" / "tgtui" / "logs").glob("*.log"))
    logged = "\n".join(path.read_text(encoding="utf-8") for path in logs)
    assert "account contacts:" in logged  # this run's log, at debug level: Telethon's too
    assert "takeout session finished (success=True)" in logged
    assert "InvokeWithTakeoutRequest" in logged
    contacts = read_section(out, "contacts").current()
    assert contacts
    assert all("date" in c for c in contacts.values())  # kept by the data export
    phones = [c["phone"] for c in contacts.values()]
    phones.append(read_section(out, "profile").current()[PROFILE_KEY]["phone"])
    addresses = [
        s["ip"]
        for name in ("sessions", "web_sessions")
        for s in read_section(out, name).current().values()
        if s["ip"] != "127.0.0.1"  # the sandbox's own, which Telethon names connecting to it
    ]
    assert len(addresses) >= 3 + 1  # the devices' and a website's
    assert read_section(out, "left_chats").current()
    for secret in [*phones, *addresses]:
        assert secret
        assert secret not in logged
