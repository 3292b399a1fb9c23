"""Every login path through the real screens, the real client and the sandbox."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from tests.tui.helpers import chats_loaded, make_app, running, text_of, toasts, type_into, wait_for
from tgtui.sandbox import DEMO_CODE, DEMO_PASSWORD, DEMO_PASSWORD_HINT, SandboxServer
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.telegram.auth import Step


def _login(app: object) -> LoginScreen:
    assert isinstance(app, object)
    screen = getattr(app, "screen", None)
    assert isinstance(screen, LoginScreen), screen
    return screen


def _on_step(app: object, step: Step) -> bool:
    screen = getattr(app, "screen", None)
    return isinstance(screen, LoginScreen) and screen.step is step and not screen.busy


async def _reach(pilot: Pilot[Any], step: Step) -> None:
    """Walk the demo account's login up to ``step`` (the phone is prefilled)."""
    app = pilot.app
    await wait_for(pilot, lambda: _on_step(app, Step.PHONE), what="phone step")
    if step is Step.PHONE:
        return
    await pilot.press("enter")
    await wait_for(pilot, lambda: _on_step(app, Step.CODE), what="code step")
    if step is Step.CODE:
        return
    await type_into(pilot, "#code", DEMO_CODE)
    await wait_for(pilot, lambda: _on_step(app, Step.PASSWORD), what="password step")


async def test_phone_code_password_reaches_the_chat_list(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: _on_step(app, Step.PHONE), what="phone step")
        assert app.screen.query_one("#phone", Input).value == "9996621234"
        assert "1 phone" in text_of(app, "#login-steps")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _on_step(app, Step.CODE), what="code step")
        prompt = text_of(app, "#login-prompt")
        assert "5-digit code" in prompt
        assert "in your Telegram app" in prompt
        # Delivered as Telegram does: a message in the app (here, a notification).
        await wait_for(pilot, lambda: any(DEMO_CODE in t for t in toasts(app)), what="the code")
        await type_into(pilot, "#code", DEMO_CODE)
        await wait_for(pilot, lambda: _on_step(app, Step.PASSWORD), what="password step")
        assert text_of(app, "#login-hint") == f"Hint: {DEMO_PASSWORD_HINT}"
        assert app.screen.query_one("#password", Input).password  # typed as dots
        await type_into(pilot, "#password", DEMO_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen), what="dialogs")
        await wait_for(pilot, lambda: chats_loaded(app))
        count = text_of(app, "#dialog-count")
        assert re.match(r"^[\d,]+ (of [\d,]+ )?chats", count), count
        assert await app.service.is_authorized()
    session = tmp_path / "sessions" / "main.session"
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(session.parent).st_mode) == 0o700


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("123", "not valid"),
        ("9996620000", "banned"),
    ],
)
async def test_bad_phone_stays_on_the_phone_step(
    sandbox: SandboxServer, tmp_path: Path, phone: str, message: str
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: _on_step(app, Step.PHONE))
        await type_into(pilot, "#phone", phone)
        await wait_for(pilot, lambda: message in text_of(app, "#login-error"), what=message)
        assert _login(app).step is Step.PHONE
        assert app.screen.query_one("#phone", Input).value == phone  # kept for fixing


async def test_unregistered_number_says_sign_up_is_not_supported(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: _on_step(app, Step.PHONE))
        await type_into(pilot, "#phone", "+999 662 5555")
        await wait_for(pilot, lambda: _on_step(app, Step.CODE))
        await type_into(pilot, "#code", "12345")
        await wait_for(pilot, lambda: "cannot sign up" in text_of(app, "#login-error"))


async def test_wrong_empty_and_expired_codes(sandbox: SandboxServer, tmp_path: Path) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await _reach(pilot, Step.CODE)
        await type_into(pilot, "#code", "")
        await wait_for(pilot, lambda: "Enter the code" in text_of(app, "#login-error"))
        await type_into(pilot, "#code", "11111")
        await wait_for(pilot, lambda: "not right" in text_of(app, "#login-error"))
        assert _login(app).step is Step.CODE
        assert app.screen.query_one("#code", Input).value == ""  # cleared for the retry
        sandbox.login.codes.clear()  # the code's time runs out
        await type_into(pilot, "#code", DEMO_CODE)
        await wait_for(pilot, lambda: "expired" in text_of(app, "#login-error"))
        assert _login(app).step is Step.PHONE  # a new code is needed: back to the number
        await pilot.press("enter")
        await wait_for(pilot, lambda: _on_step(app, Step.CODE))
        await type_into(pilot, "#code", DEMO_CODE)
        await wait_for(pilot, lambda: _on_step(app, Step.PASSWORD))


async def test_resend_shows_the_new_delivery(sandbox: SandboxServer, tmp_path: Path) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await _reach(pilot, Step.CODE)
        assert "Resend it by SMS" in text_of(app, "#login-prompt")
        await pilot.click("#resend")
        await wait_for(pilot, lambda: "by SMS." in text_of(app, "#login-prompt"))
        assert len(sandbox.log.of("auth.resendCode")) == 1
        await type_into(pilot, "#code", DEMO_CODE)
        await wait_for(pilot, lambda: _on_step(app, Step.PASSWORD))


async def test_wrong_password_stays_with_the_hint(sandbox: SandboxServer, tmp_path: Path) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await _reach(pilot, Step.PASSWORD)
        await type_into(pilot, "#password", "tuna")
        await wait_for(pilot, lambda: "Wrong password" in text_of(app, "#login-error"))
        assert _login(app).step is Step.PASSWORD
        assert DEMO_PASSWORD_HINT in text_of(app, "#login-hint")
        assert app.screen.query_one("#password", Input).value == ""
        await type_into(pilot, "#password", DEMO_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))


async def test_flood_wait_counts_down_and_blocks_the_button(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.faults.apply("flood:auth.sendCode=1/3")
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: _on_step(app, Step.PHONE))
        await pilot.press("enter")
        await wait_for(pilot, lambda: _on_step(app, Step.CODE))
        await pilot.click("#start-over")
        await wait_for(pilot, lambda: _on_step(app, Step.PHONE))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "wait" in text_of(app, "#login-wait"), what="countdown")
        first = text_of(app, "#login-wait")
        assert app.screen.query_one("#submit", Button).disabled
        await pilot.press("enter")  # ignored while waiting: nothing sent early
        sent = len(sandbox.log.of("auth.sendCode"))
        await wait_for(pilot, lambda: text_of(app, "#login-wait") != first, what="tick")
        await wait_for(pilot, lambda: "try again now" in text_of(app, "#login-error"))
        assert not app.screen.query_one("#submit", Button).disabled
        assert len(sandbox.log.of("auth.sendCode")) == sent == 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: _on_step(app, Step.CODE))
    errors = [e.error for e in sandbox.log.of("auth.sendCode")]
    assert errors[0] is None
    assert (errors[1] or "").startswith("FLOOD_WAIT_")
    assert errors[2] is None
