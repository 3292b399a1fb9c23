"""Driving the reader headlessly: open a backup, see what the message view draws."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from tests.tui.helpers import wait_for
from tgtui.archive.service import ArchiveService
from tgtui.reader_app import ReaderApp
from tgtui.screens.account import AccountScreen
from tgtui.screens.archive import ArchiveScreen
from tgtui.widgets.archive_list import ArchiveList
from tgtui.widgets.message_view import MessageView

SIZE = (100, 34)


def reader(folder: Path) -> ReaderApp:
    """`tgtui open FOLDER`'s app."""
    return ReaderApp(ArchiveService(folder))


def manifest_chats(folder: Path) -> list[dict[str, Any]]:
    """The manifest's chats."""
    chats: list[dict[str, Any]] = json.loads((folder / "manifest.json").read_text())["chats"]
    return chats


def records(folder: Path, chat: dict[str, Any]) -> list[dict[str, Any]]:
    """A chat's saved messages, read plainly."""
    text = (folder / chat["path"] / "messages.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def screen_lines(app: ReaderApp) -> list[str]:
    """The message view's lines as drawn."""
    view = app.screen.query_one(MessageView)
    return [view.render_line(y).text for y in range(view.size.height)]


def toasts(app: ReaderApp) -> list[str]:
    """The notifications on screen."""
    return [str(toast.render()) for toast in app.screen.query("Toast").results(Static)]


def status(app: ReaderApp, selector: str) -> str:
    """What a status line says."""
    return str(app.screen.query_one(selector, Static).render())


def on_cursor(app: ReaderApp) -> dict[str, Any]:
    """The message under the reader's cursor."""
    current = app.screen.query_one(MessageView).current
    assert current is not None
    return current


async def open_chat(pilot: Pilot[Any], app: ReaderApp, name: str) -> None:
    """Filter the archive to ``name`` and open it."""
    await pilot.press("slash", *name, "enter", "enter")
    await pilot.pause(0.2)


async def open_account(
    pilot: Pilot[Any], opened: list[Path], said: list[str] | None = None
) -> AccountScreen:
    """From the archive, `u`: the account screen, its data read, its files opened into
    ``opened`` and (with ``said``) its notes to the user kept there."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
    await wait_for(pilot, lambda: bool(app.screen.query_one(ArchiveList).shown))
    await pilot.press("u")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
    screen = app.screen
    assert isinstance(screen, AccountScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    screen.opener = opened.append
    if said is not None:  # what the screen tells the user, as it tells it

        def notify(message: str, **_kwargs: Any) -> None:
            said.append(message)

        setattr(screen, "notify", notify)  # noqa: B010 - a method replaced on one object
    return screen
