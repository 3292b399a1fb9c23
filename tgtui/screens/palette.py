"""Each screen's own commands in the command palette, read from its key bindings.

A screen's `BINDINGS` are its commands: the palette offers each one the screen allows at
that moment (its `check_action`), so a new key is a new command with no second list to
keep. `Binding` here is Textual's with the palette's wording added: ``command`` names it
there when the footer's word or two says too little ("Find" -> "Filter chats"),
``tooltip`` says what it does (shown under it, and on the footer key), and
``palette=False`` keeps the keys that only move around (Escape, Enter) out of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from textual import binding
from textual.actions import parse
from textual.app import SystemCommand
from textual.screen import Screen

from tgtui.i18n import _


@dataclass(frozen=True)
class Binding(binding.Binding):
    """A key of a tgtui screen, worded for the command palette too."""

    command: str = ""
    """The palette's name for it ("": the description)."""
    palette: bool = True
    """Offered in the palette (False: a key that only moves around)."""


def commands_of(screen: Screen[object]) -> Iterator[SystemCommand]:
    """The palette commands of ``screen``: its tgtui classes' bindings that have a
    description and that it allows now, in the user's language."""
    app = screen.app
    for cls in type(screen).__mro__:
        if not cls.__module__.startswith("tgtui."):
            continue  # Textual's own screen keys (tab, copy) are not commands
        bindings: Iterable[object] = cls.__dict__.get("BINDINGS", ())
        for key in bindings:
            if not isinstance(key, binding.Binding) or not key.description:
                continue
            if isinstance(key, Binding) and not key.palette:
                continue
            namespace, action, parameters = parse(key.action)
            if not (app if namespace == "app" else screen).check_action(action, parameters):
                continue
            title = key.command if isinstance(key, Binding) and key.command else key.description
            yield SystemCommand(
                _(title),
                _(key.tooltip) if key.tooltip else "",
                partial(screen.run_action, key.action),
            )


def unique(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """``commands`` with each title once (the first one wins)."""
    seen: set[str] = set()
    for command in commands:
        if command.title not in seen:
            seen.add(command.title)
            yield command
