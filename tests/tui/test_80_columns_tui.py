"""The login and the chat list (with a chat's preview open) at 80x24, in English and in
Portuguese: nothing wraps mid-value, nothing needed is cut, the footer shows the main keys,
each chat shows when its last message came and its unread count as unread."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tui.helpers import chats_loaded, make_app, running, text_of, wait_for
from tests.tui.screen_text import cut, footer_keys, rows, wrapped_mid_value
from tests.tui.test_backup_screen import open_backup
from tgtui import i18n
from tgtui.i18n import _
from tgtui.sandbox import SandboxServer
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.widgets.chat_preview import ChatPreview
from tgtui.widgets.dialog_list import DialogList

SMALL = (80, 24)
WHEN = re.compile(r"(\d{2}:\d{2}|\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})\s*$")


@pytest.fixture(params=["en", "pt_BR"])
def language(request: pytest.FixtureRequest) -> str:
    """Each test in English, then in Brazilian Portuguese."""
    language = str(request.param)
    i18n.use(i18n.PORTUGUESE if language == "pt_BR" else i18n.ENGLISH)
    return language


async def test_the_login_at_80x24(sandbox: SandboxServer, tmp_path: Path, language: str) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app, size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        await pilot.pause(0.2)
        lines = rows(app)
        assert wrapped_mid_value(lines) == []
        assert cut(lines, [_("Sign in to Telegram")]) == []
        assert {"f1", "^q"} <= set(footer_keys(app)), footer_keys(app)


async def test_the_chat_list_and_a_preview_at_80x24(
    sandbox: SandboxServer, tmp_path: Path, language: str
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=SMALL) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app), what="the chat list")
        screen = app.screen
        assert isinstance(screen, DialogsScreen)
        listing = screen.query_one(DialogList)
        await pilot.pause(0.2)
        lines = rows(app)
        assert wrapped_mid_value(lines) == []
        assert {"space", "b", "/"} <= set(footer_keys(app)), footer_keys(app)
        # Every chat: when its last message came, at the right edge, as Telegram shows it.
        shown = [line for line in lines if line.startswith(("[ ]", "[x]"))]
        assert shown
        for line in shown:
            assert WHEN.search(line.rstrip("▁▂▃▄▅▆▇█ ")), line
        unread = next(row for row in listing.rows if row.unread)
        label = i18n.counted("{count} unread", "{count} unread", unread.unread)
        assert any(label in line for line in lines if unread.name[:12] in line)
        assert "super " not in "\n".join(lines)  # "supergroup", never "super"
        # The preview opens under its name, id and @username, not scrolled past them.
        listing.move_to(listing.rows.index(unread))
        await pilot.press("enter")
        preview = screen.query_one(ChatPreview)
        await wait_for(pilot, lambda: bool(preview.lines), what="the preview's messages")
        await pilot.pause(0.3)
        lines = rows(app)
        assert wrapped_mid_value(lines) == []
        ident = _("id {id}").format(id=unread.peer_id)
        assert any(ident in line for line in lines), lines
        assert text_of(app, "#preview-title")
        # Escape closes the preview first (one step), then the list stays.
        await pilot.press("escape")
        await wait_for(pilot, lambda: not preview.display, what="the preview closed")
        assert app.screen is screen


async def test_the_backup_finished_and_following_at_80x24(
    sandbox: SandboxServer, tmp_path: Path, language: str
) -> None:
    """The backup screen once the run is over, and while it follows the chats: nothing
    wrapped mid-value, the footer keeps the keys that matter there."""
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=SMALL) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out", chats=3, media="photo")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.state == "finished", within=150, what="the end")
        await pilot.pause(0.3)
        finished = rows(app)
        assert wrapped_mid_value(finished) == [], finished
        assert "F" in footer_keys(app), footer_keys(app)  # keep following: the next step
        await pilot.press("F")
        following = _("Following since {clock} ({time})").split("{")[0].strip()
        await wait_for(pilot, lambda: following in text_of(app, "#backup-overall"), what="F")
        await pilot.pause(0.3)
        lines = rows(app)
        assert wrapped_mid_value(lines) == [], lines
        assert cut(lines, [following]) == []
        assert "F" in footer_keys(app)  # F stops following
        await pilot.press("F")
