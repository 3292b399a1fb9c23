"""The app around the login: signed-in start, revoked sessions, log-out, first run, no network."""

from __future__ import annotations

import os
import socket
import stat
import tomllib
from pathlib import Path

from textual.widgets import Input

from tests.tui.helpers import chats_loaded, make_app, running, text_of, type_into, wait_for
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    DC_ID,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
    running_sandbox,
)
from tgtui.screens.confirm import ConfirmScreen
from tgtui.screens.credentials import CredentialsScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.screens.start import StartScreen
from tgtui.telegram.auth import Step
from tgtui.widgets.dialog_list import DialogList


def _count(app: object) -> str:
    return text_of(app, "#dialog-count")  # type: ignore[arg-type]


async def test_signed_in_session_opens_the_chat_list(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        await wait_for(pilot, lambda: chats_loaded(app))
        first_page = len(app.screen.query_one(DialogList).rows)
        assert first_page == 100  # one page, not the whole list
        assert _count(app).startswith(f"100 of {len(sandbox.world.order[0])} chats")
        # One connection, one client: every request came through the app's single auth key.
        assert len({entry.key_id for entry in sandbox.log.entries}) == 1


async def test_end_pages_to_the_last_chat_and_selection_survives(tmp_path: Path) -> None:
    options = SandboxOptions(world=WorldOptions(seed=3, dialogs=450, messages=200))
    async with running_sandbox(options) as server:
        app = make_app(server, tmp_path, signed_in=True)
        async with running(app) as pilot:
            await wait_for(pilot, lambda: " of " in _count(app), what="N of M")
            total = len(server.world.order[0])
            assert _count(app).startswith(f"100 of {total} chats")
            listing = app.screen.query_one(DialogList)
            await pilot.press("space", "space")  # the first two chats
            chosen = {row.peer_id for row in listing.rows[:2]}
            assert set(listing.selected) == chosen
            assert "2 selected" in _count(app)
            await pilot.press("end")
            await wait_for(pilot, lambda: " of " not in _count(app), what="the last page")
            assert len(listing.rows) == total
            assert listing.cursor == total - 1
            assert listing.current is listing.rows[-1]
            assert set(listing.selected) == chosen  # paging keeps the selection
            pages = len(server.log.of("messages.getDialogs"))
            assert pages <= -(-total // 100) + 2  # the pages, the archive count, no more


async def test_session_revoked_elsewhere_returns_to_login(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app))
        me = await app.service.client.get_me()
        sandbox.auth.revoke_user(me.id)  # "terminate all other sessions" on another device
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        assert "Please log in again" in text_of(app, "#login-error")
        await pilot.press("enter")  # and signing in again works on the same client
        await wait_for(pilot, lambda: getattr(app.screen, "step", None) is Step.CODE)


async def test_log_out_asks_then_signs_out(sandbox: SandboxServer, tmp_path: Path) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app))
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # Cancel has the focus: nothing happens by accident
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        assert await app.service.is_authorized()
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        assert not await app.service.is_authorized()
        assert [e.error for e in sandbox.log.of("auth.logOut")] == [None]
    session = tmp_path / "sessions" / "main.session"
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600  # the fresh session is private too


async def test_first_run_asks_for_api_keys_and_saves_them_privately(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, api=False)
    config = tmp_path / "config" / "config.toml"
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CredentialsScreen))
        assert str(config) in text_of(app, "#credentials-file")
        await type_into(pilot, "#api-id", "")  # Enter moves on to the hash
        assert app.screen.query_one("#api-hash", Input).has_focus
        await type_into(pilot, "#api-hash", API_HASH)
        await wait_for(pilot, lambda: "api_id is the number" in text_of(app, "#credentials-error"))
        await type_into(pilot, "#api-id", str(API_ID))
        await type_into(pilot, "#api-hash", "not-hex")
        await wait_for(pilot, lambda: "32 characters" in text_of(app, "#credentials-error"))
        assert not config.exists()
        await type_into(pilot, "#api-hash", API_HASH)
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
    assert tomllib.loads(config.read_text()) == {"api_id": API_ID, "api_hash": API_HASH}
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_unreachable_network_is_retried_until_it_comes_back(tmp_path: Path) -> None:
    port = _free_port()
    app = make_app(None, tmp_path, dc=(DC_ID, "127.0.0.1", port))
    async with running(app) as pilot:
        await wait_for(
            pilot, lambda: "Next try in" in text_of(app, "#start-retry"), within=30, what="retry"
        )
        assert isinstance(app.screen, StartScreen)
        assert "Cannot reach Telegram" in text_of(app, "#start-retry")
        options = SandboxOptions(port=port, world=WorldOptions(dialogs=20, messages=50))
        async with running_sandbox(options):
            await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), within=60)
            assert app.screen.query_one("#phone", Input).value


async def test_flood_wait_while_paging_counts_down_then_goes_on(tmp_path: Path) -> None:
    options = SandboxOptions(world=WorldOptions(seed=3, dialogs=450, messages=200))
    async with running_sandbox(options) as server:
        server.faults.apply("flood:messages.getDialogs=3/3")
        app = make_app(server, tmp_path, signed_in=True)
        async with running(app) as pilot:
            await wait_for(pilot, lambda: chats_loaded(app))
            await pilot.press("end")
            await wait_for(
                pilot, lambda: "Loading resumes in" in text_of(app, "#dialog-wait"), what="wait"
            )
            assert "Telegram asks us to wait" in text_of(app, "#dialog-wait")
            await wait_for(pilot, lambda: " of " not in _count(app), within=30, what="the end")
            assert text_of(app, "#dialog-wait") == ""  # the banner is gone once loading resumes
            total = len(server.world.order[0])
            assert len(app.screen.query_one(DialogList).rows) == total
        log = server.log.of("messages.getDialogs")
        for flood in (e for e in log if e.error):
            seconds = int((flood.error or "").removeprefix("FLOOD_WAIT_"))
            early = [e for e in log if flood.at + 0.01 < e.at < flood.at + seconds - 0.05]
            assert early == []


async def test_filter_finds_chats_beyond_the_loaded_pages_and_selects_them(
    tmp_path: Path,
) -> None:
    options = SandboxOptions(world=WorldOptions(seed=3, dialogs=450, messages=200))
    async with running_sandbox(options) as server:
        app = make_app(server, tmp_path, signed_in=True)
        async with running(app) as pilot:
            await wait_for(pilot, lambda: chats_loaded(app))
            listing = app.screen.query_one(DialogList)
            assert len(listing.rows) == 100
            word = "Kitchen"
            await pilot.press("slash", *word)
            await wait_for(pilot, lambda: listing.done, what="paging on while filtering")
            everyone = listing.rows
            expected = [r.peer_id for r in everyone if word.lower() in r.name.lower()]
            assert len(expected) >= 2
            assert [r.peer_id for r in listing.matching] == expected
            assert any(everyone.index(r) >= 100 for r in listing.matching)  # found further down
            assert _count(app).startswith(f"{len(expected)} matching")
            await pilot.press("enter", "a")  # back to the list, select every match
            assert set(listing.selected) == set(expected)
            await pilot.press("escape")  # the filter goes, the selection stays
            assert listing.filter_text == ""
            assert listing.line_count == len(everyone)
            assert set(listing.selected) == set(expected)
            assert f"{len(expected)} selected" in _count(app)
            await pilot.press("A")
            assert set(listing.selected) == set()


async def test_type_filter_and_archive_toggle(tmp_path: Path) -> None:
    from tgtui.telegram.dialogs import ChatKind

    options = SandboxOptions(world=WorldOptions(seed=3, dialogs=300, messages=100))
    async with running_sandbox(options) as server:
        app = make_app(server, tmp_path, signed_in=True)
        async with running(app) as pilot:
            await wait_for(pilot, lambda: chats_loaded(app))
            listing = app.screen.query_one(DialogList)
            await pilot.press("t")  # users
            await wait_for(pilot, lambda: listing.done, what="all pages while filtering")
            assert listing.matching
            assert {r.kind for r in listing.matching} == {ChatKind.USER}
            assert " users · " in _count(app)
            await pilot.press("t", "t")  # groups
            assert {r.kind for r in listing.matching} <= {ChatKind.GROUP, ChatKind.SUPERGROUP}
            await pilot.press("t", "t")  # back to all
            assert not listing.filtering
            await pilot.press("space")
            kept = set(listing.selected)
            await pilot.press("z")
            await wait_for(pilot, lambda: _count(app).startswith("Archive:"), what="archive")
            archived = len(server.world.order[1])
            await wait_for(pilot, lambda: len(listing.rows) == archived)
            assert all(row.archived for row in listing.rows)
            assert set(listing.selected) == kept  # switching lists keeps the selection
            await pilot.press("z")
            await wait_for(pilot, lambda: chats_loaded(app))
            assert not any(row.archived for row in listing.rows)


async def test_enter_opens_the_latest_messages_and_scrolling_up_loads_older(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tgtui.widgets.chat_preview import ChatPreview

    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app))
        listing = app.screen.query_one(DialogList)
        preview = app.screen.query_one(ChatPreview)
        assert not preview.display
        row = next(r for r in listing.rows if r.preview and not r.pinned)
        listing.cursor = listing.rows.index(row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(preview.lines) > 0, what="the messages")
        assert preview.display
        assert preview.title == row.name
        assert len(preview.lines) == 50
        newest = preview.lines[-1]
        assert row.preview.endswith(newest.text[-20:])  # the chat's last message, at the bottom
        requests = len(sandbox.log.of("messages.getHistory"))
        preview.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: len(preview.lines) > 50, what="older messages")
        assert len(sandbox.log.of("messages.getHistory")) == requests + 1
        ids = [line.id for line in preview.lines]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        await pilot.press("escape")
        assert not preview.display
        assert listing.has_focus
