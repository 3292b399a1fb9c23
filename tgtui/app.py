"""TgtuiApp: owns the one Telegram client (through TelegramService) and moves between screens.

Screens borrow the client through `TgtuiApp.service`; none of them builds one. Unexpected
worker failures from every screen end up in `TgtuiApp.report_failure`, the one place that
logs them with context, words them for the user and returns to the login screen when the
session was revoked. Backups (running one, following, quitting while one runs) are the
part it is built on: `tgtui.app_backups`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger
from textual import on
from textual.app import SystemCommand
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tgtui.app_backups import BackupsApp
from tgtui.config import Settings, save_api_credentials
from tgtui.i18n import _
from tgtui.memory import freeze_long_lived
from tgtui.proxy import ProxySetting
from tgtui.screens.confirm import ConfirmScreen
from tgtui.screens.connection import COMMAND, TOOLTIP, ConnectionScreen
from tgtui.screens.credentials import CredentialsScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.keep_theme import keep_theme
from tgtui.screens.login import LoginScreen
from tgtui.screens.start import StartScreen
from tgtui.telegram.auth import LoginFlow
from tgtui.telegram.crypto import crypto_warning
from tgtui.telegram.errors import explain
from tgtui.telegram.service import TelegramService
from tgtui.untrusted import clean

if TYPE_CHECKING:  # the reader's: loaded when a chat is read, not before the first screen
    from tgtui.widgets.picture_rows import PictureChoice

CodeListener = Callable[[str, str], None]


@dataclass(frozen=True)
class AppContext:
    """What the command line hands the app."""

    service: TelegramService  # opened (locked) before the UI starts
    settings: Settings
    demo: bool = False
    prefill_phone: str | None = None
    # Subscribes a listener to login codes "delivered" by a sandbox (demo and tests only);
    # returns the unsubscribe function.
    code_source: Callable[[CodeListener], Callable[[], None]] | None = None
    # Plays a phone that scans a QR login code (demo and tests only): accepts the token.
    demo_phone: Callable[[bytes], Awaitable[None]] | None = None
    # What QR login codes are renewed by (tests move it on).
    wall_clock: Callable[[], float] = time.time
    log_file: Path | None = None
    clock: Callable[[], float] = time.monotonic  # backups' rates and countdowns (tests fake it)
    pace_file: Path | None = None  # flood limits learned by backups (None: not kept)
    # How the reader draws pictures: the terminal asked before the app started
    # (`tgtui.widgets.picture_rows.choose`); None: half blocks, by config.toml's images.
    pictures: PictureChoice | None = None


class TgtuiApp(BackupsApp):
    """The full-screen tgtui application."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context.settings.keys)
        self.context = context
        self.service = context.service
        self.pictures = context.pictures  # read by `tgtui.widgets.picture_rows.choice_of`
        self.signed_in = False
        self.proxy_text = ""  # the proxy last saved on the Connection screen, this run
        self._unsubscribe_codes: Callable[[], None] | None = None
        if context.demo:
            self.sub_title = _("demo on a local sandbox")

    def get_default_screen(self) -> Screen[None]:
        """A "connecting" screen until we know whether the session is signed in."""
        return StartScreen()

    def on_mount(self) -> None:
        """Hook up code delivery and the theme, then ask for API keys or connect."""
        freeze_long_lived()  # modules and the app itself: out of the collector's way
        settings = self.context.settings
        # The demo reads the user's theme but never writes their config.toml.
        keep_theme(self, None if self.context.demo else settings.config_file, settings.theme)
        if self.context.code_source is not None:
            loop = asyncio.get_running_loop()

            def deliver(phone: str, code: str) -> None:  # called on the sandbox's thread
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self.deliver_code, phone, code)

            self._unsubscribe_codes = self.context.code_source(deliver)
        slow_crypto = crypto_warning()
        if slow_crypto is not None:
            logger.warning(slow_crypto)
            self.notify(slow_crypto, title=_("Slow encryption"), severity="warning", timeout=20)
        if self.service.spec.api_id is None or self.service.spec.api_hash is None:
            self.push_screen(
                CredentialsScreen(self.context.settings.config_file), self._credentials_entered
            )
        else:
            self.start_screen.connect()

    @property
    def start_screen(self) -> StartScreen:
        """The connecting screen at the bottom of the stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, StartScreen)
        return screen

    def _credentials_entered(self, credentials: tuple[int, str] | None) -> None:
        if credentials is None:
            self.exit()
            return
        api_id, api_hash = credentials
        config_file = self.context.settings.config_file
        try:
            save_api_credentials(config_file, api_id, api_hash)
        except OSError as exc:
            logger.warning("could not save API credentials to {}: {}", config_file, exc)
            self.notify(
                clean(
                    _(
                        "Could not save them to {file} ({reason}); they are used for this run only."
                    ).format(file=config_file, reason=exc.strerror)
                ),
                severity="warning",
                markup=False,
            )
        self.service.spec = replace(self.service.spec, api_id=api_id, api_hash=api_hash)
        self.start_screen.connect()

    def deliver_code(self, phone: str, code: str) -> None:
        """Show a login code as Telegram delivers it to the official apps (demo only)."""
        self.notify(
            _("Login code: {code}. Do not give this code to anyone.").format(code=code),
            title="Telegram",
            timeout=60,
        )

    def show_login(self, message: str | None = None) -> None:
        """Go to the login screen (on start, after log-out, or when the session was revoked)."""
        self.signed_in = False
        flow = LoginFlow(self.service.client, clock=self.context.wall_clock)
        self._replace_top(
            LoginScreen(
                flow,
                phone=self.context.prefill_phone or "",
                demo=self.context.demo,
                message=message,
                demo_phone=self.context.demo_phone,
            )
        )

    def show_dialogs(self) -> None:
        """Go to the dialog list (signed in)."""
        self.signed_in = True
        self.clear_notifications()  # the login code is of no more use on screen
        self._replace_top(DialogsScreen())

    def _replace_top(self, screen: Screen[None]) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @on(Worker.StateChanged)
    def _app_worker_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.node is self and event.state is WorkerState.ERROR:
            error = event.worker.error
            if error is not None:
                self.report_failure(error, event.worker.description or "tgtui")

    def report_failure(self, error: BaseException, context: str) -> None:
        """The one place for failures nobody handled: log, tell, and sign in again if needed."""
        explanation = explain(error)
        logger.opt(exception=error).error("{} failed: {}", context, explanation.text)
        if explanation.sign_in_again:
            self.show_login(explanation.text)
            return
        self.notify(
            clean(f"{_(context)}: {explanation.text}", multiline=True),
            title=_("Something went wrong"),
            severity="error",
            markup=False,
        )

    def action_log_out(self) -> None:
        """Ask, then sign this session out and go back to the login screen."""
        if not self.signed_in:
            self.notify(_("You are not signed in."))
            return
        if self.backup_job is not None and self.backup_job.running:
            self.notify(
                _(
                    "A backup is running: let it finish, or cancel it (X on its screen), "
                    "then log out."
                ),
                severity="warning",
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_screen.log_out()

        self.push_screen(
            ConfirmScreen(
                _("Log out of Telegram on this computer?"),
                _("Your backups stay on disk. You will need a login code to sign in again."),
                confirm=_("Log out"),
            ),
            answered,
        )

    def action_search_backups(self) -> None:
        """Open the backups and search them (s in the chat list)."""
        from tgtui.screens.archive import ArchiveScreen

        self.action_open_archive()
        screen = self.screen
        if isinstance(screen, ArchiveScreen):
            screen.action_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The Connection screen once the API keys are known (its test needs them), and
        only once in the stack."""
        if action == "connection":
            known = self.service.spec.api_id is not None and self.service.spec.api_hash
            opened = any(isinstance(screen, ConnectionScreen) for screen in self.screen_stack)
            return bool(known) and not opened
        return super().check_action(action, parameters)

    def action_connection(self) -> None:
        """The Connection screen: the proxy (F6 on the login and connecting screens)."""
        if self.check_action("connection", ()):
            self.push_screen(ConnectionScreen(self.proxy_text))

    def reconnect(self, proxy: ProxySetting | None) -> None:
        """Back to the connecting screen, which connects again through ``proxy`` (None:
        straight), then shows the login or the chat list."""
        self.signed_in = False
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.start_screen.reconnect(proxy)

    def app_commands(self) -> Iterable[SystemCommand]:
        """Over every screen: the Connection screen; signed in, log out (the screens' own
        commands come from their bindings: `tgtui.screens.palette`)."""
        if self.check_action("connection", ()):
            yield SystemCommand(_(COMMAND), _(TOOLTIP), self.action_connection)
        if self.signed_in:
            yield SystemCommand(
                _("Log out"), _("Sign this session out of Telegram"), self.action_log_out
            )

    async def on_unmount(self) -> None:
        """Stop listening for demo codes and disconnect the client when the app ends."""
        if self._unsubscribe_codes is not None:
            self._unsubscribe_codes()
        await self.service.disconnect()
