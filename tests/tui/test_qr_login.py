"""Signing in by QR code through the real screen, the real client and the sandbox: the code on
screen, the demo phone scanning it, the 2FA password, the chat list; renewal on a mock clock;
a login begun on another DC; a terminal too small for the code."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.tui.helpers import chats_loaded, make_app, running, text_of, type_into, wait_for
from tgtui.sandbox import DEMO_PASSWORD, DEMO_PASSWORD_HINT, SandboxServer
from tgtui.sandbox.phone import scan_with_phone
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.telegram.auth import Step
from tgtui.widgets.qr_code import QrCode


def _on_step(app: Any, step: Step) -> bool:
    screen = app.screen
    return isinstance(screen, LoginScreen) and screen.step is step


def _shown(app: Any) -> str:
    return str(app.screen.query_one("#qr-code", QrCode).data)


async def _to_qr(pilot: Pilot[Any]) -> str:
    app = pilot.app
    await wait_for(pilot, lambda: _on_step(app, Step.PHONE), what="phone step")
    await pilot.press("f3")
    await wait_for(pilot, lambda: _on_step(app, Step.QR) and _shown(app), what="a QR code")
    return _shown(app)


async def _password_to_chats(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await wait_for(pilot, lambda: _on_step(app, Step.PASSWORD), what="password step")
    assert text_of(app, "#login-hint") == f"Hint: {DEMO_PASSWORD_HINT}"
    await type_into(pilot, "#password", DEMO_PASSWORD)
    await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen), what="dialogs")
    await wait_for(pilot, lambda: chats_loaded(app))


async def test_a_scanned_code_and_the_password_reach_the_chat_list(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        url = await _to_qr(pilot)
        assert url.startswith("tg://login?token=")
        assert "Link Desktop Device" in text_of(app, "#login-prompt")
        assert "A new code in" in text_of(app, "#qr-status")
        widget = app.screen.query_one("#qr-code", QrCode)
        assert widget.fits  # 33 columns and 17 lines fit the test terminal
        await pilot.press("f4")  # the demo phone scans it
        await wait_for(pilot, lambda: _on_step(app, Step.PASSWORD), what="password step")
        steps = text_of(app, "#login-steps")
        assert "1 QR code" in steps
        assert "2 password" in steps
        await _password_to_chats(pilot)
        assert await app.service.is_authorized()
    methods = [e.method for e in sandbox.log.entries]
    assert "auth.acceptLoginToken" in methods
    assert "auth.checkPassword" in methods
    assert "auth.sendCode" not in methods  # no code was ever sent


async def test_the_code_is_renewed_before_it_expires_and_an_expired_one_is_refused(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    now = [time.time()]
    app = make_app(sandbox, tmp_path, wall_clock=lambda: now[0])
    async with running(app) as pilot:
        first = await _to_qr(pilot)
        now[0] += 40  # past the token's 30 s on the app's clock: a new code comes
        await wait_for(pilot, lambda: _shown(app) not in ("", first), what="a renewed code")
        assert len(sandbox.log.of("auth.exportLoginToken")) == 2
        # The phone scans the code on screen after it expired on the server's clock.
        later = time.time() + 40
        sandbox.login.clock = lambda: later
        await pilot.press("f4")
        await wait_for(pilot, lambda: "expired" in text_of(app, "#login-error"), what="refusal")
        assert _on_step(app, Step.QR)  # still waiting for a good scan
        sandbox.login.clock = time.time
        now[0] += 40  # renewed again, on a server clock back to normal
        await wait_for(
            pilot, lambda: len(sandbox.log.of("auth.exportLoginToken")) == 3, what="renewal"
        )
        await pilot.press("f4")
        await _password_to_chats(pilot)


async def test_a_login_begun_on_another_dc_moves_to_the_accounts(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """auth.exportLoginToken answers loginTokenMigrateTo: the app moves to DC 2 and imports
    the token there (core.telegram.org/api/qr-login)."""
    app = make_app(sandbox, tmp_path, dc=(4, sandbox.host, sandbox.dc_ports[4]))
    async with running(app) as pilot:
        await _to_qr(pilot)
        await pilot.press("f4")
        await _password_to_chats(pilot)
        assert app.service.client.session.dc_id == 2
    assert [e.error for e in sandbox.log.of("auth.importLoginToken")] == ["SESSION_PASSWORD_NEEDED"]


async def test_a_terminal_too_small_for_the_code_shows_the_link(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app, size=(60, 20)) as pilot:
        url = await _to_qr(pilot)
        widget = app.screen.query_one("#qr-code", QrCode)
        await pilot.pause()
        assert not widget.fits
        shown = str(widget.render())
        assert "too small" in shown
        assert url in shown.replace("\n", "")


async def test_a_phone_scanning_a_bad_token_is_refused(sandbox: SandboxServer) -> None:
    from telethon import errors

    try:
        await scan_with_phone(sandbox, b"not a token")
    except errors.AuthTokenInvalidError:
        return
    raise AssertionError("a made-up token was accepted")
