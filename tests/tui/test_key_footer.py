"""The footer composes its keys again only when what it shows changes: a change of focus
between widgets with the same keys keeps its keys (it recomposed at every change of focus,
screen or size: six times before a chat opened in the reader); a change of keys, of enabled
state or of width shows at once."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button

from tests.tui.screen_text import footer_keys
from tgtui.widgets.key_footer import KeyFooter


class CountingFooter(KeyFooter):
    composed = 0

    def compose(self):  # type: ignore[no-untyped-def]
        CountingFooter.composed += 1
        yield from super().compose()


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys"),
        Binding("a", "first", "A first thing to do"),
        Binding("b", "second", "A second thing to do"),
        Binding("c", "third", "A third thing to do"),
    ]
    allowed = True

    def compose(self) -> ComposeResult:
        yield Button("one")
        yield Button("two")
        yield CountingFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if self.allowed or action != "first" else None  # None: shown, dimmed

    def action_help(self) -> None: ...
    def action_first(self) -> None: ...
    def action_second(self) -> None: ...
    def action_third(self) -> None: ...


async def test_the_footer_composes_again_only_when_its_keys_change() -> None:
    app = Keys()
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        shown = footer_keys(app)
        assert {"a", "b", "c"} <= set(shown)
        before = CountingFooter.composed
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
        assert CountingFooter.composed == before  # the same keys: nothing composed again
        assert footer_keys(app) == shown

        app.allowed = False  # a key disabled shows so
        app.refresh_bindings()
        await pilot.pause()
        assert CountingFooter.composed == before + 1
        footer = app.query_one(CountingFooter)
        dimmed = [getattr(key, "key", "") for key in footer.children if key.has_class("-disabled")]
        assert dimmed == ["a"]

        await pilot.resize_terminal(40, 10)  # fewer fit
        await pilot.pause()
        await pilot.pause()
        assert len(footer_keys(app)) < len(shown)
