"""Each screen offers its own commands in the palette (read from its bindings), and
config.toml's [keys] moves a key: the new key works, the old one is free, and `?` and the
footer show the new one."""

from __future__ import annotations

import html
import re
from pathlib import Path

from textual.command import CommandPalette

from tests.reader.helpers import SIZE
from tests.tui.helpers import wait_for
from tgtui.archive.service import ArchiveService
from tgtui.reader_app import ReaderApp
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.ask_date import DateScreen
from tgtui.screens.export import ExportScreen
from tgtui.screens.help import HelpScreen
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.key_footer import KeyFooter

TALL = (110, 60)  # room for every command the palette discovers


def shown(app: ReaderApp) -> str:
    """What the terminal shows, as text."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg).replace("&#160;", " "))


async def test_the_palette_offers_the_commands_of_the_screen_in_front(backup: Path) -> None:
    app = ReaderApp(ArchiveService(backup))
    async with app.run_test(size=TALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen), what="archive")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await wait_for(pilot, lambda: "Export the backup" in shown(app), what="its commands")
        text = shown(app)
        for words in ("Read the chat", "Filter chats", "Chat type", "Type part of a name"):
            assert words in text, words
        assert "Theme" in text  # Textual's own are still there
        assert "Go to a date" not in text  # another screen's
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen), what="archive")
        # In a chat: the chat's commands, and one of them run from the palette.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), what="a chat")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await wait_for(pilot, lambda: "Go to a date" in shown(app), what="the chat's commands")
        text = shown(app)
        assert "Search this chat" in text
        assert "Export the backup" not in text
        await pilot.press(*"go to a date")
        # The hit, its letters marked where they match (which the text loses spaces around).
        await wait_for(pilot, lambda: "Gotoadate" in "".join(shown(app).split()), what="hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DateScreen), what="the date asked")


async def test_a_key_moved_by_config_works_and_is_shown(backup: Path) -> None:
    app = ReaderApp(ArchiveService(backup), keys={"export-backup": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen), what="archive")
        archive = app.screen
        footer = " ".join(
            str(getattr(key, "key_display", ""))
            for key in archive.query(KeyFooter).first().children
        )
        assert footer.split().count("x") == 1
        assert "e" not in footer.split()
        await pilot.press("e")  # the old key does nothing now
        await pilot.pause()
        assert app.screen is archive
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the keys")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert dict((d, k) for k, d in help_screen.rows)["Export"] == "x"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive, what="archive")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="the export")
