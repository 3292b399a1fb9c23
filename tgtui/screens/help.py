"""The keys of the screen underneath, on `?` or F1: each key with what it does, in one line.

Read from the bindings that are active there (the screen's, its focused widget's and the
app's), never from a hand-kept list, so it cannot go out of date. Only tgtui's keys (those
with an id config.toml's [keys] knows) are listed, all in one style: Textual's own keys of
text fields and scrolling (Focus Next, Scroll Left...) are what any terminal app does.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tgtui.config import BINDING_IDS
from tgtui.i18n import N_, NC_, _, pgettext
from tgtui.screens.palette import Binding

# The app's keys that open it ("? Keys" is always in the footer: see KeyFooter).
HELP_KEYS: list[BindingType] = [
    Binding("question_mark", "help", N_("Keys"), id="help"),
    Binding("f1", "help", N_("Keys"), id="help-f1"),  # shown where a field takes "?" as text
]

# What each screen is called in the help's title.
SCREEN_NAMES = {
    "Archive": NC_("screen", "Backups"),
    "Backup": NC_("screen", "Backup"),
    "Chat": NC_("screen", "Chat"),
    "Credentials": NC_("screen", "Setup"),
    "Date": NC_("screen", "Date"),
    "Dialogs": NC_("screen", "Chats"),
    "Export": NC_("screen", "Export"),
    "Login": NC_("screen", "Login"),
    "Search": NC_("screen", "Search"),
    "Start": NC_("screen", "Start"),
    "Stats": NC_("screen", "Statistics"),
    "Versions": NC_("screen", "Versions"),
}


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, name, what it does) for every tgtui binding active on ``screen`` that has a
    description, in the order they apply, each key once; keys that do the same thing share
    a row ("↑ k  Up"). "What it does" is the palette's wording (`command`, `tooltip`), or ""
    where the name says it all."""
    app = screen.app

    def rank(item: tuple[str, ActiveBinding]) -> int:
        """tgtui's keys for this screen first, then its widgets' (lists, fields), then the
        keys every screen has, then the app's."""
        node, action = item[1].node, item[1].binding.action
        if node is app:
            return 3
        if node is not screen:
            return 1
        method = getattr(type(screen), f"action_{action}", None)
        return 0 if getattr(method, "__module__", "").startswith("tgtui.") else 2

    rows: dict[tuple[int, str, str], tuple[list[str], str]] = {}
    seen: set[str] = set()
    for key, active in sorted(screen.active_bindings.items(), key=rank):
        binding = active.binding
        if not binding.description or binding.id not in BINDING_IDS or key in seen:
            continue
        seen.add(key)
        if active.enabled:
            same = (id(active.node), binding.action, binding.description)
            keys, _detail = rows.setdefault(same, ([], explanation(binding)))
            keys.append(app.get_key_display(binding))
    return [
        (" ".join(keys), description, detail)
        for (_n, _a, description), (keys, detail) in rows.items()
    ]


def explanation(binding: object) -> str:
    """What a key does beyond its name, untranslated: its tooltip, else its palette name
    when that says more than the footer's word."""
    tooltip = getattr(binding, "tooltip", "")
    if tooltip:
        return str(tooltip)
    command = getattr(binding, "command", "")
    return str(command) if command and command != getattr(binding, "description", "") else ""


def keys_of(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key, what it does) for every tgtui binding active on ``screen`` (see `key_rows`)."""
    return [(keys, name) for keys, name, _detail in key_rows(screen)]


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened over; any of Escape, q, ? or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen VerticalScroll { height: auto; max-height: 90%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1",
            "close",
            N_("Close"),
            show=False,
            id="close-help",
            palette=False,
        ),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.lines = key_rows(under)
        self.rows = [(keys, name) for keys, name, _detail in self.lines]
        name = type(under).__name__.removesuffix("Screen")
        if name in SCREEN_NAMES:
            self.under_title = pgettext("screen", SCREEN_NAMES[name])
        else:
            self.under_title = "tgtui"

    def compose(self) -> ComposeResult:
        """A table of keys and what they do."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, name, detail in self.lines:
            line = Text(_(name), style="bold")
            if detail:
                line.append(" · " + _(detail), style="dim")
            table.add_row(Text(key), line)
        with VerticalScroll(classes="dialog"):
            yield Static(
                _("Keys here ({screen})").format(screen=self.under_title),
                classes="dialog-title",
            )
            yield Static(table, id="help-keys")
            yield Static(_("Escape closes this."), classes="hint")

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
