"""The Connection screen through the real app, the real client, the sandbox and a real proxy
(pproxy on loopback): a pasted link read as it is typed (redacted), a test through the
proxy in the error table's words, Save writing config.toml and connecting again through
it, the connecting screen offering it when a proxy fails or the network is down; the
password and the secret never on screen nor in the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Button, Input

from tests.proxy_process import free_port, running_proxy
from tests.tui.helpers import chats_loaded, make_app, running, text_of, toasts, wait_for
from tests.tui.screen_text import cut, footer_keys, rows
from tgtui import i18n
from tgtui.app import TgtuiApp
from tgtui.i18n import _
from tgtui.log import redactor, setup_logging, stop_logging
from tgtui.proxy import ProxySetting, parse_proxy
from tgtui.sandbox import DC_ID, SandboxServer
from tgtui.screens.connection import ConnectionScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.login import LoginScreen
from tgtui.screens.start import StartScreen

SECRET = "s3cr3t-Pa55"  # the proxy's password
KEY = "0123456789abcdef0123456789abcdef"  # an MTProxy's key
LINK = f"https://t.me/proxy?server=proxy.example&port=443&secret=ee{KEY}{b'example.com'.hex()}"
SMALL = (80, 24)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The app's log, at debug level, as `tgtui --debug` writes it."""
    redactor.forget()
    path = setup_logging(tmp_path / "logs", debug=True)
    yield path
    stop_logging()
    redactor.forget()
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)


def _on_connection(app: TgtuiApp) -> ConnectionScreen | None:
    screen = app.screen
    return screen if isinstance(screen, ConnectionScreen) else None


async def _open_from_login(pilot: Pilot[Any]) -> ConnectionScreen:
    app = pilot.app
    assert isinstance(app, TgtuiApp)
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
    await pilot.press("f6")
    await wait_for(pilot, lambda: _on_connection(app) is not None, what="Connection")
    screen = _on_connection(app)
    assert screen is not None
    return screen


async def _paste(pilot: Pilot[Any], text: str) -> None:
    """Put ``text`` in the proxy field as a terminal pastes it (over what was there)."""
    field = pilot.app.screen.query_one("#proxy", Input)
    field.focus()
    field.value = ""
    field.post_message(events.Paste(text))
    await wait_for(pilot, lambda: field.value == text.strip(), what="the paste")


def _screen(app: TgtuiApp) -> str:
    return "\n".join(rows(app))


async def _test(pilot: Pilot[Any], words: str) -> str:
    """Press Ctrl+T and wait for the test's answer; it must hold ``words``."""
    app = pilot.app
    assert isinstance(app, TgtuiApp)
    await pilot.press("ctrl+t")
    await wait_for(pilot, lambda: words in text_of(app, "#connection-result"), within=30)
    return text_of(app, "#connection-result")


async def test_a_pasted_link_shows_what_it_names_and_never_its_secret(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app, size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        assert "f6" in footer_keys(app), footer_keys(app)
        screen = await _open_from_login(pilot)
        assert text_of(app, "#connection-now") == "Now: no proxy, straight to Telegram."
        await _paste(pilot, LINK)
        understood = "Understood: mtproxy proxy.example:443 (fake-tls, example.com)"
        await wait_for(pilot, lambda: text_of(app, "#connection-understood") == understood)
        assert screen.query_one("#proxy", Input).password  # shown as dots
        assert KEY not in _screen(app)
        assert KEY not in app.export_screenshot()
        # One that cannot be read: why, on the error line, and nothing understood.
        await _paste(pilot, f"socks5://me:{SECRET}@10.0.0.5:99999")
        await wait_for(pilot, lambda: "port must be a number" in text_of(app, "#connection-error"))
        assert text_of(app, "#connection-understood") == ""
        await _paste(pilot, f"ftp://me:{SECRET}@example.org:21")
        await wait_for(pilot, lambda: "unknown kind of proxy 'ftp'" in _screen(app))
        assert SECRET not in app.export_screenshot()
        # Show reveals what was typed, for a typo; Hide masks it again.
        field, reveal = screen.query_one("#proxy", Input), screen.query_one("#reveal", Button)
        await pilot.click("#reveal")
        await wait_for(pilot, lambda: not field.password, what="shown")
        assert str(reveal.label) == "Hide"
        await wait_for(pilot, lambda: not reveal.has_class("-active"))  # pressed, then up
        await pilot.click("#reveal")
        await wait_for(pilot, lambda: field.password, what="masked again")
        # Enter on one that cannot be read saves nothing; Escape goes back to the login.
        await pilot.press("enter")
        assert _on_connection(app) is screen
        assert not app.context.settings.config_file.exists()
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login again")


async def test_test_says_connected_refused_or_nothing_there_through_a_real_proxy(
    sandbox: SandboxServer, tmp_path: Path, log_file: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running_proxy("socks5", f"reader:{SECRET}") as proxy, running(app) as pilot:
        await _open_from_login(pilot)
        await _paste(pilot, f"socks5://reader:{SECRET}@127.0.0.1:{proxy.port}")
        said = await _test(pilot, "Connected")
        assert said == "Connected: Telegram answered through the proxy."
        assert proxy.onward(), proxy.lines  # it went through the proxy to the sandbox
        await _paste(pilot, f"socks5://reader:wrong-{SECRET}@127.0.0.1:{proxy.port}")
        assert text_of(app, "#connection-result") == ""  # the answer was for the old text
        said = await _test(pilot, "user name and password:")
        assert said == (
            f"The proxy socks5 127.0.0.1:{proxy.port} (with a user name and password) "
            "closed the connection when given the user name and password: check them, and "
            "that it is that kind of proxy (socks5://, socks4://, http://)."
        )
        dead = free_port()
        await _paste(pilot, f"socks5://reader:{SECRET}@127.0.0.1:{dead}")
        said = await _test(pilot, "Nothing answers")
        assert said.startswith(f"Nothing answers at the proxy socks5 127.0.0.1:{dead} (with")
        assert SECRET not in app.export_screenshot()
        # Testing saves nothing and changes nothing.
        assert not app.context.settings.config_file.exists()
        assert app.service.spec.proxy is None
    await asyncio.to_thread(stop_logging)
    assert SECRET not in await asyncio.to_thread(log_file.read_text, encoding="utf-8")


@contextlib.asynccontextmanager
async def _silent_proxy() -> AsyncIterator[int]:
    """A port that takes connections and never answers (a proxy that hangs)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_slow_test_shows_it_is_testing_and_editing_stops_it(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with _silent_proxy() as port, running(app, size=SMALL) as pilot:
        screen = await _open_from_login(pilot)
        await _paste(pilot, f"socks5://127.0.0.1:{port}")
        await pilot.press("ctrl+t")
        testing = screen.query_one("#connection-testing")
        await wait_for(pilot, lambda: testing.has_class("-on"), what="the spinner")
        assert f"Testing: reaching Telegram through socks5 127.0.0.1:{port}" in _screen(app)
        test = screen.query_one("#test", Button)
        assert test.disabled
        assert str(test.label) == "Testing…"
        await _paste(pilot, f"socks5://127.0.0.1:{port + 1}")  # a new text: the old test ends
        await wait_for(pilot, lambda: not testing.has_class("-on"), what="the spinner gone")
        assert not test.disabled
        assert text_of(app, "#connection-result") == ""


async def test_save_writes_config_toml_and_connects_again_through_the_proxy(
    sandbox: SandboxServer, tmp_path: Path, log_file: Path
) -> None:
    """From the chat list, through the command palette: saved 0600, the client connects
    again through the proxy and the chat list comes back."""
    app = make_app(sandbox, tmp_path, signed_in=True)
    config = app.context.settings.config_file
    async with running_proxy("socks5", f"reader:{SECRET}") as proxy, running(app) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app), what="the chat list")
        assert proxy.onward() == []
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"proxy")
        await wait_for(pilot, lambda: "Connection settings (proxy)" in _screen(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: _on_connection(app) is not None, what="Connection")
        url = f"socks5://reader:{SECRET}@127.0.0.1:{proxy.port}"
        await _paste(pilot, url)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen), within=30)
        await wait_for(pilot, lambda: chats_loaded(app), within=30, what="the chat list again")
        assert (sandbox.host, sandbox.port) in proxy.onward(), proxy.lines
        assert app.service.proxy == parse_proxy(url)
        setting = app.service.spec.proxy
        assert setting is not None
        assert setting.source == "config.toml"
        assert SECRET not in app.export_screenshot()
        # Opened again, it says where the proxy comes from, redacted.
        await pilot.press("ctrl+p", *"proxy")
        await wait_for(pilot, lambda: "Connection settings (proxy)" in _screen(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: _on_connection(app) is not None, what="Connection")
        assert text_of(app, "#connection-now") == (
            f"Now: socks5 127.0.0.1:{proxy.port} (with a user name and password), from config.toml."
        )
        assert SECRET not in _screen(app)
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert f'proxy = "{url}"' in config.read_text(encoding="utf-8").splitlines()
    await asyncio.to_thread(stop_logging)
    log = await asyncio.to_thread(log_file.read_text, encoding="utf-8")
    assert f"connecting through the proxy socks5 127.0.0.1:{proxy.port}" in log
    assert SECRET not in log


async def test_a_failing_proxy_is_said_on_the_connecting_screen_with_the_way_out(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Not a dead spinner: what is wrong, in the error table's words, the Connection screen
    a key away; No proxy there connects straight and writes config.toml without it."""
    app = make_app(sandbox, tmp_path)
    dead = free_port()
    proxy = parse_proxy(f"socks5://127.0.0.1:{dead}")
    app.service.spec = replace(app.service.spec, proxy=ProxySetting(proxy, "config.toml"))
    config = app.context.settings.config_file
    config.parent.mkdir(parents=True)
    config.write_text(f'theme = "nord"\nproxy = "socks5://127.0.0.1:{dead}"\n')
    async with running(app, size=SMALL) as pilot:
        await wait_for(pilot, lambda: text_of(app, "#start-problem") != "", what="the problem")
        assert isinstance(app.screen, StartScreen)
        assert text_of(app, "#start-problem") == (
            f"Nothing answers at the proxy socks5 127.0.0.1:{dead}: is it running, and are "
            "its address and port right?"
        )
        assert text_of(app, "#start-status") == "Could not connect through the proxy."
        screen = _screen(app)
        assert cut(rows(app), ["Connection settings", "Try again"]) == []
        assert "●" not in screen  # the spinner stopped
        assert "f6" in footer_keys(app)
        await pilot.press("enter")  # the focused button: Connection settings
        await wait_for(pilot, lambda: _on_connection(app) is not None, what="Connection")
        assert text_of(app, "#connection-now") == (
            f"Now: socks5 127.0.0.1:{dead}, from config.toml."
        )
        await pilot.click("#no-proxy")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), within=30)
        assert app.service.spec.proxy is None
    assert config.read_text().splitlines() == ['theme = "nord"']
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600


async def test_while_the_network_is_down_the_connection_screen_is_offered(
    tmp_path: Path,
) -> None:
    port = free_port()
    app = make_app(None, tmp_path, dc=(DC_ID, "127.0.0.1", port))
    async with running(app, size=SMALL) as pilot:
        await wait_for(
            pilot, lambda: "Next try in" in text_of(app, "#start-retry"), within=30, what="retry"
        )
        assert app.screen.query_one("#start-connection", Button).display
        assert not app.screen.query_one("#start-again", Button).display  # it retries itself
        await pilot.press("f6")
        await wait_for(pilot, lambda: _on_connection(app) is not None, what="Connection")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen), what="back")


@pytest.mark.parametrize("language", ["en", "pt_BR"])
async def test_the_connection_screen_at_80x24(
    sandbox: SandboxServer, tmp_path: Path, language: str
) -> None:
    """A test's longest answer, every button and the main keys fit 80x24, in both languages."""
    i18n.use(i18n.PORTUGUESE if language == "pt_BR" else i18n.ENGLISH)
    app = make_app(sandbox, tmp_path)
    port = free_port()
    given = parse_proxy(f"socks5://me:{SECRET}@127.0.0.1:{port}")
    app.service.spec = replace(app.service.spec, proxy=ProxySetting(given, "--proxy"))
    async with running(app, size=SMALL) as pilot:
        await wait_for(pilot, lambda: text_of(app, "#start-problem") != "", what="the problem")
        await pilot.press("f6")
        await wait_for(pilot, lambda: _on_connection(app) is not None, what="Connection")
        await _paste(pilot, f"socks5://reader:{SECRET}@127.0.0.1:{free_port()}")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: text_of(app, "#connection-result") != "", within=30)
        await pilot.pause(0.2)
        lines = rows(app)
        words = [_("Connection: proxy"), _("Save and connect"), _("Test"), _("No proxy")]
        assert cut(lines, words) == []
        assert lines[-1].strip().startswith("^q"), lines  # the footer is the last row
        assert "╰" in "".join(lines[:-1])  # the box's bottom edge is on screen
        assert {"^q", "esc", "^t"} <= set(footer_keys(app)), footer_keys(app)
        assert SECRET not in "\n".join(lines)
        assert text_of(app, "#connection-now") == (
            _("Now: {proxy}, from the command line (--proxy).").format(proxy=given.redacted)
            + " "
            + _("One saved here is used when --proxy is not given.")
        )


async def test_the_environment_s_proxy_is_named_as_such(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """ALL_PROXY is not used for a server on this machine, and the screen says so; No proxy
    says the variable names one again at the next start."""
    app = make_app(sandbox, tmp_path)
    proxy = parse_proxy(f"socks5://127.0.0.1:{free_port()}")
    app.service.spec = replace(app.service.spec, proxy=ProxySetting(proxy, "ALL_PROXY"))
    async with running(app, size=SMALL) as pilot:
        await _open_from_login(pilot)
        assert text_of(app, "#connection-now") == (
            "Now: straight to Telegram (ALL_PROXY names a proxy, not used for this server)."
        )
        await pilot.click("#no-proxy")
        await wait_for(pilot, lambda: any("ALL_PROXY names one again" in t for t in toasts(app)))
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), within=30)
        assert app.service.spec.proxy is None
