"""Search a backup: every chat (`s` or Ctrl+F in the archive) or one (the same keys in a chat).

Results come from the backup's index (brought up to date first), newest first, with the
match highlighted and always in view; Enter opens the message in its chat, over the
results (Escape comes back to them). Filters: sender, date range, media. Searching every
chat with no filter also finds the account's saved contacts (by name, username or phone
digits) when the backup kept them: listed apart, above the messages, each marked as a
contact; Enter on one opens the account view narrowed to it.
A chat's file that could not be read (so its messages are not found) is named under the
count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import ClassVar

from loguru import logger
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Select, Static
from textual.worker import Worker, WorkerState

from tgtui.archive.account import ContactHit, ContactResults, contact_line, find_contacts
from tgtui.archive.folder import ArchiveChat
from tgtui.archive.search import Filters, Hit, QueryError, query_words, snippet_text
from tgtui.archive.service import ArchiveService
from tgtui.choices import parse_date
from tgtui.i18n import N_, _, counted, number, short_datetime
from tgtui.screens.palette import Binding
from tgtui.screens.reading import notes_line
from tgtui.untrusted import clean
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.lines import ItemLines

LIMIT = 500  # results listed (the count is always exact)
CONTACT_ROWS = 4  # rows the contacts found take at most (more scroll)
DEBOUNCE = 0.25  # seconds of no typing before a search runs
MEDIA_CHOICES: tuple[tuple[str, str], ...] = (
    (N_("text only"), ""),
    (N_("photos"), "photo"),
    (N_("videos"), "video_file"),
    (N_("files"), "file"),
    (N_("voice messages"), "voice_message"),
    (N_("audio"), "audio_file"),
    (N_("stickers"), "sticker"),
    (N_("GIFs"), "animation"),
    (N_("links"), "web_page"),
    (N_("polls"), "poll"),
)


def hit_line(hit: Hit, *, with_chat: bool, width: int = 0) -> Text:
    """Date, chat, sender, snippet: one line, for a list ``width`` wide (0: any width); the
    snippet starts near its first match so the match is always in view."""
    when = short_datetime(hit.date.astimezone()) if hit.date else "????-??-?? --:--"
    text = Text(when + "  ", style="dim")
    names = 30 if width <= 0 or width >= 120 else max(8, width // 6)
    if with_chat:
        text.append(clean(hit.chat, limit=names), style="bold")
        text.append(" · ", style="dim")
    text.append(clean(hit.sender or _("Unknown"), limit=names), style="cyan")
    text.append("  ")
    room = width - text.cell_len if width > 0 else 0
    text.append_text(match_in_view(snippet_text(hit.snippet), room))
    return text


def match_in_view(snippet: Text, room: int) -> Text:
    """``snippet`` cut at its start, if it must be, so that its first match (and a little
    after it) fits in ``room`` columns (0: no limit)."""
    marks = [span for span in snippet.spans if span.style]
    if room <= 0 or not marks or snippet.cell_len <= room:
        return snippet
    first = min(marks, key=lambda span: span.start)
    length = first.end - first.start
    if first.end + min(8, room // 4) <= room:
        return snippet
    plain = snippet.plain
    before = max(4, (room - length) // 3)  # some words before the match, more after it
    start = max(0, first.start - before)
    back = start
    while back > 0 and not plain[back - 1].isspace():
        back -= 1  # from the start of a word, if the match still fits
    if first.end - back + 1 <= room:
        start = back
    else:
        while start < first.start and not plain[start - 1].isspace():
            start += 1
    while start < first.start and plain[start] in "… ":
        start += 1
    return Text("…").append_text(snippet[start:])


class WordsInput(Input):
    """The search's fields: Enter searches and goes to the results, and the footer says so
    (an Input's own Enter is hidden, which left the footer without it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", N_("Search"), id="search-submit", palette=False),
    ]


class HitList(ItemLines[Hit]):
    """Search results, one line each."""

    def __init__(self, *, with_chat: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.with_chat = with_chat

    @property
    def hits(self) -> list[Hit]:
        """The results shown."""
        return self.items

    def line_of(self, item: Hit) -> Text:
        """One result."""
        return hit_line(item, with_chat=self.with_chat, width=self.scrollable_content_region.width)


class ContactList(ItemLines[ContactHit]):
    """The saved contacts a search found, one line each, marked as contacts."""

    def line_of(self, item: ContactHit) -> Text:
        """ "contact", the name, then its username, phone and days."""
        name, rest = contact_line(item)
        text = Text(_("contact") + "  ", style="magenta")
        text.append(name, style="dim bold" if item.removed else "bold")
        if rest:
            text.append("  " + rest, style="dim")
        return text


class SearchScreen(Screen[None]):
    """Words and filters on top, results below; a result chosen opens over them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Back"), id="search-back", palette=False),
        Binding("enter", "choose", N_("Open"), id="open-hit", palette=False),
        Binding("down", "to_results", N_("Results"), show=False, id="to-results", palette=False),
        Binding(
            "ctrl+l",
            "toggle_filters",
            N_("Filters"),
            id="search-filters",
            tooltip=N_("Show or hide the filter row"),
        ),
    ]

    def __init__(
        self,
        service: ArchiveService,
        *,
        open_hit: Callable[[Hit], None],
        chat: ArchiveChat | None = None,
        topic: tuple[int, str] | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.open_hit = open_hit  # opens a result (its chat, over this screen)
        self.chat = chat
        self.topic = topic if chat is not None else None  # a forum topic's (id, name)
        self._debounce: Timer | None = None
        self.shown_for: str | None = None
        """The words whose results are on screen (None before any search finished)."""

    def compose(self) -> ComposeResult:
        """Words, filters, count, results."""
        yield Header()
        if self.chat and self.topic:
            where = _("search in {chat} · {topic}: words (accents and case do not matter)").format(
                chat=clean(self.chat.name, limit=40), topic=clean(self.topic[1], limit=40)
            )
        elif self.chat:
            where = _("search in {chat}: words (accents and case do not matter)").format(
                chat=clean(self.chat.name, limit=60)
            )
        else:
            where = _("search in every chat: words (accents and case do not matter)")
        yield WordsInput(placeholder=where, id="search-words")
        with Horizontal(id="search-filters"):
            if self.chat is None:
                yield WordsInput(placeholder=_("chat name"), id="search-chat")
            yield WordsInput(placeholder=_("sender"), id="search-from")
            yield WordsInput(placeholder=_("since YYYY-MM-DD"), id="search-since")
            yield WordsInput(placeholder=_("until YYYY-MM-DD"), id="search-until")
            yield Select(
                [(_(label), value) for label, value in MEDIA_CHOICES],
                prompt=_("any message"),
                id="search-media",
            )
        yield Static(_("Type words to search."), id="search-count", markup=False)
        notes = Static("", id="search-notes", markup=False)
        notes.display = False
        yield notes
        if self.chat is None:
            contacts = ContactList(id="search-contacts")
            contacts.display = False
            yield contacts
        yield HitList(with_chat=self.chat is None, id="search-hits")
        yield KeyFooter()

    @property
    def hit_list(self) -> HitList:
        """The results widget."""
        return self.query_one(HitList)

    def on_mount(self) -> None:
        """Focus the words."""
        self.query_one("#search-words", Input).focus()

    def action_toggle_filters(self) -> None:
        """Show or hide the filter row."""
        row = self.query_one("#search-filters", Horizontal)
        row.display = not row.display

    def _filters(self) -> Filters | str:
        """The filters as typed, or what is wrong with them."""
        since = until = None
        try:
            text = self.query_one("#search-since", Input).value.strip()
            since = parse_date(text) if text else None
            text = self.query_one("#search-until", Input).value.strip()
            if text:
                until = parse_date(text)
                if ":" not in text:  # a day (2026-11-28, 28/11/2026): up to its end
                    until += dt.timedelta(days=1)
        except ValueError as exc:
            return str(exc)
        media = self.query_one("#search-media", Select).value
        sender = self.query_one("#search-from", Input).value.strip() or None
        chats = frozenset({self.chat.id}) if self.chat else None
        if self.chat is None:
            named = self.query_one("#search-chat", Input).value.strip()
            if named:
                chats = frozenset(c.id for c in self.service.archive.chats if c.named(named))
                if not chats:
                    return _("No chat's name contains “{name}”.").format(name=named)
        topics = None
        if self.chat is not None and self.topic is not None:
            topics = frozenset({(self.chat.id, self.topic[0])})
        return Filters(
            chats=chats,
            topics=topics,
            sender=sender,
            since=since,
            until=until,
            media=media if isinstance(media, str) else None,
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.run_search)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self.run_search()
        self.hit_list.focus()

    @work(exclusive=True, group="search", exit_on_error=False, description=N_("Searching"))
    async def run_search(self) -> None:
        """Search with the words and filters as they are now."""
        words = self.query_one("#search-words", Input).value
        count = self.query_one("#search-count", Static)
        filters = self._filters()
        if isinstance(filters, str):
            count.update(clean(filters))
            return
        if not words.strip():
            count.update(_("Type words to search."))
            self.hit_list.show_items([])
            return
        try:
            query_words(words)
        except QueryError as exc:  # too many words: say so instead of searching for long
            count.update(clean(exc))
            return
        if not self.service.indexed:
            count.update(_("Building the search index (once per backup; big ones take a while)…"))
        else:
            count.update(_("Searching…"))
        results = await self.service.search(words, filters, LIMIT)
        contacts = ContactResults()
        if self.chat is None and filters == Filters():  # the messages not narrowed
            folder = self.service.folder
            contacts = await asyncio.to_thread(find_contacts, folder, query_words(words), LIMIT)
        shown = len(results.hits)
        text = counted("{count} message", "{count} messages", results.count)
        if results.count > shown:
            text += " " + _("(the newest {count} listed)").format(count=number(shown))
        text = text if results.count else _("No messages match.")
        if contacts.count:
            text += " · " + counted("{count} contact", "{count} contacts", contacts.count)
        count.update(text)
        self._show_notes([*results.notes, *contacts.notes])
        self._show_contacts(contacts.hits)
        self.hit_list.show_items(results.hits)
        self.shown_for = words

    def _show_contacts(self, hits: list[ContactHit]) -> None:
        """The contacts found above the messages (a few rows; none: hidden)."""
        if self.chat is not None:
            return
        listing = self.query_one(ContactList)
        listing.display = bool(hits)
        listing.styles.height = min(len(hits), CONTACT_ROWS)
        listing.show_items(hits)

    def _show_notes(self, notes: list[str]) -> None:
        """Name the files of the chats searched that could not be read, or nothing."""
        line = self.query_one("#search-notes", Static)
        line.display = bool(notes)
        if notes:
            line.update(Text("⚠ " + notes_line(notes), style="yellow"))

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None:
            logger.opt(exception=error).error("search failed")
            self.query_one("#search-count", Static).update(
                clean(_("The search failed: {error}").format(error=error))
            )

    def action_to_results(self) -> None:
        """Down from the words goes to the results."""
        self.hit_list.focus()

    def action_choose(self) -> None:
        """Open the result under the cursor (from the words: go to the results first); on a
        contact, the account view narrowed to it."""
        if self.chat is None and self.focused is self.query_one(ContactList):
            self._open_contact(self.query_one(ContactList).current)
            return
        hit = self.hit_list.current
        if hit is not None:
            self.open_hit(hit)

    def _open_contact(self, contact: ContactHit | None) -> None:
        if contact is None:
            return
        from tgtui.screens.account import AccountScreen  # the account only when asked for

        typed = clean(contact.name, limit=60) or clean(contact.phone, limit=30)
        self.app.push_screen(AccountScreen(self.service, typed=typed or contact.username))

    def action_cancel(self) -> None:
        """Back to where the search was opened."""
        self.dismiss(None)
