"""The first screen: connecting (with a retry countdown when the network is down).

When the way through a proxy fails (nothing answers there, it refuses the password, it
cannot reach Telegram: `tgtui.telegram.through_proxy.ProxyProblem`), retrying will not mend
it: the screen says which, in the error table's words, and offers the Connection screen
(F6, also while it retries) and another try.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center, Horizontal, Middle
from textual.widgets import Button, Header, LoadingIndicator, Static

from tgtui.i18n import N_, _
from tgtui.proxy import ProxySetting
from tgtui.retry import Wait
from tgtui.screens.base import TgtuiScreen
from tgtui.screens.connection import connection_key
from tgtui.telegram.errors import explain
from tgtui.telegram.through_proxy import ProxyProblem
from tgtui.untrusted import safe_text
from tgtui.widgets.countdown import Countdown
from tgtui.widgets.key_footer import KeyFooter


class StartScreen(TgtuiScreen):
    """Connects the app's client, then hands over to the login or dialog screen."""

    DEFAULT_CSS = """
    #start-retry, #start-problem { width: 100%; text-align: center; }
    #start-buttons { align-horizontal: center; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [connection_key("f6")]

    def compose(self) -> ComposeResult:
        """A spinner and a status line; what went wrong and what to do, when it did."""
        yield Header()
        # Its first words are set here, not on mount: the first connect may fail before that.
        with Middle(), Center(id="start-box"):
            yield Static(safe_text(self._status()), id="start-status")
            yield LoadingIndicator()
            yield Countdown(id="start-retry")
            problem = Static("", id="start-problem", classes="error")
            problem.display = False
            yield problem
            with Horizontal(id="start-buttons", classes="buttons") as buttons:
                buttons.display = False
                yield Button(_("Connection settings"), variant="primary", id="start-connection")
                yield Button(_("Try again"), id="start-again")
        yield KeyFooter()

    def _through(self) -> str | None:
        """The proxy chosen for tgtui (--proxy, config.toml, this screen), redacted. One from
        the environment is not named: it may not be used for this server."""
        setting = self.tgtui.service.spec.proxy
        if setting is None or setting.from_environment:
            return None
        return setting.proxy.redacted

    def on_screen_suspend(self) -> None:
        """Covered by another screen: stop the spinner (it would redraw 16 times a second)."""
        self.query_one(LoadingIndicator).display = False

    def on_screen_resume(self) -> None:
        """Shown again (logging out, a proxy changed): spin, unless connecting failed."""
        self.query_one(LoadingIndicator).display = not self.query_one("#start-problem").display

    def _status(self) -> str:
        """The connecting line, naming the demo's server or the proxy on the way."""
        through = self._through()
        if through is not None:
            return _("Connecting to Telegram through {proxy}…").format(proxy=through)
        if self.tgtui.context.demo:
            return _("Connecting to the demo sandbox…")
        return _("Connecting to Telegram…")

    def _connecting(self) -> None:
        """The spinner and "Connecting…", no problem shown (connecting again)."""
        self.query_one("#start-status", Static).update(safe_text(self._status()))
        self.query_one("#start-problem", Static).display = False
        self.query_one("#start-buttons").display = False
        self.query_one(LoadingIndicator).display = self.is_current

    def _waiting(self, wait: Wait) -> None:
        """Count down to the next try; meanwhile, a proxy may be what is missing."""
        text = explain(wait.error).text
        self.query_one("#start-retry", Countdown).start(
            wait.seconds, text + " " + _("Next try in {seconds} s.")
        )
        self._offer(again=False)

    def _offer(self, *, again: bool) -> None:
        """Show the Connection settings button (and Try again, when nothing is retrying)."""
        self.query_one("#start-buttons").display = True
        self.query_one("#start-again", Button).display = again

    def _failed(self, problem: ProxyProblem) -> None:
        """The proxy is the problem: say how, stop spinning, offer the settings."""
        self.query_one("#start-retry", Countdown).stop()
        self.query_one(LoadingIndicator).display = False
        self.query_one("#start-status", Static).update(_("Could not connect through the proxy."))
        problem_line = self.query_one("#start-problem", Static)
        problem_line.update(safe_text(explain(problem).text, multiline=True))
        problem_line.display = True
        self._offer(again=True)
        self.query_one("#start-connection", Button).focus()

    @on(Button.Pressed, "#start-connection")
    def _settings(self) -> None:
        self.tgtui.action_connection()

    @on(Button.Pressed, "#start-again")
    def _again(self) -> None:
        self._connecting()
        self.connect()

    @work(exclusive=True, group="telegram", exit_on_error=False, description=N_("Connecting"))
    async def connect(self) -> None:
        """Connect (retrying while unreachable), then show login or the dialogs."""
        await self._connect()

    @work(exclusive=True, group="telegram", exit_on_error=False, description=N_("Connecting"))
    async def reconnect(self, proxy: ProxySetting | None) -> None:
        """Connect again through ``proxy`` (None: straight to Telegram), the session kept."""
        self.query_one("#start-retry", Countdown).stop()
        await self.tgtui.service.use_proxy(proxy)
        self._connecting()
        await self._connect()

    async def _connect(self) -> None:
        """Connect; on a proxy problem, say it and offer the settings (the app's first
        connect starts before this screen has drawn: nothing is shown before the answer)."""
        service = self.tgtui.service
        try:
            await service.connect(on_wait=self._waiting)
        except ProxyProblem as problem:
            self._failed(problem)
            return
        self.query_one("#start-retry", Countdown).stop()
        if await service.is_authorized():
            self.tgtui.show_dialogs()
        else:
            self.tgtui.show_login()

    @work(exclusive=True, group="telegram", exit_on_error=False, description=N_("Logging out"))
    async def log_out(self) -> None:
        """Sign out on the server and return to the login screen."""
        await self.tgtui.service.log_out()
        self.tgtui.notify(_("Logged out. Your backups are still on disk."))
        self.tgtui.show_login()
