"""`tgtui stats`' figures as text: labelled lines with their units, in the user's language;
on a terminal, with sparklines and bars (off one, plain lines a script or a mail can take).
Every name from the backup is cleaned (`tgtui.untrusted.clean`)."""

from __future__ import annotations

import datetime as dt

from tgtui.i18n import _, decimal, number, short_date
from tgtui.stats.figures import Figures
from tgtui.stats.wording import WEEKDAYS, span_words, when
from tgtui.units import human_bytes
from tgtui.untrusted import clean

_BLOCKS = " ▁▂▃▄▅▆▇█"
BAR = 30  # the widest bar, in characters


def sparkline(values: list[int]) -> str:
    """One block character per value, as high as the value is among them."""
    top = max(values, default=0)
    if not top:
        return " " * len(values)
    return "".join(_BLOCKS[round(v / top * (len(_BLOCKS) - 1))] for v in values)


def _bar(value: int, top: int) -> str:
    return "█" * max(1 if value else 0, round(value / top * BAR)) if top else ""


def report(figures: Figures, *, terminal: bool) -> str:
    """The figures as lines of text."""
    f = figures
    lines: list[str] = []
    add = lines.append
    add(_("messages: {count}").format(count=number(f.messages)))
    add(_("words: {count}").format(count=number(f.words)))
    add(_("links: {count}").format(count=number(f.links)))
    add(_("edited messages: {count}").format(count=number(f.edited)))
    add(_("deleted on Telegram (not counted above): {count}").format(count=number(f.deleted)))
    add(_("service messages (not counted above): {count}").format(count=number(f.service)))
    if f.first and f.last:
        add(_("first message: {date}").format(date=when(f.first.date)))
        add(_("last message: {date}").format(date=when(f.last.date)))
    if f.busiest_day:
        day = dt.date.fromisoformat(f.busiest_day[0])
        add(
            _("busiest day: {day} ({count} messages)").format(
                day=short_date(day), count=number(f.busiest_day[1])
            )
        )
    if f.silence:
        start, end = f.silence
        add(
            _("longest silence: {length}, from {start} to {end}").format(
                length=span_words(end - start), start=when(start), end=when(end)
            )
        )
    add(_("time zone: {zone}").format(zone=f.time_zone))
    series = f.by_day if f.by_day is not None and len(f.by_day) <= 62 else f.by_month
    heading = (
        _("messages and words by day") if series is f.by_day else _("messages and words by month")
    )
    if series:
        add("")
        add(heading)
        if terminal:
            add("  " + sparkline([count for count, _words in series.values()]))
        top = max(count for count, _words in series.values())
        for key, (count, words) in series.items():
            bar = f"  {_bar(count, top)}" if terminal else ""
            add(
                "  "
                + _("{when}: {count} messages, {words} words").format(
                    when=key, count=number(count), words=number(words)
                )
                + bar
            )
    if f.messages:
        add("")
        add(_("messages by hour of day (columns 0 to 23) and weekday"))
        for weekday, hours in zip(WEEKDAYS, f.hours, strict=True):
            if terminal:
                add(f"  {_(weekday):<4}{sparkline(hours)}  {number(sum(hours))}")
            else:
                add(f"  {_(weekday)}: " + " ".join(number(h) for h in hours))
    if f.senders:
        add("")
        add(_("top senders ({count} in all)").format(count=number(f.sender_count)))
        for sender in f.senders:
            share = decimal(100 * sender.count / f.messages) if f.messages else "0"
            name = clean(sender.name or sender.key or _("unknown"), limit=40)
            add(
                "  "
                + _("{name}: {count} messages ({share}%)").format(
                    name=name, count=number(sender.count), share=share
                )
            )
    if f.media:
        add("")
        add(_("media"))
        for kind, (count, size, seconds) in f.media.items():
            parts = [_("{count} messages").format(count=number(count))]
            if size:
                parts.append(human_bytes(size))
            if seconds:
                parts.append(_("{count} min").format(count=decimal(seconds / 60)))
            add(f"  {clean(kind)}: " + ", ".join(parts))
    for title, ranked in (
        (_("most used words"), f.words_top),
        (_("most used emoji"), f.emoji),
        (_("links by domain"), f.domains),
    ):
        if ranked:
            add("")
            add(title)
            add("  " + ", ".join(f"{clean(r.key, limit=40)} ({number(r.count)})" for r in ranked))
    if f.private:
        add("")
        add(_("private chats (a conversation starts after 6 hours of silence)"))
        for chat in f.private[:20]:
            you, them = chat.median_reply
            add(
                "  "
                + _(
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
        if len(f.private) > 20:
            add(
                "  "
                + _("… and {count} more (--json lists them all)").format(
                    count=number(len(f.private) - 20)
                )
            )
    return "\n".join(lines) + "\n"
