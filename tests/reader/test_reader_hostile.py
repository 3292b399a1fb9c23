"""A hostile backup read in the TUI: names and texts with markup, escapes, controls and bidi
overrides are shown literally, and nothing reaches the terminal as a control."""

from __future__ import annotations

import re
from pathlib import Path

from tests.reader.helpers import SIZE, manifest_chats, reader, screen_lines, status
from tests.tui.helpers import wait_for
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import HitList
from tgtui.widgets.archive_list import ArchiveList

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


async def test_hostile_names_and_texts_are_shown_literally(hostile_backup: Path) -> None:
    app = reader(hostile_backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        rows = [listing.render_line(y).text for y in range(listing.size.height)]
        assert not any(CONTROLS.search(line) for line in rows)
        seen = "\n".join(rows)
        shown_everything = ""
        for chat in manifest_chats(hostile_backup):
            target = app.service.archive.chat(chat["id"])
            assert target is not None
            await app.push_screen(ChatScreen(app.service, target))
            await pilot.pause(0.2)
            for _ in range(6):  # a few screens from the newest up
                lines = screen_lines(app)
                assert not any(CONTROLS.search(line) for line in lines), lines
                shown_everything += "\n".join(lines)
                await pilot.press("pageup")
            assert not CONTROLS.search(status(app, "#reader-title"))
            await pilot.press("escape")
        # Markup is text: the brackets are on screen, never taken as styles or links.
        assert "[bold red]x[/]" in shown_everything + seen
        assert "␛" in shown_everything + seen  # escapes are visible, not acted on
        await pilot.press("s", *"pwned")
        await wait_for(pilot, lambda: bool(app.screen.query_one(HitList).hits), within=30)
        hits = app.screen.query_one(HitList)
        for y in range(hits.size.height):
            assert not CONTROLS.search(hits.render_line(y).text)
