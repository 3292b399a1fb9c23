"""Run TgtuiApp headlessly against a sandbox, and wait for what a user would see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tgtui.app import AppContext, CodeListener, TgtuiApp
from tgtui.config import Settings
from tgtui.sandbox import API_HASH, API_ID, DC_ID, SandboxServer, write_demo_session
from tgtui.sandbox.phone import scan_with_phone
from tgtui.telegram.service import ClientSpec, TelegramService

SIZE = (100, 34)


def settings_for(tmp_path: Path, *, api: bool = True) -> Settings:
    """Settings as config.toml would give them, in a test folder."""
    return Settings(
        api_id=API_ID if api else None,
        api_hash=API_HASH if api else None,
        backup_dir=tmp_path / "backups",
        concurrency=4,
        theme="textual-dark",
        config_file=tmp_path / "config" / "config.toml",
    )


def make_app(
    sandbox: SandboxServer | None,
    tmp_path: Path,
    *,
    signed_in: bool = False,
    api: bool = True,
    dc: tuple[int, str, int] | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> TgtuiApp:
    """An app on a fresh (or signed-in) session file pointed at ``sandbox`` (or ``dc``)."""
    session_file = tmp_path / "sessions" / "main.session"
    if signed_in:
        assert sandbox is not None
        write_demo_session(sandbox, session_file)
    elif dc is None:
        assert sandbox is not None
        dc = (DC_ID, sandbox.host, sandbox.port)
    spec = ClientSpec(
        session_file=session_file,
        api_id=API_ID if api else None,
        api_hash=API_HASH if api else None,
        dc=None if signed_in else dc,
    )
    service = TelegramService(spec)
    service.open()

    def code_source(listener: CodeListener) -> Callable[[], None]:
        if sandbox is not None:
            sandbox.on_code_sent = listener
        return lambda: None

    async def demo_phone(token: bytes) -> None:
        assert sandbox is not None
        await scan_with_phone(sandbox, token)

    return TgtuiApp(
        AppContext(
            service=service,
            settings=settings_for(tmp_path, api=api),
            prefill_phone="9996621234",
            code_source=code_source,
            demo_phone=demo_phone if sandbox is not None else None,
            wall_clock=wall_clock,
        )
    )


@asynccontextmanager
async def running(app: TgtuiApp, size: tuple[int, int] = SIZE) -> AsyncIterator[Pilot[None]]:
    """app.run_test, and the session lock released after."""
    try:
        async with app.run_test(size=size, notifications=True) as pilot:
            yield pilot
    finally:
        app.service.close()


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], within: float = 15.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` is true (or fail after ``within`` seconds)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            screen = pilot.app.screen
            raise AssertionError(f"timed out waiting for {what or condition} on {screen!r}")
        await pilot.pause(0.05)
    await pilot.pause()


def text_of(app: App[Any], selector: str) -> str:
    """The plain text a Static shows ("" when hidden or not on the current screen)."""
    found = app.screen.query(selector).results(Static)
    widget = next(iter(found), None)
    return str(widget.render()) if widget is not None and widget.display else ""


def chats_loaded(app: TgtuiApp) -> bool:
    """The chat list shows its first page and says how many chats there are (in English
    or in Portuguese)."""
    count = text_of(app, "#dialog-count")
    english = " chat" in count and "archived" in count
    return english or (" conversa" in count and "arquivada" in count)


def toasts(app: TgtuiApp) -> list[str]:
    """The notifications on screen."""
    return [str(toast.render()) for toast in app.screen.query("Toast").results(Static)]


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Replace an input's value as a user would: select all, type, Enter."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    if text:
        await pilot.press(*text)
    await pilot.press("enter")


async def settle(seconds: float = 0.1) -> None:
    """Give the sandbox's loop a moment (same event loop as the app in these tests)."""
    await asyncio.sleep(seconds)
