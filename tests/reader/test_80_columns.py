"""Every screen of reading a backup at 80x24, in English and in Portuguese: the archive,
its keys, a chat, a search and the export dialog. Nothing wraps mid-value, nothing needed
is cut, every search result shows its match, the footer shows the screen's main keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reader.helpers import reader
from tests.tui.helpers import wait_for
from tests.tui.screen_text import cut, footer_keys, rows, wrapped_mid_value
from tgtui import i18n
from tgtui.format.outcomes import status_word
from tgtui.i18n import _
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.export import ExportScreen
from tgtui.screens.help import HelpScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import HitList, SearchScreen
from tgtui.widgets.archive_list import ArchiveList

SMALL = (80, 24)


@pytest.fixture(params=["en", "pt_BR"])
def language(request: pytest.FixtureRequest) -> str:
    """Each test in English, then in Brazilian Portuguese."""
    language = str(request.param)
    i18n.use(i18n.PORTUGUESE if language == "pt_BR" else i18n.ENGLISH)
    return language


def _sound(lines: list[str]) -> None:
    assert wrapped_mid_value(lines) == []
    assert len(lines) == SMALL[1]


async def test_reading_a_backup_at_80x24(backup: Path, language: str) -> None:
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        archive = app.screen
        listing = archive.query_one(ArchiveList)
        await wait_for(pilot, lambda: bool(listing.shown))
        await pilot.pause()
        # The archive: every column whole on one line, the status of every chat too.
        lines = rows(app)
        _sound(lines)
        header = next(line for line in lines if _("type") in line and _("chat") in line)
        assert _("status") in header
        assert _("last backup") in header
        for chat in listing.shown:
            row = next(line for line in lines if chat.name[:10] in line)
            assert status_word(chat.status or "complete") in row, row
            assert "…" not in row.split()[-1]
        dates = re.findall(r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}", "\n".join(lines))
        assert dates
        if language == "pt_BR":  # 06/12/2026, as Brazilians write it
            assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", d) for d in dates)
        else:
            assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)
        keys = footer_keys(app)
        assert {"⏎", "s", "e"} <= set(keys), keys

        # Its keys: one line each, and every one of them there (scrolled to if need be).
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await pilot.pause()
        lines = rows(app)
        _sound(lines)
        for key, name in help_screen.rows[:8]:
            assert any(key in line and _(name) in line for line in lines), (key, name)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)

        # A chat: its title, messages and position, the footer's main keys.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        chat_screen = app.screen
        assert isinstance(chat_screen, ChatScreen)
        await pilot.pause(0.2)
        lines = rows(app)
        _sound(lines)
        assert cut(lines, [chat_screen.chat.name]) == []
        position = _("message {number} of {count}").split("{")[0]
        assert any(position in line for line in lines)
        assert {"esc", "s", "d"} <= set(footer_keys(app)), footer_keys(app)

        # A search of that chat: the match on every result line.
        await pilot.press("s", *"garden", "enter")
        search = app.screen
        assert isinstance(search, SearchScreen)
        await wait_for(pilot, lambda: search.shown_for == "garden", within=30)
        hits = search.query_one(HitList)
        assert hits.hits
        await pilot.pause()
        lines = rows(app)
        _sound(lines)
        dated = re.compile(r"\s*(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})")
        shown = [line for line in lines if dated.match(line)]
        assert len(shown) == min(len(hits.hits), hits.size.height)
        for line in shown:
            assert "garden" in line.lower(), line
        assert {"esc", "⏎"} <= set(footer_keys(app)), footer_keys(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is chat_screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)

        # The export dialog: whole, its buttons and the way to close it on screen.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.pause()
        lines = rows(app)
        _sound(lines)
        assert any("╰" in line for line in lines)  # its bottom border: nothing below it
        assert cut(lines, [_("Export the backup"), _("Export"), _("Close")]) == []
        assert cut(lines, [_("Into a new folder:")]) == []


async def test_lists_and_messages_follow_a_light_theme(backup: Path, language: str) -> None:
    """catppuccin-latte: the archive's rows and a chat's lines are drawn on the theme's
    background, not the terminal's default (dark rows on a light theme)."""
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        app.theme = "catppuccin-latte"
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        await wait_for(pilot, lambda: bool(listing.shown))
        await pilot.pause()
        background = listing.rich_style.bgcolor
        assert background is not None
        for y in range(listing.size.height):
            for segment in listing.render_line(y):
                assert segment.style is not None
                assert segment.style.bgcolor is not None, (y, segment)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        await pilot.pause(0.2)
        view = app.screen.query_one("#messages")
        for y in range(view.size.height):
            for segment in view.render_line(y):
                assert segment.style is not None
                assert segment.style.bgcolor is not None, (y, segment)
