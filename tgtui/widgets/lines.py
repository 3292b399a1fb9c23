"""What tgtui's line lists share: one Rich Text per screen line, cut to the width, with a
cursor line, and a cursor that the view follows.

A list built on it (the chat list, the backup's chats) draws only the lines on screen; no
widget exists per row.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tgtui.i18n import N_

Item = TypeVar("Item")
STRIPS_KEPT = 512  # lines kept drawn, a list (a few screens' worth)


class CursorLines(ScrollView, can_focus=True):
    """A ScrollView of text lines with a cursor line: arrows and vi keys (j/k, g/G) move it,
    a click puts it on the line clicked, the wheel scrolls. Subclasses say how many lines
    there are (`line_count`) and may react to a click on a line (`clicked`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", N_("Up"), show=False, id="up"),
        Binding("down,j", "cursor(1)", N_("Down"), show=False, id="down"),
        Binding("pageup", "page(-1)", N_("Page up"), show=False, id="page-up"),
        Binding("pagedown", "page(1)", N_("Page down"), show=False, id="page-down"),
        Binding("home,g", "first", N_("First"), show=False, id="first"),
        Binding("end,G", "last", N_("Last"), show=False, id="last"),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._strips: dict[tuple[object, ...], Strip] = {}  # `line_strip`'s

    @property
    def line_count(self) -> int:
        """How many lines the list has."""
        raise NotImplementedError

    def move_to(self, index: int) -> None:
        """Put the cursor on line ``index`` (kept within the list)."""
        last = self.line_count - 1
        self.cursor = max(0, min(index, last)) if last >= 0 else 0

    def action_cursor(self, step: int) -> None:
        """Move the cursor by ``step`` lines."""
        self.move_to(self.cursor + step)

    def action_page(self, pages: int) -> None:
        """Move the cursor by screenfuls."""
        self.move_to(self.cursor + pages * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        """To the first line."""
        self.move_to(0)

    def action_last(self) -> None:
        """To the last line."""
        self.move_to(self.line_count - 1)

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on the line clicked (see `clicked`)."""
        region = self.scrollable_content_region
        index = self.scroll_offset.y + event.y - (region.y - self.region.y)
        if 0 <= index < self.line_count:
            self.clicked(index, self.scroll_offset.x + event.x - (region.x - self.region.x))

    def clicked(self, index: int, x: int) -> None:
        """Line ``index`` was clicked at column ``x`` of its text: the cursor goes there."""
        self.move_to(index)

    def line_strip(self, text: Text, index: int) -> Strip:
        """``text`` as screen line ``index``: one line, cut with an ellipsis, scrolled, and
        marked when the cursor is on it (reversed with focus, underlined without).

        Lines drawn are kept by what they show and how: a frame draws again only the lines
        that changed (drawing a line is most of a frame: a backup's screen redraws ten times
        a second, and most of its chats wait or are done)."""
        scroll_x = self.scroll_offset.x
        width = self.scrollable_content_region.width
        key = (
            text.plain,
            tuple(text.spans),
            text.style,
            text.justify,
            width,
            scroll_x,
            index == self.cursor,
            self.has_focus,
            self.rich_style,
        )
        strips = self._strips
        strip = strips.get(key)
        if strip is None:
            if len(strips) >= STRIPS_KEPT:
                strips.clear()
            strip = strips[key] = self._drawn(text, index, width, scroll_x)
        return strip

    def _drawn(self, text: Text, index: int, width: int, scroll_x: int) -> Strip:
        """`line_strip`'s line, drawn."""
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width + scroll_x, overflow="ellipsis", pad=True)
        strip = Strip(list(text.render(self.app.console))).crop(scroll_x, scroll_x + width)
        # The theme's colours under the text's own (a light theme's rows are light too).
        strip = strip.apply_style(self.rich_style)
        if index == self.cursor:
            cursor_style = Style(reverse=True) if self.has_focus else Style(underline=True)
            strip = Strip(Segment.apply_style(strip, post_style=cursor_style), strip.cell_length)
        return strip

    def scroll_to_cursor(self) -> None:
        """Scroll just enough to show the cursor line, and redraw."""
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self.refresh()


class ItemLines(CursorLines, Generic[Item]):
    """A cursor list over a Python list of items, one line each; subclasses say how an item
    reads (`line_of`) and what an empty list says (`empty_text`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[Item] = []

    def line_of(self, item: Item) -> Text:
        """How one item reads."""
        raise NotImplementedError

    def empty_text(self) -> str:
        """What the list says when it has nothing to show ("" for nothing)."""
        return ""

    def show_items(self, items: list[Item], cursor: int = 0) -> None:
        """Show ``items`` with the cursor on ``cursor``."""
        self.items = items
        self.virtual_size = Size(self.size.width, len(items))
        self.cursor = max(0, min(cursor, len(items) - 1))
        self.scroll_to_cursor()

    @property
    def current(self) -> Item | None:
        """The item under the cursor."""
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def render_line(self, y: int) -> Strip:
        """One screen line."""
        index = self.scroll_offset.y + y
        if index == 0 and not self.items and self.empty_text():
            return self.line_strip(Text(f"  {self.empty_text()}", style="dim italic"), -1)
        if index >= len(self.items):
            return Strip.blank(self.scrollable_content_region.width, self.rich_style)
        return self.line_strip(self.line_of(self.items[index]), index)

    @property
    def line_count(self) -> int:
        """One line per item."""
        return len(self.items)

    def watch_cursor(self) -> None:
        """Keep the cursor in view."""
        self.scroll_to_cursor()
