"""The footer of every tgtui screen: the keys that matter first, and never a cut one.

Textual's Footer lays out every shown key and lets the last ones fall off the edge, which
at 80 columns hid Quit. This one always shows Quit and `? Keys` first, then the screen's
keys in the order the screen lists them (most used first) while they fit whole; the rest
are one `?` away, on the help screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tgtui.i18n import _

PINNED = ("quit", "help")  # actions always shown, first
PALETTE_WIDTH = 14  # "▏^p palette" and its margin
PALETTE_ACTIONS = ("command_palette", "app.command_palette")


def key_width(key: str, description: str) -> int:
    """Columns one footer key takes: " key description " and a gap."""
    return len(key) + len(description) + 3


class KeyFooter(Footer):
    """A Footer that fits its width (see the module's doc)."""

    def compose(self) -> ComposeResult:
        """The keys that fit, pinned ones first, then the command palette's."""
        if not self._bindings_ready:
            return
        first: dict[str, tuple[Binding, bool, str]] = {}
        active = sorted(self.screen.active_bindings.values(), key=self._rank)
        for _node, binding, enabled, tooltip in active:
            if binding.show and binding.action not in first:
                first[binding.action] = (binding, enabled, tooltip)
        pinned = [first[action] for action in PINNED if action in first]
        others = [entry for action, entry in first.items() if action not in PINNED]
        room = (self.size.width or self.app.size.width) - PALETTE_WIDTH
        shown: list[tuple[Binding, bool, str]] = []
        for entry in [*pinned, *others]:
            binding = entry[0]
            width = key_width(self.app.get_key_display(binding), _(binding.description))
            if width > room and entry not in pinned:
                continue  # a shorter key further on may still fit
            room -= width
            shown.append(entry)
        self.styles.grid_size_columns = len(shown)
        for binding, enabled, tooltip in shown:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                _(binding.description),  # marked with N_ where the binding is made
                binding.action,
                disabled=not enabled,
                tooltip=_(tooltip) if tooltip else "",  # the palette's words for it
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = next(
                (
                    active
                    for active in self.screen.active_bindings.values()
                    if active.binding.action in PALETTE_ACTIONS
                ),
                None,
            )  # found by what it does: config.toml's [keys] may have moved it
            if palette is not None:
                _node, binding, enabled, tooltip = palette
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    _(binding.description),  # Textual's words are in i18n.TEXTUAL_WORDS
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=_(binding.tooltip or binding.description),
                )

    def _rank(self, active: ActiveBinding) -> tuple[int, int]:
        """The focused widget's keys first, then the screen's, then the app's; each node's in
        the order its class lists them (a key moved by config.toml keeps its place)."""
        node = active.node
        group = 2 if node is self.app else 1 if node is self.screen else 0
        declared = [
            getattr(binding, "id", None)
            for cls in type(node).__mro__
            for binding in cls.__dict__.get("BINDINGS", ())
        ]
        ident = active.binding.id
        return group, declared.index(ident) if ident in declared else len(declared)

    def on_resize(self, event: Resize) -> None:
        """Another width fits other keys."""
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
