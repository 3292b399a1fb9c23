"""First run: ask for the api_id and api_hash every Telegram client needs."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Static

from tgtui.config import ConfigError, validate_api_hash, validate_api_id
from tgtui.i18n import N_, _
from tgtui.screens.palette import Binding
from tgtui.untrusted import safe_text
from tgtui.widgets.key_footer import KeyFooter

WHERE = N_(
    "Every Telegram client needs an api_id and api_hash. Get yours at "
    "https://my.telegram.org → API development tools (log in with your phone, create an app; "
    "any name will do). They are saved, readable only by you, in:"
)


class CredentialsScreen(Screen[tuple[int, str] | None]):
    """Dismissed with (api_id, api_hash), or None when the user quits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "quit_setup", N_("Quit"), id="quit-setup", palette=False)
    ]

    def __init__(self, config_file: Path) -> None:
        super().__init__()
        self.config_file = config_file

    def compose(self) -> ComposeResult:
        """Two fields, where to find them, and where they will be stored."""
        yield Header()
        with Vertical(id="credentials-box", classes="dialog"):
            yield Static(_("Welcome to tgtui"), classes="dialog-title")
            yield Static(_(WHERE), classes="dialog-detail")
            yield Static(safe_text(self.config_file), id="credentials-file", classes="path")
            yield Input(placeholder=_("api_id (digits)"), id="api-id", restrict=r"[0-9]*")
            yield Input(placeholder=_("api_hash (32 hex characters)"), id="api-hash", max_length=32)
            yield Static("", id="credentials-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save and continue"), variant="primary", id="save")
        yield KeyFooter()

    @on(Input.Submitted, "#api-id")
    def _next(self) -> None:
        self.query_one("#api-hash", Input).focus()

    @on(Input.Submitted, "#api-hash")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        error = self.query_one("#credentials-error", Static)
        try:
            api_id = validate_api_id(self.query_one("#api-id", Input).value, "api_id", "api_id")
        except ConfigError:
            error.update(_("api_id is the number shown on my.telegram.org, e.g. 1234567."))
            self.query_one("#api-id", Input).focus()
            return
        try:
            api_hash = validate_api_hash(
                self.query_one("#api-hash", Input).value, "api_hash", "api_hash"
            )
        except ConfigError:
            error.update(
                _("api_hash is 32 characters of 0-9 and a-f, as shown on my.telegram.org.")
            )
            self.query_one("#api-hash", Input).focus()
            return
        self.dismiss((api_id, api_hash))

    def action_quit_setup(self) -> None:
        """Leave without saving."""
        self.dismiss(None)
