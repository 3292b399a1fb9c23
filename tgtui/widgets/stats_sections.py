"""The statistics screen's figures in words: the key numbers, the media, the most used words,
emoji and domains, and the private chats' conversations, each labelled with its unit, in
the user's language (the same wording as `tgtui stats`). Every name and word from the
backup is cleaned (`tgtui.untrusted.clean`) and put in a Rich `Text`, never markup."""

from __future__ import annotations

import datetime as dt

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tgtui.archive.wording import media_label
from tgtui.i18n import _, counted, decimal, number, short_date
from tgtui.stats.figures import Figures
from tgtui.stats.wording import span_words, when
from tgtui.units import human_bytes
from tgtui.untrusted import clean

SHOWN_PRIVATE = 10  # private chats listed in a backup's statistics


def key_numbers(figures: Figures) -> RenderableType:
    """The totals (in as many columns as fit), the first and last message, the busiest day
    and the longest silence."""
    f = figures
    counts = [
        _("messages: {count}").format(count=number(f.messages)),
        _("words: {count}").format(count=number(f.words)),
        _("links: {count}").format(count=number(f.links)),
        _("senders: {count}").format(count=number(f.sender_count)),
        _("edited messages: {count}").format(count=number(f.edited)),
        _("deleted on Telegram: {count}").format(count=number(f.deleted)),
        _("service messages: {count}").format(count=number(f.service)),
        _("time zone: {zone}").format(zone=clean(f.time_zone, limit=40)),
    ]
    lines: list[RenderableType] = [
        Columns([Text(item) for item in counts], padding=(0, 3), equal=True),
        Text(_("(deleted and service messages are not in the other figures)"), style="dim"),
    ]
    if f.first and f.last:
        ends = [
            _("first message: {date}").format(date=when(f.first.date)),
            _("last message: {date}").format(date=when(f.last.date)),
        ]
        lines.append(Columns([Text(end) for end in ends], padding=(0, 3)))
    if f.busiest_day:
        day = dt.date.fromisoformat(f.busiest_day[0])
        size = counted("{count} message", "{count} messages", f.busiest_day[1])
        lines.append(
            Text(_("busiest day: {day}, {messages}").format(day=short_date(day), messages=size))
        )
    if f.silence:
        start, end = f.silence
        lines.append(
            Text(
                _("longest silence: {length}, from {start} to {end}").format(
                    length=span_words(end - start), start=when(start), end=when(end)
                )
            )
        )
    return Group(*lines)


def media_table(figures: Figures) -> RenderableType:
    """Each kind of media: messages, their size and their length (minutes)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for kind, (count, size, seconds) in figures.media.items():
        table.add_row(
            Text(clean(media_label({"media_type": kind}) or kind, limit=30)),
            _("{count} messages").format(count=number(count)),
            human_bytes(size) if size else "",
            _("{count} min").format(count=decimal(seconds / 60)) if seconds else "",
        )
    return table


def top_terms(figures: Figures) -> Text:
    """The most used words and emoji and the domains linked to, each with its count."""
    text = Text()
    for title, ranked in (
        (_("most used words"), figures.words_top),
        (_("most used emoji"), figures.emoji),
        (_("links by domain"), figures.domains),
    ):
        if not ranked:
            continue
        if text:
            text.append("\n")
        text.append(title + ": ", style="bold")
        text.append(", ".join(f"{clean(r.key, limit=40)} ({number(r.count)})" for r in ranked))
    return text


def private_lines(figures: Figures) -> Text:
    """Who starts the private chats' conversations, and each side's median reply delay."""
    text = Text()
    for chat in figures.private[:SHOWN_PRIVATE]:
        you, them = chat.median_reply
        if text:
            text.append("\n")
        text.append(
            _(
                "{chat}: started by you {mine}, by them {theirs}; "
                "median reply: you {you}, them {them}"
            ).format(
                chat=clean(chat.name or chat.chat_id, limit=40),
                mine=number(chat.started[0]),
                theirs=number(chat.started[1]),
                you=span_words(you),
                them=span_words(them),
            )
        )
    more = len(figures.private) - SHOWN_PRIVATE
    if more > 0:
        text.append("\n")
        text.append(
            _("… and {count} more (tgtui stats --json lists them all)").format(count=number(more)),
            style="dim",
        )
    return text
