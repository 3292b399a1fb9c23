"""A small prompt for the date to jump to in a chat."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tgtui.choices import parse_date
from tgtui.i18n import N_, _
from tgtui.screens.palette import Binding
from tgtui.untrusted import safe_text


class DateScreen(ModalScreen[dt.datetime | None]):
    """Asks for a date (local time); dismisses with it, or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel", palette=False)
    ]

    def compose(self) -> ComposeResult:
        """Title, field, error line."""
        with Vertical(classes="dialog"):
            yield Static(_("Go to a date"), classes="dialog-title")
            yield Input(placeholder=_("YYYY-MM-DD or YYYY-MM-DD HH:MM"), id="date")
            yield Static("", id="date-error", classes="error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            when = parse_date(event.value)
        except ValueError as exc:
            self.query_one("#date-error", Static).update(safe_text(exc))
            return
        self.dismiss(when)

    def action_cancel(self) -> None:
        """Close without jumping."""
        self.dismiss(None)
