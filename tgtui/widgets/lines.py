"""What tgtui's line lists share: one Rich Text per screen line, cut to the width, with a
cursor line, and a cursor that the view follows.

A list built on it (the chat list, the backup's chats) draws only the lines on screen; no
widget exists per row.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class CursorLines(ScrollView, can_focus=True):
    """A ScrollView of text lines with a cursor line."""

    cursor: reactive[int] = reactive(0, init=False)

    def line_strip(self, text: Text, index: int) -> Strip:
        """``text`` as screen line ``index``: one line, cut with an ellipsis, scrolled, and
        marked when the cursor is on it (reversed with focus, underlined without)."""
        scroll_x = self.scroll_offset.x
        width = self.scrollable_content_region.width
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width + scroll_x, overflow="ellipsis", pad=True)
        strip = Strip(list(text.render(self.app.console))).crop(scroll_x, scroll_x + width)
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
