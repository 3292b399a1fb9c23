"""The archive from the full app: F2 (or the button) on the login screen, `o` in the chat
list; Escape goes back to where the user was. No backup yet: a message says so."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from tests.tui.helpers import chats_loaded, make_app, running, toasts, wait_for
from tgtui.app import TgtuiApp
from tgtui.sandbox import SandboxServer
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.archive_list import ArchiveList
from tgtui.widgets.avatar import Avatar
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import PictureChoice


async def test_f2_on_the_login_screen_reads_backups_offline(
    sandbox: SandboxServer, made_backup: Path, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press("f2")
        assert "No backup to read" in " ".join(toasts(app))
        assert isinstance(app.screen, LoginScreen)
        shutil.copytree(made_backup, tmp_path / "backups")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        assert app.screen.query_one(ArchiveList).shown
        await pilot.press("escape")
        assert isinstance(app.screen, LoginScreen)


async def test_o_in_the_chat_list_opens_the_archive(
    sandbox: SandboxServer, made_backup: Path, tmp_path: Path
) -> None:
    shutil.copytree(made_backup, tmp_path / "backups")
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app), within=30)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("escape")
        assert isinstance(app.screen, DialogsScreen)


async def test_the_full_app_draws_pictures_as_its_terminal_was_found_to(
    sandbox: SandboxServer, made_backup: Path, tmp_path: Path
) -> None:
    """`tgtui` asks its terminal before the app starts, as `tgtui open` does (launch.py):
    on a terminal that draws Kitty's pictures, the archive and its chats draw them so, not
    in half blocks."""
    shutil.copytree(made_backup, tmp_path / "backups")
    made = make_app(sandbox, tmp_path)
    kitty = PictureChoice("auto", "kitty", (9, 18))
    app = TgtuiApp(replace(made.context, pictures=kitty))
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        assert app.screen.query_one(Avatar).pictures.kind == "kitty"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        view = app.screen.query_one(MessageView)
        assert view.pictures.kind == "kitty"
        assert view.pictures.choice.pixels_per_cell == (9, 18)
