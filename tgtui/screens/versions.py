"""Every saved version of an edited message, oldest first (`v` in a chat)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tgtui.archive.chat_log import record_date
from tgtui.i18n import N_, _, short_date
from tgtui.screens.palette import Binding
from tgtui.untrusted import clean


def no_versions_note(record: dict[str, Any]) -> str:
    """What `v` says of a message the backup holds one version of, and truly: a message
    marked edited was edited on Telegram before it was first saved (`edited` in its line),
    so the backup never had the words it replaced."""
    edited = record.get("edited")
    if edited:
        return _(
            "This message was edited on Telegram ({date}) before it was saved: the backup has "
            "no earlier version of it."
        ).format(date=clean(edited, limit=40))
    return _("This message was not edited after it was saved.")


def _first_label(record: dict[str, Any]) -> str:
    """The first saved version: the message as sent, or as it read after an edit made
    before the backup saved it (no earlier version is known then)."""
    edited = record.get("edited")
    if edited:
        return _("as first saved, already edited on Telegram {date} (no earlier version)").format(
            date=clean(edited, limit=40)
        )
    return _("first version {date}").format(date=clean(record.get("date") or "?", limit=40))


def version_lines(versions: list[dict[str, Any]], deleted: str | None) -> Text:
    """The versions as the screen shows them: when, then the text (each cleaned)."""
    text = Text()
    for number, record in enumerate(versions, start=1):
        shown = clean(record.get("edited") or "?", limit=40)
        label = (
            _first_label(record)
            if number == 1
            else _("version {number}, edited {date}").format(number=number, date=shown)
        )
        text.append(f"{label}\n", style="bold")
        said = record.get("text")
        text.append(
            clean(said if isinstance(said, str) and said else _("(no text)"), multiline=True)
        )
        text.append("\n\n")
    if deleted:
        noticed = clean(deleted, limit=40)
        text.append(_("Deleted on Telegram (noticed {date}).").format(date=noticed), style="red")
    return text


class VersionsScreen(ModalScreen[None]):
    """The versions of one message; Escape (or v) closes it."""

    DEFAULT_CSS = """
    VersionsScreen { align: center middle; }
    VersionsScreen VerticalScroll { height: auto; max-height: 90%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v,q", "close", N_("Close"), show=False, id="close-versions", palette=False),
    ]

    def __init__(self, versions: list[dict[str, Any]], deleted: str | None = None) -> None:
        super().__init__()
        self.versions = versions
        self.deleted = deleted

    def compose(self) -> ComposeResult:
        """The message's versions, oldest first."""
        first = self.versions[0]
        when = record_date(first)
        title = _("Message {id}").format(id=first.get("id"))
        if when:
            title += f", {short_date(when)}"
        with VerticalScroll(classes="dialog"):
            yield Static(title, classes="dialog-title", markup=False)
            yield Static(version_lines(self.versions, self.deleted), id="versions")
            yield Static(_("Escape closes this."), classes="hint")

    def action_close(self) -> None:
        """Back to the chat."""
        self.dismiss(None)
