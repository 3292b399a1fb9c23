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


# One key as the footer shows it: key, key display, description, action, enabled, tooltip
# (the words in the user's language, the key as config.toml's [keys] may have moved it).
Shown = tuple[str, str, str, str, bool, str]


class KeyFooter(Footer):
    """A Footer that fits its width (see the module's doc), and composes its keys again only
    when what it shows changes: Textual's recomposed them at every change of focus, screen
    or size, six times before a chat opened in the reader (about 105 ms)."""

    _composed: tuple[tuple[Shown, ...], Shown | None] | None = None

    def _plan(self) -> tuple[tuple[Shown, ...], Shown | None]:
        """The keys that fit, pinned ones first, and the command palette's key (if shown)."""
        first: dict[str, tuple[Binding, bool, str]] = {}
        active = sorted(self.screen.active_bindings.values(), key=self._rank)
        for _node, binding, enabled, tooltip in active:
            if binding.show and binding.action not in first:
                first[binding.action] = (binding, enabled, tooltip)
        pinned = [first[action] for action in PINNED if action in first]
        others = [entry for action, entry in first.items() if action not in PINNED]
        room = (self.size.width or self.app.size.width) - PALETTE_WIDTH
        shown: list[Shown] = []
        for entry in [*pinned, *others]:
            binding, enabled, tooltip = entry
            display = self.app.get_key_display(binding)
            description = _(binding.description)  # marked with N_ where the binding is made
            width = key_width(display, description)
            if width > room and entry not in pinned:
                continue  # a shorter key further on may still fit
            room -= width
            words = _(tooltip) if tooltip else ""  # the palette's words for it
            shown.append((binding.key, display, description, binding.action, enabled, words))
        palette: Shown | None = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = next(
                (
                    active
                    for active in self.screen.active_bindings.values()
                    if active.binding.action in PALETTE_ACTIONS
                ),
                None,
            )  # found by what it does: config.toml's [keys] may have moved it
            if found is not None:
                _node, binding, enabled, _tooltip = found
                palette = (
                    binding.key,
                    self.app.get_key_display(binding),
                    _(binding.description),  # Textual's words are in i18n.TEXTUAL_WORDS
                    binding.action,
                    enabled,
                    _(binding.tooltip or binding.description),
                )
        return tuple(shown), palette

    def compose(self) -> ComposeResult:
        """The keys that fit, pinned ones first, then the command palette's."""
        if not self._bindings_ready:
            return
        self._composed = shown, palette = self._plan()
        self.styles.grid_size_columns = len(shown)
        for key, display, description, action, enabled, tooltip in shown:
            yield FooterKey(
                key, display, description, action, disabled=not enabled, tooltip=tooltip
            ).data_bind(compact=Footer.compact)
        if palette is not None:
            key, display, description, action, enabled, tooltip = palette
            yield FooterKey(
                key,
                display,
                description,
                action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=tooltip,
            )

    async def recompose(self) -> None:
        """Compose the keys again, if they are not the ones shown."""
        unchanged = self._composed is not None and self._bindings_ready and self.is_attached
        if unchanged and self._plan() == self._composed:
            return
        await super().recompose()

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
