"""Everyday use of the TUI against the sandbox: the mouse in lists, vi keys, ids shown where
the command line needs them, checkboxes that read without colour, the theme kept, and a
footer that keeps Quit at 80 columns, keys moved by config.toml, and each screen's own
commands in the palette."""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from tests.tui.helpers import chats_loaded, make_app, running, text_of, wait_for
from tgtui.app import TgtuiApp
from tgtui.config import Paths, load_settings
from tgtui.sandbox import SandboxServer
from tgtui.screens.backup import BackupScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.widgets.backup_rows import BackupRows
from tgtui.widgets.chat_preview import ChatPreview
from tgtui.widgets.dialog_list import DialogList
from tgtui.widgets.toggles import Tick


async def _chat_list(pilot: Pilot[Any]) -> DialogList:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DialogsScreen))
    await wait_for(pilot, lambda: chats_loaded(pilot.app))  # type: ignore[arg-type]
    return pilot.app.screen.query_one(DialogList)


async def test_clicks_move_the_cursor_and_a_click_on_the_mark_selects(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        listing = await _chat_list(pilot)
        await pilot.click(DialogList, offset=(20, 5))  # on the name of the sixth chat
        assert listing.cursor == 5
        assert listing.has_focus
        assert not listing.selected
        await pilot.press("space")  # Space acts on the chat clicked, not the old cursor row
        assert set(listing.selected) == {listing.rows[5].peer_id}
        await pilot.click(DialogList, offset=(1, 2))  # on the "[ ]" of the third
        assert set(listing.selected) == {listing.rows[5].peer_id, listing.rows[2].peer_id}
        assert listing.cursor == 2  # it stays there (Space moves down; a click does not)
        await pilot.click(DialogList, offset=(1, 2))
        assert set(listing.selected) == {listing.rows[5].peer_id}
        assert "1 selected" in text_of(app, "#dialog-count")


async def test_the_wheel_scrolls_and_brings_the_next_page(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        listing = await _chat_list(pilot)
        loaded = len(listing.rows)
        for _ in range(30):
            await pilot.mouse_down(DialogList)  # focus, as a user's pointer is over it
            await pilot.pause()
            listing.post_message(_wheel(listing))
            await pilot.pause()
        assert listing.scroll_offset.y > 0
        await wait_for(pilot, lambda: len(listing.rows) > loaded, what="the next page")


def _wheel(listing: DialogList) -> Any:
    from textual.events import MouseScrollDown

    return MouseScrollDown(listing, 5, 5, 0, 0, 0, False, False, False, screen_x=5, screen_y=5)


async def test_vi_keys_move_in_the_chat_list_and_g_G_go_to_the_ends(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        listing = await _chat_list(pilot)
        await pilot.press("j", "j", "j", "k")
        assert listing.cursor == 2
        await pilot.press("G")
        await wait_for(pilot, lambda: listing.done, what="every page")
        assert listing.current is listing.rows[-1]
        await pilot.press("g")
        assert listing.cursor == 0


async def test_the_preview_and_the_backup_rows_show_chat_ids(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(140, 34)) as pilot:
        listing = await _chat_list(pilot)
        row = next(r for r in listing.rows if r.username)
        listing.cursor = listing.rows.index(row)
        await pilot.press("enter")
        preview = app.screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: preview.lines, what="the preview")
        heading = text_of(app, "#preview-title")
        assert f"id {row.peer_id}" in heading
        assert f"@{row.username}" in heading
        await pilot.press("escape")
        await pilot.press("space", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        rows = app.screen.query_one(BackupRows)
        line = "".join(s.text for s in rows.render_line(0))
        assert str(row.peer_id) in line


async def test_checkboxes_read_without_colour(sandbox: SandboxServer, tmp_path: Path) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await _chat_list(pilot)
        await pilot.press("space", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        takeout = app.screen.query_one("#backup-takeout", Tick)
        assert not takeout.value
        assert "X" not in str(takeout.render())  # off: an empty box
        await pilot.click("#backup-takeout")
        assert takeout.value
        assert "▐X▌" in str(takeout.render())  # on: a mark, whatever the colours


async def test_a_theme_picked_in_the_palette_is_kept_for_the_next_start(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text('# mine\nbackup_dir = "/somewhere"\n')
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await _chat_list(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press(*"nord")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "nord", what="the nord theme")
        await wait_for(pilot, lambda: "nord" in config.read_text(), what="the theme saved")
    saved = tomllib.loads(config.read_text())
    assert saved == {"theme": "nord", "backup_dir": "/somewhere"}  # the rest kept
    assert "# mine" in config.read_text()
    settings = load_settings(Paths.default(), environ={"TGTUI_CONFIG": str(config)})
    first = make_app(sandbox, tmp_path, signed_in=True)
    app = TgtuiApp(replace(first.context, settings=settings))  # the next start reads the file
    async with running(app) as pilot:
        await _chat_list(pilot)
        assert app.theme == "nord"


async def test_the_footer_keeps_quit_and_keys_at_80_columns(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(80, 24)) as pilot:
        await _chat_list(pilot)
        await pilot.pause(0.2)
        keys = [key for key in app.screen.query(FooterKey) if key.region.width]
        shown = [(key.key_display, key.description) for key in keys]
        assert shown[:2] == [("^q", "Quit"), ("?", "Keys")]
        assert ("b", "Back up") in shown
        assert all(key.region.right <= 80 for key in keys)  # none cut at the edge


async def test_config_keys_move_a_key_and_the_palette_offers_the_screens_commands(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """config.toml's [keys] moves "Back up" to ^b: the footer shows it, b is free; on the
    backup screen the palette offers what that screen allows now (Start, not Cancel)."""
    made = make_app(sandbox, tmp_path, signed_in=True)
    settings = replace(made.context.settings, keys={"backup": "ctrl+b"})
    app = TgtuiApp(replace(made.context, settings=settings))
    async with running(app, size=(120, 40)) as pilot:
        await _chat_list(pilot)
        await wait_for(
            pilot, lambda: any(k.key_display == "^b" for k in app.screen.query(FooterKey))
        )
        shown = [(key.key_display, key.description) for key in app.screen.query(FooterKey)]
        assert ("^b", "Back up") in shown
        assert ("b", "Back up") not in shown
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen), what="the backup")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: "Back up these chats" in _shown(app), what="Start")
        text = _shown(app)
        assert "Log out" in text  # the app's own, over every screen
        assert "Cancel the backup" not in text  # not before it runs
        assert "Filter chats" not in text  # the chat list's


def _shown(app: TgtuiApp) -> str:
    """What the terminal shows, as text."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg).replace("&#160;", " "))
