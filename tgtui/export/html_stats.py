"""The statistics pages of the HTML export: ``stats.html`` in each chat's folder (linked from
each of its pages' header) and one at the top for the whole export (linked from index.html),
with the figures `tgtui stats` gives for the same chats and dates (STATS.md), computed by
`tgtui.stats` from the backup's aggregates (brought up to date first, as `tgtui stats` does).

They are made in a process of their own (`start`), while the chats' pages are written: the
aggregates of a backup read for the first time take a while, and the export does not wait
for them until its pages are done.

Charts are inline SVG (`tgtui.export.html_svg`): no JavaScript, the page's CSP unchanged,
nothing fetched. Every name, word and domain comes from the backup and is escaped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.export.html_pages import CSS_PATH, STATS_PAGE, page_head, page_name
from tgtui.export.html_svg import Column, Row, columns, heat_map, number, ranked
from tgtui.i18n import MONTHS_EN
from tgtui.stats.figures import Figures
from tgtui.units import human_bytes
from tgtui.untrusted import html_text as esc

# More months than this (a hostile backup's dates may span centuries) are shown by year.
MONTHS_SHOWN = 600
_MONTHS = MONTHS_EN  # the pages are in English, as the rest of the export


@dataclass(frozen=True)
class StatsChat:
    """A chat of the export whose statistics page is written: the backup's chat, and its
    folder in the export (relative to the export's root, with "/")."""

    chat: ArchiveChat
    relative: str


def _when(date: int) -> str:
    """A unix date as local time: "2 January 2024, 14:05"."""
    moment = dt.datetime.fromtimestamp(date)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def _day(day: str) -> str:
    """ "2024-01-02" as "2 January 2024"."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return day
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def span(seconds: float) -> str:
    """A length of time in words: "3 days 4 hours", "2 hours 5 minutes", "45 seconds"."""
    whole = round(seconds)
    parts = []
    for size, unit in ((86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{number(count)} {unit}{'' if count == 1 else 's'}")
        if len(parts) == 2:
            break
    return " ".join(parts) or "0 seconds"


def _month_index(month: str) -> int | None:
    try:
        year, number_ = month.split("-")
        return int(year) * 12 + int(number_) - 1
    except ValueError:
        return None


def month_columns(by_month: dict[str, tuple[int, int]], words: bool = False) -> list[Column]:
    """One column a month from the first month with messages to the last (months without
    any at 0), labelled by year at each January and at the first; by year when the months
    are more than `MONTHS_SHOWN`."""
    known = {i: v for m, v in by_month.items() if (i := _month_index(m)) is not None}
    if not known:
        return []
    first, last = min(known), max(known)
    what = 1 if words else 0
    if last - first >= MONTHS_SHOWN:
        years: dict[int, tuple[int, int]] = {}
        for index, (count, said) in known.items():
            was = years.get(index // 12, (0, 0))
            years[index // 12] = (was[0] + count, was[1] + said)
        out = []
        for year in range(first // 12, last // 12 + 1):
            count, said = years.get(year, (0, 0))
            out.append(Column((count, said)[what], str(year), _tip(str(year), count, said)))
        return out
    out = []
    for index in range(first, last + 1):
        year, month = divmod(index, 12)
        count, said = known.get(index, (0, 0))
        label = str(year) if month == 0 or index == first else ""
        if last - first < 12:
            label = f"{_MONTHS[month][:3]} {year}"
        out.append(
            Column((count, said)[what], label, _tip(f"{_MONTHS[month]} {year}", count, said))
        )
    return out


def day_columns(by_day: dict[str, tuple[int, int]], words: bool = False) -> list[Column]:
    """One column a day from the first day with messages to the last (days without at 0)."""
    known = {}
    for day, value in by_day.items():
        try:
            known[dt.date.fromisoformat(day)] = value
        except ValueError:
            continue
    if not known:
        return []
    first, last = min(known), max(known)
    out = []
    for n in range((last - first).days + 1):
        date = first + dt.timedelta(days=n)
        count, said = known.get(date, (0, 0))
        label = f"{date.day} {_MONTHS[date.month - 1][:3]}" if date.day in (1, 8, 15, 22) else ""
        out.append(
            Column(
                (count, said)[1 if words else 0], label, _tip(_day(date.isoformat()), count, said)
            )
        )
    return out


def messages(count: int) -> str:
    """ "1 message", "1,234 messages"."""
    return "1 message" if count == 1 else f"{number(count)} messages"


def _tip(when: str, count: int, words: int) -> str:
    return f"{when}: {messages(count)}, {number(words)} words"


def _figure(name: str, value: str, label: str) -> str:
    return f'<div class="figure"><dt>{label}</dt><dd data-figure="{name}">{value}</dd></div>'


def _summary(f: Figures) -> str:
    out = [
        _figure("messages", number(f.messages), "Messages"),
        _figure("words", number(f.words), "Words"),
        _figure("links", number(f.links), "Links"),
        _figure("sender_count", number(f.sender_count), "Senders"),
        _figure("edited", number(f.edited), "Edited messages"),
        _figure("deleted", number(f.deleted), "Deleted on Telegram (not counted above)"),
        _figure("service_messages", number(f.service), "Service messages (not counted above)"),
    ]
    if f.first is not None and f.last is not None:
        out.append(_figure("first", _when(f.first.date), "First message"))
        out.append(_figure("last", _when(f.last.date), "Last message"))
    if f.busiest_day is not None:
        day, count = f.busiest_day
        out.append(_figure("busiest_day", f"{esc(_day(day))} ({messages(count)})", "Busiest day"))
    if f.silence is not None:
        start, end = f.silence
        out.append(
            _figure(
                "longest_silence",
                f"{span(end - start)}, from {_when(start)} to {_when(end)}",
                "Longest silence",
            )
        )
    if f.damaged:
        out.append(_figure("damaged_lines", number(f.damaged), "Damaged lines (not counted)"))
    return '<dl class="figures">' + "".join(out) + "</dl>\n"


def _section(title: str, body: str, note: str = "") -> str:
    said = f'<p class="note">{note}</p>' if note else ""
    return f'<section><h2>{title}</h2>{said}<figure class="chart">{body}</figure></section>\n'


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "0%"


def _media(f: Figures) -> str:
    rows = []
    for kind, (count, size, seconds) in f.media.items():
        rows.append(
            f'<tr><td>{esc(kind.replace("_", " "))}</td><td class="n">{number(count)}</td>'
            f'<td class="n">{human_bytes(size) if size else "—"}</td>'
            f'<td class="n">{span(seconds) if seconds else "—"}</td></tr>'
        )
    bars = ranked(
        [
            Row(kind.replace("_", " "), count, f"{number(count)} messages")
            for kind, (count, _s, _t) in f.media.items()
        ],
        "Media by kind",
        "messages with media of each kind",
    )
    table = (
        '<table class="figures-table" data-table="media"><tr><th>Kind</th>'
        '<th class="n">Messages</th><th class="n">Size of the files</th>'
        '<th class="n">Length (sound and video)</th></tr>' + "".join(rows) + "</table>"
    )
    return bars + table


def _private(f: Figures) -> str:
    rows = []
    for p in f.private:
        delays = [span(s) if s is not None else "—" for s in p.median_reply]
        rows.append(
            f"<tr><td>{esc(p.name or p.chat_id)}</td>"
            f'<td class="n">{number(p.started[0])}</td><td class="n">{number(p.started[1])}</td>'
            f'<td class="n">{number(p.replies[0])}</td><td class="n">{number(p.replies[1])}</td>'
            f'<td class="n">{delays[0]}</td><td class="n">{delays[1]}</td></tr>'
        )
    return (
        '<table class="figures-table" data-table="private"><tr><th>Chat</th>'
        '<th class="n">Conversations started by you</th><th class="n">… by them</th>'
        '<th class="n">Your replies</th><th class="n">Their replies</th>'
        '<th class="n">Your typical reply delay (median)</th>'
        '<th class="n">Theirs (median)</th></tr>' + "".join(rows) + "</table>"
    )


def stats_body(f: Figures) -> str:
    """The figures as the sections of a page: the summary, then each chart."""
    out = [_summary(f)]
    if f.since is not None or f.until is not None:
        since = f.since.isoformat(" ", "minutes") if f.since else "the first message"
        until = f.until.isoformat(" ", "minutes") if f.until else "the last"
        out.append(f'<p class="note">From {esc(since)} until {esc(until)} (not included).</p>')
    if not f.messages:
        out.append('<p class="empty">No messages to count here.</p>\n')
        return "".join(out)
    zone = f.time_zone or "local time"
    out.append(
        _section(
            "Messages by month",
            columns(month_columns(f.by_month), "Messages by month", "messages a month"),
            "Each column is a month (in the time zone " + esc(zone) + "); hover for the figure.",
        )
    )
    out.append(
        _section(
            "Words by month",
            columns(month_columns(f.by_month, words=True), "Words by month", "words a month"),
        )
    )
    if f.by_day:
        out.append(
            _section(
                "Messages by day",
                columns(day_columns(f.by_day), "Messages by day", "messages a day"),
            )
        )
    out.append(
        _section(
            "Activity by hour and weekday",
            heat_map(f.hours, "Messages by hour of day and weekday", zone),
            "The darker a cell, the more messages were sent in that hour of that weekday.",
        )
    )
    if f.senders:
        top = [
            Row(s.name or s.key or "unknown", s.count,
                f"{number(s.count)} ({_percent(s.count, f.messages)})")
            for s in f.senders
        ]  # fmt: skip
        out.append(
            _section(
                f"Top senders ({number(f.sender_count)} in all)",
                ranked(top, "Top senders", "messages sent (share of all messages)"),
            )
        )
    if f.media:
        out.append(_section("Media", _media(f)))
    for title, items, unit in (
        ("Most used words", f.words_top, "times used"),
        ("Most used emoji", f.emoji, "times used"),
        ("Domains linked to", f.domains, "links"),
    ):
        if items:
            rows = [Row(r.key, r.count, number(r.count)) for r in items]
            out.append(_section(title, ranked(rows, title, unit)))
    if f.private:
        out.append(
            _section(
                "Private chats: who writes first, and how fast each side replies",
                _private(f),
                "A conversation starts with a message 6 hours or more after the one before.",
            )
        )
    return "".join(out)


def stats_page(f: Figures, title: str, css: str, header: str, extra: str = "") -> str:
    """A whole statistics page: ``header`` (the bar's links, made here), then the figures."""
    return (
        page_head(title, css)
        + f'<div class="page stats-page">\n<header>\n<div class="bar">{header}'
        + f"<h1>{esc(title)}</h1></div>\n</header>\n<main>\n"
        + stats_body(f)
        + extra
        + "</main>\n</div>\n</body>\n</html>\n"
    )


def failed_page(title: str, css: str, header: str, reason: str) -> str:
    """A statistics page saying why there are none."""
    return (
        page_head(title, css)
        + f'<div class="page stats-page">\n<header>\n<div class="bar">{header}'
        + f"<h1>{esc(title)}</h1></div>\n</header>\n<main>\n"
        + f'<p class="empty">The statistics could not be computed: {esc(reason)}</p>\n'
        + "</main>\n</div>\n</body>\n</html>\n"
    )


def _chat_header(relative: str) -> str:
    root = "../" * (relative.count("/") + 1)
    return (
        f'<a class="back" href="{root}index.html">All chats</a>'
        f'<a class="back" href="{page_name(1)}">Messages</a>'
    )


_TOP_HEADER = '<a class="back" href="index.html">All chats</a>'
TOP_TITLE = "Statistics of this export"


def _chats_table(rows: Sequence[tuple[StatsChat, int]]) -> str:
    lines = [
        f'<tr><td><a href="{esc(c.relative)}/{STATS_PAGE}">{esc(c.chat.name or "Chat")}</a></td>'
        f'<td class="n">{number(count)}</td></tr>'
        for c, count in rows
    ]
    return (
        '<section><h2>Each chat</h2><table class="chats">'
        '<tr><th>Chat</th><th class="n">Messages</th></tr>'
        + "".join(lines)
        + "</table></section>\n"
    )


def _title(chat: ArchiveChat) -> str:
    return f"{chat.name or 'Chat'} — statistics"


def write_pages(
    archive: Archive,
    chats: Sequence[StatsChat],
    root: Path,
    since: int | None,
    until: int | None,
) -> list[str]:
    """Every statistics page of an export in ``root``: each chat's and the whole export's;
    what went wrong (the pages then say it)."""
    from tgtui.stats.query import figures
    from tgtui.stats.update import StatsStore

    low = None if since is None else dt.datetime.fromtimestamp(since).astimezone()
    high = None if until is None else dt.datetime.fromtimestamp(until).astimezone()
    try:
        with StatsStore(archive) as store:
            store.update()
            counted = []
            for item in chats:
                result = figures(store, [item.chat], low, high)
                counted.append((item, result.messages))
                _write(root / item.relative, stats_page(
                    result, _title(item.chat), "../" * (item.relative.count("/") + 1) + CSS_PATH,
                    _chat_header(item.relative),
                ))  # fmt: skip
            whole = figures(store, [item.chat for item in chats], low, high)
            _write(root, stats_page(whole, TOP_TITLE, CSS_PATH, _TOP_HEADER, _chats_table(counted)))
    except (OSError, sqlite3.Error) as exc:
        return write_failed(chats, root, str(getattr(exc, "strerror", None) or exc))
    return []


def write_failed(chats: Sequence[StatsChat], root: Path, reason: str) -> list[str]:
    """Every statistics page saying why there are none; that, as the export's problem."""
    for item in chats:
        css = "../" * (item.relative.count("/") + 1) + CSS_PATH
        page = failed_page(_title(item.chat), css, _chat_header(item.relative), reason)
        _write(root / item.relative, page)
    _write(root, failed_page(TOP_TITLE, CSS_PATH, _TOP_HEADER, reason))
    return [f"the statistics pages could not be computed: {reason}"]


def _write(folder: Path, page: str) -> None:
    """``folder``/stats.html; the folders up to it made, but never the export's own (an export
    gone meanwhile, stopped or failed, is not made again)."""
    if not folder.is_dir():
        folder.parent.mkdir(mode=0o700, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    (folder / STATS_PAGE).write_text(page, encoding="utf-8")


def _watch(parent: Connection) -> None:
    """End this process when the export's is gone (its end of ``parent`` closed: stopped,
    killed), so that nothing is written into an export nobody waits for."""
    with contextlib.suppress(EOFError, OSError):
        parent.recv()
    os._exit(1)


def _child(
    archive: Archive,
    chats: Sequence[StatsChat],
    root: Path,
    since: int | None,
    until: int | None,
    out: Connection,
    parent: Connection,
) -> None:
    """The statistics process: writes the pages, sends what went wrong."""
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    try:
        problems = write_pages(archive, chats, root, since, until)
    except Exception as exc:  # noqa: BLE001 - any failure is said, the pages say it
        try:
            problems = write_failed(chats, root, str(exc))
        except OSError as again:
            problems = [f"the statistics pages could not be written: {again}"]
    with contextlib.suppress(OSError):  # the export is gone: nobody to tell
        out.send(problems)
        out.close()


class StatsPages:
    """The statistics pages of an export, written by a process of their own (`start`) while
    the chats' pages are; `finish` waits for them, `stop` ends them (an export stopped)."""

    def __init__(
        self,
        process: Any,
        result: Connection,
        alive: Connection,
        chats: list[StatsChat],
        root: Path,
    ) -> None:
        self._process = process
        self._result = result
        self._alive = alive  # closed (or this process gone): the child ends
        self._chats = chats
        self._root = root

    @classmethod
    def start(
        cls,
        archive: Archive,
        chats: Sequence[StatsChat],
        root: Path,
        since: int | None,
        until: int | None,
    ) -> StatsPages:
        """Start writing the pages of ``chats`` (and the whole export's) into ``root``."""
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        watched, alive = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            args=(archive, list(chats), root, since, until, send, watched),
            name="tgtui-export-stats",
            daemon=True,
        )
        process.start()
        # This process's copies: the child's ends alone say when it is gone, and when this
        # one is.
        send.close()
        watched.close()
        return cls(process, receive, alive, list(chats), root)

    def finish(self) -> list[str]:
        """Wait for the pages; what went wrong (the pages then say it)."""
        try:
            problems: list[str] = self._result.recv()
        except EOFError:  # the process died before it could say
            self._process.join()
            reason = f"its process ended with exit code {self._process.exitcode}"
            problems = write_failed(self._chats, self._root, reason)
        finally:
            self._result.close()
            self._process.join()
            self._alive.close()
        return problems

    def stop(self) -> None:
        """End the process (the export is stopped or failed)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._result.close()
        self._alive.close()
