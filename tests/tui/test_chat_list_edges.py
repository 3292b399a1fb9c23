"""The chat list at its edges: an empty account, resizes, deleted accounts, very long names."""

from __future__ import annotations

import re
from pathlib import Path

from tests.tui.helpers import make_app, running, text_of, toasts, wait_for
from tgtui.sandbox import SandboxOptions, WorldOptions, running_sandbox
from tgtui.widgets.dialog_list import DialogList


def line(listing: DialogList, y: int) -> str:
    """The text a line of the list shows."""
    return listing.render_line(y).text


async def test_an_empty_account_says_so(tmp_path: Path) -> None:
    options = SandboxOptions(world=WorldOptions(seed=5, dialogs=0, messages=10))
    async with running_sandbox(options) as server:
        app = make_app(server, tmp_path, signed_in=True)
        async with running(app) as pilot:
            await wait_for(pilot, lambda: text_of(app, "#dialog-count").startswith("0 chats"))
            listing = app.screen.query_one(DialogList)
            await wait_for(pilot, lambda: listing.done)
            assert "No chats here." in line(listing, 0)
            await pilot.press("down", "end", "space", "enter")  # nothing to move to: no error
            await pilot.press("b")
            await wait_for(pilot, lambda: any("Select chats" in t for t in toasts(app)))


async def test_resizes_deleted_accounts_and_long_names_render_cleanly(tmp_path: Path) -> None:
    options = SandboxOptions(world=WorldOptions(seed=5, dialogs=120, messages=50))
    async with running_sandbox(options) as server:
        app = make_app(server, tmp_path, signed_in=True)
        async with running(app, size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: " chats" in text_of(app, "#dialog-count"))
            listing = app.screen.query_one(DialogList)
            await wait_for(pilot, lambda: len(listing.rows) >= 100)
            names = [row.name for row in listing.rows]
            assert "Deleted Account" in names
            longest = max(listing.rows, key=lambda row: len(row.name))
            assert len(longest.name) > 100
            for size in ((60, 16), (200, 50), (100, 30)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
                width = listing.scrollable_content_region.width
                assert width <= size[0]
                for y in range(listing.scrollable_content_region.height):
                    # One screen line each, emoji and all: cut, never wrapped.
                    assert listing.render_line(y).cell_length == width
            index = listing.rows.index(longest)
            await pilot.press(*["down"] * index)
            assert listing.current is longest
            shown = line(listing, listing.cursor - listing.scroll_offset.y)
            # Cut with an ellipsis, the last message's date still at the right edge.
            assert "…" in shown
            assert re.search(r"(\d{2}:\d{2}|\d{4}-\d{2}-\d{2})$", shown), shown
