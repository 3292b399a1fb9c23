"""The base of tgtui's screens: typed access to the app, one route for worker failures, and
the key the login and the chat list share."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tgtui.i18n import N_
from tgtui.screens.palette import Binding

if TYPE_CHECKING:
    from tgtui.app import TgtuiApp


def read_backups_key(key: str) -> Binding:
    """The key that opens the backups offline (the login's and the chat list's)."""
    return Binding(
        key,
        "app.open_archive",
        N_("Backups"),
        id="read-backups",
        command=N_("Read backups"),
        tooltip=N_("Browse and search what is saved, offline"),
    )


class TgtuiScreen(Screen[None]):
    """A screen of tgtui. Workers run with exit_on_error=False; failures reach the app."""

    @property
    def tgtui(self) -> TgtuiApp:
        """The app, typed."""
        return cast("TgtuiApp", self.app)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.tgtui.report_failure(event.worker.error, event.worker.description or "tgtui")
