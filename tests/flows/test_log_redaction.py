"""A real login at debug level leaves neither the code nor the password in the log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger
from telethon import errors

from tests.conftest import ClientFactory
from tgtui.log import redactor, setup_logging, stop_logging
from tgtui.sandbox import DEMO_CODE, DEMO_PASSWORD, DEMO_PHONE, SandboxServer


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
