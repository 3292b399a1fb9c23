"""The preview pane: a chat's latest messages, older ones loaded as the user scrolls up."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tgtui.i18n import _, short_datetime
from tgtui.telegram.messages import PreviewLine
from tgtui.untrusted import clean, safe_text


def line_text(line: PreviewLine) -> Text:
    """One message: time, sender, text."""
    when = short_datetime(line.date) if line.date else ""
    text = Text(f"{when} ", style="dim")
    text.append(clean(line.sender, limit=80), style="bold")
    text.append(f": {clean(line.text, multiline=True)}")
    return text


class ChatPreview(VerticalScroll, can_focus=True):
    """Messages of one chat, oldest at the top; scrolling to the top asks for older ones."""

    @dataclass
    class NeedOlder(Message):
        """The user reached the top: load older messages."""

        preview: ChatPreview

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[PreviewLine] = []
        self.title = ""
        self.done = False
        self._asked = False

    def compose(self) -> ComposeResult:
        """A title and the messages."""
        yield Static("", id="preview-title")
        yield Static("", id="preview-body")

    def show_chat(
        self, title: str, chat_id: int | None = None, username: str | None = None
    ) -> None:
        """Start over for another chat: its name, then its id and @username (as `tgtui
        chats` lists them and `tgtui backup` takes them)."""
        self.title = title
        self.lines = []
        self.done = False
        self._asked = True  # the first page is on its way
        heading = safe_text(title, style="bold", limit=200)
        if chat_id is not None:
            heading.append("\n" + _("id {id}").format(id=chat_id), style="dim")
        if username:
            heading.append(f"  @{clean(username, limit=40)}", style="dim")
        self.query_one("#preview-title", Static).update(heading)
        self.query_one("#preview-body", Static).update(Text(_("loading…"), style="dim italic"))

    def add_older(self, lines: list[PreviewLine], done: bool) -> None:
        """Put older messages on top, keeping what the user was looking at in place."""
        first = not self.lines
        self.lines = lines + self.lines
        self.done = done
        self._asked = False
        body = Text("\n").join(line_text(line) for line in self.lines)
        if done:
            body = Text(_("(start of the chat)") + "\n", style="dim") + body
        self.query_one("#preview-body", Static).update(
            body or Text(_("(no messages)"), style="dim")
        )
        if first:
            self.call_after_refresh(self.scroll_end, animate=False)
        else:
            self.call_after_refresh(self.scroll_to, y=len(lines), animate=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        """At the top, ask for older messages."""
        super().watch_scroll_y(old, new)
        if new <= 0 and self.lines and not self.done and not self._asked:
            self._asked = True
            self.post_message(self.NeedOlder(self))
