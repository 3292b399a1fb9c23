"""The real `App.run_async(headless=True)` path: the one that installs Textual's eager task
factory on Python >= 3.12 (run_test does not), which would stall Telethon's sender loops."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.helpers import chats_loaded, make_app, text_of, type_into, wait_for
from tgtui.log import redactor, setup_logging, stop_logging
from tgtui.sandbox import DEMO_CODE, DEMO_PASSWORD, SandboxServer
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.telegram.auth import Step


def _step(app: object) -> Step | None:
    screen = getattr(app, "screen", None)
    if isinstance(screen, LoginScreen) and not screen.busy:
        return screen.step
    return None


async def test_login_through_run_async_writes_nothing_to_the_terminal(
    sandbox: SandboxServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    redactor.forget()
    log_file = setup_logging(tmp_path / "logs", debug=True)
    app = make_app(sandbox, tmp_path)
    reached: list[str] = []

    async def auto_pilot(pilot: Pilot[object]) -> None:
        await wait_for(pilot, lambda: _step(app) is Step.PHONE, within=30)
        await pilot.press("enter")
        await wait_for(pilot, lambda: _step(app) is Step.CODE)
        await type_into(pilot, "#code", DEMO_CODE)
        await wait_for(pilot, lambda: _step(app) is Step.PASSWORD)
        await type_into(pilot, "#password", DEMO_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        await wait_for(pilot, lambda: chats_loaded(app))
        reached.append(text_of(app, "#dialog-count"))
        app.exit()

    try:
        await asyncio.wait_for(app.run_async(headless=True, auto_pilot=auto_pilot), 90)
    finally:
        app.service.close()
        stop_logging()
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)
    assert reached, "the app did not reach the chat list"
    assert not app.service.client.is_connected()  # disconnected on exit
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""
    text = await asyncio.to_thread(log_file.read_text, encoding="utf-8")
    assert "telethon" in text  # Telethon's debug records went to the file...
    assert DEMO_CODE not in text  # ...without the login code
    assert DEMO_PASSWORD not in text  # ...or the password
