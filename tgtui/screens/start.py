"""The first screen: connecting (with a retry countdown when the network is down)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.widgets import Footer, Header, LoadingIndicator, Static

from tgtui.i18n import N_, _
from tgtui.retry import Wait
from tgtui.screens.base import TgtuiScreen
from tgtui.telegram.errors import explain
from tgtui.widgets.countdown import Countdown


class StartScreen(TgtuiScreen):
    """Connects the app's client, then hands over to the login or dialog screen."""

    def compose(self) -> ComposeResult:
        """A spinner and a status line."""
        yield Header()
        with Middle(), Center(id="start-box"):
            yield Static(_("Connecting to Telegram…"), id="start-status")
            yield LoadingIndicator()
            yield Countdown(id="start-retry")
        yield Footer()

    def on_mount(self) -> None:
        """Name the server we are connecting to."""
        if self.tgtui.context.demo:
            self.query_one("#start-status", Static).update(_("Connecting to the demo sandbox…"))

    def on_screen_suspend(self) -> None:
        """Covered by another screen: stop the spinner (it would redraw 16 times a second)."""
        self.query_one(LoadingIndicator).display = False

    def on_screen_resume(self) -> None:
        """Shown again (logging out): spin."""
        self.query_one(LoadingIndicator).display = True

    def _waiting(self, wait: Wait) -> None:
        text = explain(wait.error).text
        self.query_one("#start-retry", Countdown).start(
            wait.seconds, text + " " + _("Next try in {seconds} s.")
        )

    @work(exclusive=True, group="telegram", exit_on_error=False, description=N_("Connecting"))
    async def connect(self) -> None:
        """Connect (retrying while unreachable), then show login or the dialogs."""
        service = self.tgtui.service
        await service.connect(on_wait=self._waiting)
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
