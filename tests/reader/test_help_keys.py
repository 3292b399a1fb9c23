"""`?` and F1 show the keys of the screen in front, read from its bindings; `?` typed into a
field stays a question mark."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.reader.helpers import SIZE, reader
from tests.tui.helpers import wait_for
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.help import HelpScreen, keys_of
from tgtui.screens.reader import ChatScreen


async def test_question_mark_and_f1_show_the_keys_of_the_screen(backup: Path) -> None:
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        archive = app.screen
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = {d: k for k, d in help_screen.rows}
        assert help_screen.rows[0] == ("⏎", "Read")  # the screen's own keys come first
        # Every key the archive's footer offers is there, with what it does.
        for binding in archive.BINDINGS:
            assert not isinstance(binding, tuple)
            if binding.show and binding.description and archive.check_action(binding.action, ()):
                assert binding.description in described
        assert "Account" not in described  # this backup has no account/: no `u`
        assert described["Export"] == "e"
        assert described["Quit"] == "^q"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)
        # Another screen, other keys: the reader's.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        chat = app.screen
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert {d for _, d in app.screen.rows} >= {d for _, d in keys_of(chat)}  # type: ignore[attr-defined]
        assert "Export" not in {d for _, d in app.screen.rows}  # type: ignore[attr-defined]
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is chat)


async def test_a_question_mark_typed_in_a_field_is_text(backup: Path) -> None:
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("slash")
        field = app.screen.query_one("#archive-filter", Input)
        await wait_for(pilot, lambda: field.has_focus)
        await pilot.press("a", "question_mark")
        assert field.value == "a?"
        assert not isinstance(app.screen, HelpScreen)
