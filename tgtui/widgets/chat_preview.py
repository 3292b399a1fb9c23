"""The preview pane: a chat's picture (the one the backup saved, else its initials) and its
latest messages, older ones loaded as the user scrolls up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tgtui.i18n import N_, _, short_datetime
from tgtui.telegram.messages import PreviewLine
from tgtui.untrusted import clean, safe_text

if TYPE_CHECKING:
    from tgtui.widgets.avatar import Avatar


def line_text(line: PreviewLine) -> Text:
    """One message: time, sender, text."""
    when = short_datetime(line.date) if line.date else ""
    text = Text(f"{when} ", style="dim")
    text.append(clean(line.sender, limit=80), style="bold")
    text.append(f": {clean(line.text, multiline=True)}")
    return text


def backup_folder(app: object) -> Path | None:
    """The backup folder of the full app (config.toml's ``backup_dir``), whose avatars/ the
    preview shows; None for an app without one."""
    folder = getattr(getattr(getattr(app, "context", None), "settings", None), "backup_dir", None)
    return folder if isinstance(folder, Path) else None


class ChatPreview(VerticalScroll, can_focus=True):
    """Messages of one chat, oldest at the top; scrolling to the top asks for older ones."""

    DEFAULT_CSS = """
    ChatPreview #preview-head {
        dock: top;
        height: auto;
        padding-bottom: 1;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "i",
            "pictures",
            N_("Pictures"),
            id="pictures",
            tooltip=N_("Show the chat's picture, or not"),
        ),
    ]

    @dataclass
    class NeedOlder(Message):
        """The user reached the top: load older messages."""

        preview: ChatPreview

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[PreviewLine] = []
        self.title = ""
        self.chat_id: int | None = None
        self.done = False
        self._asked = False

    def compose(self) -> ComposeResult:
        """The chat's title (its picture comes beside it with the first chat), and the
        messages."""
        with Horizontal(id="preview-head"):
            title = Static("", id="preview-title")
            # In the head, which stays on top (app.tcss docks the title itself).
            title.styles.dock = "none"
            title.styles.padding = (0, 0, 0, 1)
            title.styles.width = "1fr"
            yield title
        yield Static("", id="preview-body")

    @property
    def avatar(self) -> Avatar | None:
        """The chat's picture (None before the first chat is shown)."""
        found = self.query("#preview-avatar")
        return cast("Avatar", found.first()) if found else None

    def _show_avatar(self) -> None:
        """The shown chat's picture beside its title. Made with the first chat: its modules
        (the pictures', the backup reader's) load then, not with the app's first screen."""
        avatar = self.avatar
        if avatar is None:
            from tgtui.widgets.avatar import Avatar
            from tgtui.widgets.picture_rows import choice_of

            avatar = Avatar(choice_of(self.app), id="preview-avatar")
            self.query_one("#preview-head").mount(avatar, before=0)
        if not avatar.is_mounted:
            self.call_after_refresh(self._show_avatar)
            return
        avatar.show(self.title, backup_folder(self.app), self.chat_id)

    def action_pictures(self) -> None:
        """i: show the chat's picture, or not."""
        avatar = self.avatar
        if avatar is not None:
            avatar.pictures.on = not avatar.pictures.on
            avatar.shown(avatar.pictures.on)

    def show_chat(
        self, title: str, chat_id: int | None = None, username: str | None = None
    ) -> None:
        """Start over for another chat: its name, then its id and @username (as `tgtui
        chats` lists them and `tgtui backup` takes them)."""
        self.title = title
        self.chat_id = chat_id
        self.lines = []
        self.done = False
        self._asked = True  # the first page is on its way
        heading = safe_text(title, style="bold", limit=200)
        if chat_id is not None:
            heading.append("\n" + _("id {id}").format(id=chat_id), style="dim")
        if username:
            heading.append(f"  @{clean(username, limit=40)}", style="dim")
        self.query_one("#preview-title", Static).update(heading)
        self._show_avatar()
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
