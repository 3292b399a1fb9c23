"""A virtual chat list: renders only the lines on screen, asks for pages as the user nears them.

No widget per row and nothing measured up front: the list's virtual height is the server's
chat count, lines are drawn from the rows loaded so far ("loading…" past them), and a
`DialogList.NeedMore` message goes out when the viewport or the cursor comes within a page
of the end of what is loaded. Drawing never waits for the network.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tgtui.chats.matching import fold
from tgtui.i18n import N_, NC_, _, counted, pgettext, short_date
from tgtui.telegram.dialogs import ChatKind, DialogRow
from tgtui.untrusted import clean
from tgtui.widgets.lines import CursorLines

KIND_LABEL = {
    ChatKind.USER: NC_("chat type", "user"),
    ChatKind.BOT: NC_("chat type", "bot"),
    ChatKind.GROUP: NC_("chat type", "group"),
    ChatKind.SUPERGROUP: NC_("chat type", "supergroup"),
    ChatKind.CHANNEL: NC_("chat type", "channel"),
}
SAVED = NC_("chat type", "saved")  # the account's own chat (Saved Messages)
MARK_WIDTH = 4  # "[x] " at the start of each line: a click there toggles the selection
AHEAD = 50  # ask for the next page when this close to the end of the loaded rows


def when_text(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """When the last message was sent, as Telegram's apps show it: the time today, the date
    before ("2026-12-06" in English, "06/12/2026" in Portuguese)."""
    if moment is None:
        return ""
    local = moment.astimezone()
    today = (now or dt.datetime.now().astimezone()).date()
    return f"{local:%H:%M}" if local.date() == today else short_date(local.date())


def row_text(row: DialogRow, *, selected: bool, width: int = 0) -> Text:
    """One line: selection mark, kind, name, unread count, marks, preview, and the time of
    the last message at the right edge of a list ``width`` wide (0: after the rest)."""
    text = Text()
    text.append("[x] " if selected else "[ ] ", style="bold green" if selected else "dim")
    kinds = max(len(pgettext("chat type", label)) for label in [*KIND_LABEL.values(), SAVED]) + 1
    label = SAVED if row.is_self else KIND_LABEL[row.kind]  # Saved Messages: not a user
    text.append(f"{pgettext('chat type', label):<{kinds}}", style="dim")
    text.append(clean(row.name, limit=80), style="bold" if row.unread else "")
    if row.unread:
        unread = counted("{count} unread", "{count} unread", row.unread)
        text.append(f" · {unread}", style="bold cyan")
    marks = " ".join(_(m) for m, on in ((N_("pinned"), row.pinned), (N_("muted"), row.muted)) if on)
    if marks:
        text.append(f" [{marks}]", style="yellow")
    if row.preview:
        text.append(f"  {clean(row.preview, limit=200)}", style="dim")
    when = when_text(row.date)
    if not when:
        return text
    if width <= 0:
        text.append(f"  {when}", style="dim")
        return text
    room = max(0, width - len(when) - 2)
    if text.cell_len > room:
        text.truncate(room, overflow="ellipsis")
    text.pad_right(room - text.cell_len + 2)
    text.append(when, style="dim")
    return text


class DialogList(CursorLines):
    """The chats loaded so far, of ``total``, with a cursor and a selection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_selected", N_("Select"), id="select-chat"),
    ]

    @dataclass
    class NeedMore(Message):
        """The list wants the next page of chats."""

        dialog_list: DialogList

    @dataclass
    class SelectionChanged(Message):
        """Chats were selected or unselected."""

        dialog_list: DialogList

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[DialogRow] = []
        self.total: int | None = None
        self.done = False
        # Selected chats by peer id; survives paging, filtering, reloads and the archive.
        self.selected: dict[int, DialogRow] = {}
        self.filter_text = ""  # the filter, folded (`fold`); "" shows every chat
        self.kinds: frozenset[ChatKind] | None = None  # only these kinds; None: all
        self._visible: list[int] = []  # indexes of matching rows while filtering
        self._asked = False

    # --- data --------------------------------------------------------------------------

    def add_rows(self, rows: list[DialogRow], total: int | None, done: bool) -> None:
        """Append a page; the list grows to the server's total."""
        start = len(self.rows)
        self.rows.extend(rows)
        self.total = total
        self.done = done
        self._asked = False
        if self.filtering:
            self._visible += [i for i in range(start, len(self.rows)) if self._matches(i)]
        self.virtual_size = Size(self.size.width, self.line_count)
        self.refresh()
        self._maybe_ask()

    def clear(self) -> None:
        """Forget every row (a reload); the selection stays."""
        self.rows.clear()
        self._visible.clear()
        self.total = None
        self.done = False
        self._asked = False
        self.cursor = 0
        self.virtual_size = Size(self.size.width, 0)
        self.refresh()

    @property
    def filtering(self) -> bool:
        """Whether a text or kind filter is on."""
        return bool(self.filter_text) or self.kinds is not None

    def set_kinds(self, kinds: frozenset[ChatKind] | None) -> None:
        """Show only chats of these kinds (None: every kind)."""
        self.kinds = kinds
        self.set_filter(self.filter_text)

    def set_filter(self, text: str) -> None:
        """Show only chats whose name or @username contains ``text`` (any case, with or
        without accents)."""
        self.filter_text = fold(text)
        self._visible = (
            [i for i in range(len(self.rows)) if self._matches(i)] if self.filtering else []
        )
        self._asked = False
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.virtual_size = Size(self.size.width, self.line_count)
        self.refresh()
        self._maybe_ask()

    def _matches(self, index: int) -> bool:
        row = self.rows[index]
        if self.kinds is not None and row.kind not in self.kinds:
            return False
        text = self.filter_text
        return text in fold(row.name) or text in (row.username or "").lower()

    @property
    def matching(self) -> list[DialogRow]:
        """The rows the filter lets through (all loaded rows without a filter)."""
        return [self.rows[i] for i in self._visible] if self.filtering else list(self.rows)

    @property
    def line_count(self) -> int:
        """Lines of the list: every chat the server has (or every match, and one line for
        "searching…" while more pages may hold matches)."""
        if self.filtering:
            return len(self._visible) + (0 if self.done else 1)
        return max(len(self.rows), self.total or 0)

    def row_at(self, index: int) -> DialogRow | None:
        """The row shown on line ``index``, if it is loaded."""
        if self.filtering:
            return self.rows[self._visible[index]] if 0 <= index < len(self._visible) else None
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @property
    def current(self) -> DialogRow | None:
        """The row under the cursor, if loaded."""
        return self.row_at(self.cursor)

    # --- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """One screen line, drawn from the loaded rows only."""
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index == 0 and self.done and self.line_count == 0:
            empty = _("No chats match.") if self.filtering else _("No chats here.")
            return self.line_strip(Text(f"    {empty}", style="dim italic"), -1)
        if index >= self.line_count:
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        if row is not None:
            text = row_text(row, selected=row.peer_id in self.selected, width=width)
        elif self.filtering:
            text = Text("    " + _("searching more chats…"), style="dim italic")
        else:
            text = Text("    " + _("loading…"), style="dim italic")
        return self.line_strip(text, index)

    # --- movement ------------------------------------------------------------------------

    def watch_cursor(self) -> None:
        """Keep the cursor in view; ask for more when it nears the end."""
        self.scroll_to_cursor()
        self._maybe_ask()

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Scrolling (wheel, scrollbar) can also bring the end near."""
        super().watch_scroll_y(old, new)
        self._maybe_ask()

    def _maybe_ask(self) -> None:
        if self.done or self._asked:
            return
        if self.filtering:  # matches may be anywhere further down: keep paging
            self._asked = True
            self.post_message(self.NeedMore(self))
            return
        height = self.scrollable_content_region.height
        bottom = max(self.scroll_offset.y + height, self.cursor + 1)
        if bottom + AHEAD >= len(self.rows):
            self._asked = True
            self.post_message(self.NeedMore(self))

    def clicked(self, index: int, x: int) -> None:
        """A click on the mark ("[ ]") selects or unselects the chat; anywhere else on the
        line, the cursor goes there."""
        self.move_to(index)
        if x < MARK_WIDTH:
            self._toggle(self.row_at(index))

    def select_matching(self) -> None:
        """Select every chat the filter shows (every loaded chat without a filter)."""
        self.selected.update((row.peer_id, row) for row in self.matching)
        self.post_message(self.SelectionChanged(self))
        self.refresh()

    def clear_selection(self) -> None:
        """Unselect everything."""
        self.selected.clear()
        self.post_message(self.SelectionChanged(self))
        self.refresh()

    def action_toggle_selected(self) -> None:
        """Select or unselect the chat under the cursor, then move down."""
        if self._toggle(self.current):
            self.move_to(self.cursor + 1)

    def _toggle(self, row: DialogRow | None) -> bool:
        """Select or unselect ``row`` (False: no row there, nothing done)."""
        if row is None:
            return False
        if self.selected.pop(row.peer_id, None) is None:
            self.selected[row.peer_id] = row
        self.post_message(self.SelectionChanged(self))
        self.refresh()
        return True
