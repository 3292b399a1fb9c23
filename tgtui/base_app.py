"""What tgtui's two apps share (the full app and `tgtui open`): the quit and help keys, the
help screen, keys remapped by config.toml's [keys], and a command palette in the user's
language that offers the screen's own commands.

Textual words its palette in English (the placeholder, its own commands: Theme, Quit,
Screenshot...); here they go through the catalog like tgtui's own strings, and Textual's
"Keys" panel gives way to tgtui's help screen, which lists the keys in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from typing import ClassVar

from loguru import logger
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import ThemeProvider

from tgtui.i18n import N_, _
from tgtui.screens.help import HELP_KEYS, HelpScreen
from tgtui.screens.palette import commands_of, unique

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
        # Textual's own palette key (App.COMMAND_PALETTE_BINDING), with an id to remap it by.
        Binding(
            "ctrl+p",
            "command_palette",
            N_("palette"),
            show=False,
            priority=True,
            tooltip=N_("Open the command palette"),
            id="command-palette",
        ),
    ]

    def __init__(self, keys: Mapping[str, str] | None = None) -> None:
        """``keys``: config.toml's [keys], binding id -> keys (validated by tgtui.config)."""
        super().__init__()
        self._clashes: set[tuple[str, str | None, str]] = set()
        if keys:
            self.set_keymap(keys)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """A key moved by [keys] onto one that ``node`` uses for something else: the moved
        one wins (Textual's rule); the log says so, once."""
        for binding in clashed_bindings:
            clash = (type(node).__name__, binding.id, binding.key)
            if clash not in self._clashes:
                self._clashes.add(clash)
                logger.warning(
                    "config.toml [keys]: on {}, {} no longer does {} (a moved key took it)",
                    clash[0],
                    binding.key,
                    binding.id or binding.action,
                )

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
        """The palette: the app's own commands, the screen's (from its bindings:
        `tgtui.screens.palette`), then Textual's, translated, with tgtui's keys screen."""
        yield from unique(
            chain(
                self.app_commands(),
                commands_of(screen),
                translated(super().get_system_commands(screen), self.action_help),
            )
        )

    def app_commands(self) -> Iterable[SystemCommand]:
        """Commands the app offers over every screen (none here)."""
        return ()


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
