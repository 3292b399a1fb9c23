"""A yes/no question in a modal box."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tgtui.i18n import N_, _
from tgtui.screens.palette import Binding


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True (confirm) or False (cancel, Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel", palette=False)
    ]

    def __init__(self, question: str, detail: str = "", *, confirm: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.confirm_label = confirm or _("OK")

    def compose(self) -> ComposeResult:
        """Question, detail, two buttons."""
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            if self.detail:
                yield Static(self.detail, classes="dialog-detail")
            with Horizontal(classes="buttons"):
                yield Button(self.confirm_label, variant="error", id="confirm")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        """Cancel has the focus: Enter alone never confirms by accident."""
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Dismiss with False."""
        self.dismiss(False)
