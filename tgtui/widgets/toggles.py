"""Checkboxes and radio buttons whose state reads without colour.

Textual draws the same mark for on and off and tells them apart by colour alone, which a
monochrome terminal, a colour-blind user or a screen reader loses. These draw the mark only
when on: ``▐X▌`` is on, ``▐ ▌`` is off (``●`` for a radio button). Each subclasses its
Textual widget directly (a shared ToggleButton base in between re-applies Textual's
default styles over the app's).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, RadioButton
from textual.widgets._toggle_button import ToggleButton


def _show_mark(button: ToggleButton, on: str) -> None:
    """Draw ``on`` inside the button when its value is on, and a blank when off."""
    button.BUTTON_INNER = on if button.value else " "
    button.refresh()


class Tick(Checkbox):
    """A Checkbox showing X when on and nothing when off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _show_mark(self, "X")

    def watch_value(self) -> None:
        """The mark follows the value (and Textual's own reaction happens too)."""
        super().watch_value()
        _show_mark(self, "X")


class Choice(RadioButton):
    """A RadioButton showing ● when chosen and nothing otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _show_mark(self, "●")

    def watch_value(self) -> None:
        """The mark follows the value (and Textual's own reaction happens too)."""
        super().watch_value()
        _show_mark(self, "●")
