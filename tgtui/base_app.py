"""What tgtui's two apps share (the full app and `tgtui open`): the quit and help keys, the
help screen, and a command palette in the user's language.

Textual words its palette in English (the placeholder, its own commands: Theme, Quit,
Screenshot...); here they go through the catalog like tgtui's own strings, and Textual's
"Keys" panel gives way to tgtui's help screen, which lists the keys in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.theme import ThemeProvider

from tgtui.i18n import N_, _
from tgtui.screens.help import HELP_KEYS, HelpScreen

# Textual's palette, as it words it (Textual 8), so the catalog translates it.
PALETTE_WORDS = (
    N_("Search for commands…"),
    N_("Search for themes…"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit the application as soon as possible"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)
TEXTUALS_KEYS = "Keys"  # Textual's command for its own (English) keys panel


class TgtuiBaseApp(App[None]):
    """An app of tgtui: ^q quits, ? and F1 show the keys, the palette speaks the user's
    language."""

    TITLE = "tgtui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), id="quit", priority=True),
        *HELP_KEYS,
    ]

    def action_help(self) -> None:
        """The keys of the screen in front, with what they do."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        """Textual's command palette, its search field worded in the user's language."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = _("Search for commands…")
            self.push_screen(CommandPalette(id="--command-palette", placeholder=placeholder))

    def search_themes(self) -> None:
        """The palette's theme list, worded in the user's language."""
        self.push_screen(
            CommandPalette(providers=[ThemeProvider], placeholder=_("Search for themes…"))
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own palette commands, translated, with tgtui's keys screen."""
        yield from translated(super().get_system_commands(screen), self.action_help)


def translated(
    commands: Iterable[SystemCommand], show_keys: Callable[[], None]
) -> Iterator[SystemCommand]:
    """``commands`` with their titles and help in the user's language; Textual's keys panel
    replaced by ``show_keys``."""
    for command in commands:
        if command.title == TEXTUALS_KEYS:
            yield SystemCommand(
                _("Keys"), _("The keys of this screen, with what they do"), show_keys
            )
        else:
            yield SystemCommand(
                _(command.title), _(command.help), command.callback, command.discover
            )
