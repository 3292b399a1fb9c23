"""The figures of some chats over a date range, from the aggregates (`tgtui.stats.store`).

The aggregates are by UTC month: the months wholly inside the range are read from them;
the messages of the months the range cuts (its edges) are read again from their lines
(where `msgs` says they are) and added up the same way (`tgtui.stats.tally.Tally`), so every
figure is exact for any range. A forum topic's figures (``topics``) are all read that way:
its messages are those `msgs` files under the topic (the aggregates are by chat). Time
series and the hour x weekday grid come from quarter hours, each of which falls in one
local hour (`tgtui.stats.tally`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tgtui.archive.folder import ArchiveChat
from tgtui.archive.index import unread_note
from tgtui.format.safe_files import open_lines
from tgtui.format.topics import GENERAL
from tgtui.format.versions import DELETED, EDITS, Changes, load_changes
from tgtui.stats.figures import TOP, Figures, Moment, Private, Ranked
from tgtui.stats.scan import Part, scan_lines_of, scan_wanted
from tgtui.stats.store import MSGS_TYPES
from tgtui.stats.tally import (
    FIRST_DATE,
    FIRST_ID,
    LAST_DATE,
    LAST_ID,
    NO_DATE,
    QUARTER,
    Sender,
    Tally,
    merge_month,
    month_bounds,
    month_of,
    new_month,
)
from tgtui.stats.update import (
    DELETED_FLAG,
    OUT_FLAG,
    PRIVATE_TYPES,
    SERVICE_FLAG,
    SILENCE,
    STARTS_FLAG,
    TERM_KINDS,
    StatsStore,
)

SHORT_SPAN = 92 * 86_400  # a span this short is shown day by day too
MIN_MONTH, MAX_MONTH = 1970 * 12, 9999 * 12 + 11  # the months a unix date can be in
PARALLEL_EDGES = 200_000  # messages to read again from which worker processes read them
EDGE_PART = 20_000  # at least this many of them in a worker's part
# A message of `msgs`: date, id, offset of its line, flags, reply delay (-1: no reply).
Row = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class Span:
    """The range asked for, in unix seconds ([since, until)), and the whole UTC months in
    it (``first`` to ``last``, none when ``first > last``)."""

    since: int | None
    until: int | None
    first: int
    last: int

    def edges(self) -> list[tuple[int, int]]:
        """The parts of the range outside its whole months: [from, to) in unix seconds."""
        low = -(1 << 62) if self.since is None else self.since
        high = 1 << 62 if self.until is None else self.until
        if self.first > self.last:
            return [(low, high)] if low < high else []
        parts = []
        if self.since is not None and low < (start := month_bounds(self.first)[0]):
            parts.append((low, start))
        if self.until is not None and (end := month_bounds(self.last)[1]) < high:
            parts.append((end, high))
        return parts


def span_of(since: dt.datetime | None, until: dt.datetime | None) -> Span:
    """The range [since, until) as a `Span`."""
    low = None if since is None else math.ceil(since.timestamp())
    high = None if until is None else math.ceil(until.timestamp())
    first = MIN_MONTH
    if low is not None:
        first = month_of(low)
        if month_bounds(first)[0] < low:
            first += 1
    last = MAX_MONTH
    if high is not None:
        last = month_of(high)
        if month_bounds(last)[1] > high:
            last -= 1
    return Span(low, high, first, last)


def _msgs(
    store: StatsStore, chat_id: int, low: int, high: int, topics: frozenset[int] | None
) -> Iterator[Row]:
    """(date, id, offset, flags, reply delay) of the chat's messages of [low, high), of
    ``topics`` only if given (General holds those with none), from `msgs`."""
    wanted = None if topics is None else set(topics) | ({0} if GENERAL in topics else set())
    for blobs in store.db.execute(
        "SELECT dates, ids, offsets, flags, replies, topics FROM msgs "
        "WHERE chat_id = ? AND high >= ? AND low < ?",
        (chat_id, low, high),
    ):
        dates, ids, offsets, flags, replies, topic = (
            array(kind, blob) for kind, blob in zip(MSGS_TYPES, blobs, strict=True)
        )
        if wanted is None and low <= min(dates) and max(dates) < high:  # all of the chunk
            yield from zip(dates, ids, offsets, flags, replies, strict=True)
            continue
        for place, date in enumerate(dates):
            if low <= date < high and (wanted is None or topic[place] in wanted):
                yield date, ids[place], offsets[place], flags[place], replies[place]


def _edge_rows(
    store: StatsStore, chat: ArchiveChat, span: Span, topics: frozenset[int] | None
) -> list[Row]:
    """The chat's messages in the edges of ``span`` (of ``topics`` only, if given)."""
    rows: list[Row] = []
    for low, high in span.edges():
        rows.extend(_msgs(store, chat.id, low, high, topics))
    return rows


def _changes_folder(chat: ArchiveChat) -> str | None:
    """The chat's folder if it has edits or deletions to read, else None."""
    if os.path.lexists(chat.folder / EDITS) or os.path.lexists(chat.folder / DELETED):
        return str(chat.folder)
    return None


def _read_here(chat: ArchiveChat, rows: list[Row], notes: list[str]) -> Part:
    """The lines of ``rows`` read again, in this process."""
    folder = _changes_folder(chat)
    changes: Changes | None = None if folder is None else load_changes(chat.folder)
    try:
        handle = open_lines(chat.jsonl, 0)
    except OSError as exc:
        notes.append(unread_note(chat, chat.jsonl.name, exc.strerror or str(exc)))
        return Part()
    with handle:
        return scan_wanted(handle, changes, {row[2]: row[1] for row in rows})


def _read_in_workers(
    chosen: list[ArchiveChat], rows: dict[int, list[Row]], workers: int, notes: list[str]
) -> dict[int, Part]:
    """The lines of each chat's ``rows`` read again by ``workers`` processes, in parts of
    about the same number of lines."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tgtui.stats.update import _worker_init

    size = max(EDGE_PART, sum(map(len, rows.values())) // (2 * workers) + 1)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, _worker_init) as pool:
        futures = {}
        for chat in chosen:
            ordered = sorted(row[2] for row in rows[chat.id])
            ids = {row[2]: row[1] for row in rows[chat.id]}
            futures[chat.id] = [
                pool.submit(
                    scan_lines_of,
                    str(chat.jsonl),
                    _changes_folder(chat),
                    {offset: ids[offset] for offset in ordered[low : low + size]},
                )
                for low in range(0, len(ordered), size)
            ]
        reads = {}
        for chat in chosen:
            parts = [future.result() for future in futures[chat.id]]
            read = Part()
            for part in parts:
                if part is None:  # not readable by a worker: read here, which says why
                    read = _read_here(chat, rows[chat.id], notes)
                    break
                read.extend(part)
            reads[chat.id] = read
    return reads


def _edge_tally(
    read: Part,
    rows: list[Row],
    topics: frozenset[int] | None = None,
    timeline: list[int] | None = None,
) -> Tally:
    """The messages of a chat in the edges of the range (``rows``, of ``topics`` only, if
    given), read again (``read``) and added up; with ``topics``, the dates of those in the
    timeline go to ``timeline`` (conversations are the chat's, not a topic's: none are added
    up)."""
    by_offset = {offset: (date, flags, reply) for date, _i, offset, flags, reply in rows}
    tally = read.tally
    for offset in read.offsets:
        date, flags, reply = by_offset[offset]
        if flags & (DELETED_FLAG | SERVICE_FLAG):
            continue
        if topics is None:
            delay = None if reply < 0 else reply
            tally.add_turn(date, bool(flags & OUT_FLAG), bool(flags & STARTS_FLAG), delay)
        elif timeline is not None:
            timeline.append(date)
    return tally


def _months(
    store: StatsStore, ids: list[int], span: Span, edges: dict[int, Tally]
) -> dict[int, list[int]]:
    """Each chat's months in the range, added up: chat id -> one month row."""
    per_chat: dict[int, list[int]] = {cid: new_month() for cid in ids}
    for cid in ids:
        for row in store.db.execute(
            "SELECT messages, words, links, service, deleted, edited, first_date, first_id, "
            "last_date, last_id FROM months WHERE chat_id = ? AND month BETWEEN ? AND ?",
            (cid, span.first, span.last),
        ):
            merge_month(per_chat[cid], row)
        for row in edges[cid].months.values():
            merge_month(per_chat[cid], row)
    return per_chat


def _in(ids: list[int]) -> str:
    return f"chat_id IN ({','.join(str(int(i)) for i in ids)})"


def figures(
    store: StatsStore,
    chats: Iterable[ArchiveChat],
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    topics: dict[int, frozenset[int]] | None = None,
    workers: int = 1,
) -> Figures:
    """The statistics of ``chats`` over [since, until) (the aggregates must be current:
    `StatsStore.update`); with ``topics`` (chat id -> topic ids), of those forum topics'
    messages only, in the chats that have some. The messages of the months the range cuts
    are read again, by ``workers`` processes when there are many (as `StatsStore.update`
    reads)."""
    chosen = list(chats)
    span = span_of(since, until)
    timeline: list[int] = []
    if topics is not None:
        chosen = [chat for chat in chosen if chat.id in topics]
        span = Span(span.since, span.until, 1, 0)  # no whole month: every message is read
    ids = [chat.id for chat in chosen]
    zone = dt.datetime.now().astimezone().tzname() or ""
    result = Figures(since=since, until=until, time_zone=zone)
    notes = result.notes
    wanted = {chat.id: None if topics is None else topics[chat.id] for chat in chosen}
    rows = {chat.id: _edge_rows(store, chat, span, wanted[chat.id]) for chat in chosen}
    if workers > 1 and sum(map(len, rows.values())) >= PARALLEL_EDGES:
        reads = _read_in_workers([c for c in chosen if rows[c.id]], rows, workers, notes)
    else:
        reads = {
            chat.id: _read_here(chat, rows[chat.id], notes) for chat in chosen if rows[chat.id]
        }
    edges = {
        chat.id: _edge_tally(reads.get(chat.id, Part()), rows[chat.id], wanted[chat.id], timeline)
        for chat in chosen
    }
    per_chat = _months(store, ids, span, edges)
    total = new_month()
    for row in per_chat.values():
        merge_month(total, row)
    result.messages, result.words, result.links = total[0], total[1], total[2]
    result.service, result.deleted, result.edited = total[3], total[4], total[5]
    if total[FIRST_DATE] != NO_DATE:
        firsts = [(r[FIRST_DATE], cid, r[FIRST_ID]) for cid, r in per_chat.items() if r[0]]
        lasts = [(r[LAST_DATE], cid, r[LAST_ID]) for cid, r in per_chat.items() if r[0]]
        result.first = Moment(*min(firsts))
        result.last = Moment(*max(lasts))
    result.chats = [(c.id, c.name, c.type, per_chat[c.id][0]) for c in chosen]
    if not ids:
        return result
    where = f"{_in(ids)} AND month BETWEEN {span.first} AND {span.last}"
    _time_series(store, where, span, edges, result)
    _senders(store, where, edges, result)
    _media(store, where, edges, result)
    _terms(store, where, edges, result, bool(span.edges()))
    if topics is None:
        _private(store, chosen, where, edges, result)
        result.silence = _silence(store, ids, span, per_chat)
    else:  # a topic's conversations are its chat's: none; its silences are its own
        result.silence = _longest_gap(timeline)
    (damaged,) = store.db.execute(f"SELECT total(damaged) FROM sources WHERE {_in(ids)}").fetchone()
    result.damaged = int(damaged)
    return result


def _time_series(
    store: StatsStore, where: str, span: Span, edges: dict[int, Tally], result: Figures
) -> None:
    """Messages and words by local month and day, the hour x weekday grid, the busiest day."""
    quarters: dict[int, list[int]] = {}
    low = month_bounds(span.first)[0] // QUARTER if span.first <= span.last else 0
    high = month_bounds(span.last)[1] // QUARTER if span.first <= span.last else -1
    query = (
        "SELECT quarter, sum(messages), sum(words) FROM quarters WHERE "
        f"{where.split(' AND month')[0]} AND quarter >= ? AND quarter < ? GROUP BY quarter"
    )
    for quarter, count, words in store.db.execute(query, (low, high)):
        quarters[quarter] = [count, words]
    for tally in edges.values():
        for quarter, (count, words) in tally.quarters.items():
            found = quarters.setdefault(quarter, [0, 0])
            found[0] += count
            found[1] += words
    days: dict[dt.date, list[int]] = {}
    for quarter in sorted(quarters):
        count, words = quarters[quarter]
        when = dt.datetime.fromtimestamp(quarter * QUARTER)
        result.hours[when.weekday()][when.hour] += count
        sums = days.setdefault(when.date(), [0, 0])
        sums[0] += count
        sums[1] += words
    for day, (count, words) in days.items():
        key = f"{day:%Y-%m}"
        before = result.by_month.get(key, (0, 0))
        result.by_month[key] = (before[0] + count, before[1] + words)
    if days:
        busiest = max(days.items(), key=lambda item: (item[1][0], -item[0].toordinal()))
        result.busiest_day = (busiest[0].isoformat(), busiest[1][0])
        ordered = sorted(days)
        if (ordered[-1] - ordered[0]).days * 86_400 <= SHORT_SPAN:
            result.by_day = {d.isoformat(): (days[d][0], days[d][1]) for d in ordered}


def _senders(store: StatsStore, where: str, edges: dict[int, Tally], result: Figures) -> None:
    senders: dict[str, Sender] = {}
    for key, count, name, named_at in store.db.execute(
        f"SELECT sender, count, name, named_at FROM senders WHERE {where}"
    ):
        _add_sender(senders, key, Sender(count, name, named_at))
    for tally in edges.values():
        for (_month, key), sender in tally.senders.items():
            _add_sender(senders, key, sender)
    ranked = sorted(senders.items(), key=lambda item: (-item[1].count, item[0]))
    result.sender_count = len(ranked)
    result.senders = [Ranked(key, s.count, s.name) for key, s in ranked[:TOP]]


def _add_sender(senders: dict[str, Sender], key: str, sender: Sender) -> None:
    found = senders.get(key)
    if found is None:
        senders[key] = Sender(sender.count, sender.name, sender.named_at)
    else:
        found.add(sender.count, sender.name, sender.named_at)


def _media(store: StatsStore, where: str, edges: dict[int, Tally], result: Figures) -> None:
    media: dict[str, list[int]] = {}
    rows: list[tuple[str, int, int, int]] = list(
        store.db.execute(
            f"SELECT kind, sum(count), sum(bytes), sum(seconds) FROM media WHERE {where} "
            "GROUP BY kind"
        )
    )
    for tally in edges.values():
        rows.extend((kind, *values) for (_m, kind), values in tally.media.items())  # type: ignore[misc]
    for kind, count, size, seconds in rows:
        found = media.setdefault(kind, [0, 0, 0])
        found[0] += count
        found[1] += size
        found[2] += seconds
    ordered = sorted(media.items(), key=lambda item: (-item[1][0], item[0]))
    result.media = {kind: (v[0], v[1], v[2]) for kind, v in ordered}


def _terms(
    store: StatsStore, where: str, edges: dict[int, Tally], result: Figures, cut: bool
) -> None:
    """The most used words, emoji and domains."""
    for kind, name in TERM_KINDS:
        counts: Counter[str] = Counter()
        limit = "" if cut else f" ORDER BY 2 DESC, 1 LIMIT {TOP}"
        for term, count in store.db.execute(
            f"SELECT term, sum(count) FROM terms WHERE {where} AND kind = ? GROUP BY term{limit}",
            (kind,),
        ):
            counts[term] += count
        for tally in edges.values():
            for counter in getattr(tally, name).values():
                counts.update(counter)
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]
        ranked = [Ranked(term, count) for term, count in top]
        if kind == "w":
            result.words_top = ranked
        elif kind == "e":
            result.emoji = ranked
        else:
            result.domains = ranked


def _median(counts: dict[int, int]) -> float | None:
    """The median of values given with how many times each comes (the mean of the two
    middle ones for an even number)."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return (found[0] + found[1]) / 2


def _private(
    store: StatsStore,
    chosen: list[ArchiveChat],
    where: str,
    edges: dict[int, Tally],
    result: Figures,
) -> None:
    """Who starts the private chats' conversations, and how fast each side replies."""
    private = [chat for chat in chosen if chat.type in PRIVATE_TYPES]
    if not private:
        return
    ids = [chat.id for chat in private]
    scope = where.replace(_in([c.id for c in chosen]), _in(ids), 1)
    started: Counter[tuple[int, int]] = Counter()
    for cid, out, count in store.db.execute(
        f"SELECT chat_id, out, sum(count) FROM starts WHERE {scope} GROUP BY chat_id, out"
    ):
        started[(cid, out)] += count
    delays: dict[tuple[int, int], Counter[int]] = {}
    for cid, out, delay, count in store.db.execute(
        f"SELECT chat_id, out, delay, sum(count) FROM replies WHERE {scope} "
        "GROUP BY chat_id, out, delay"
    ):
        delays.setdefault((cid, out), Counter())[delay] += count
    for chat in private:
        tally = edges[chat.id]
        for (_m, out), count in tally.starts.items():
            started[(chat.id, out)] += count
        for (_m, out, delay), count in tally.replies.items():
            delays.setdefault((chat.id, out), Counter())[delay] += count
        mine, theirs = delays.get((chat.id, 1), Counter()), delays.get((chat.id, 0), Counter())
        result.private.append(
            Private(
                chat_id=chat.id,
                name=chat.name,
                started=(started[(chat.id, 1)], started[(chat.id, 0)]),
                replies=(sum(mine.values()), sum(theirs.values())),
                median_reply=(_median(mine), _median(theirs)),
            )
        )


def _longest_gap(dates: list[int]) -> tuple[int, int] | None:
    """The longest time between two messages of ``dates``, when it is `SILENCE` or longer
    (the first of equal ones): (from, to)."""
    best: tuple[int, int] | None = None
    ordered = sorted(dates)
    for before, after in itertools.pairwise(ordered):
        if after - before >= SILENCE and (best is None or after - before > best[1] - best[0]):
            best = (before, after)
    return best


def _silence(
    store: StatsStore, ids: list[int], span: Span, per_chat: dict[int, list[int]]
) -> tuple[int, int] | None:
    """The longest time with no message in any of the chats, within the range, when it is
    `SILENCE` or longer: (from, to)."""
    low = -(1 << 62) if span.since is None else span.since
    high = 1 << 62 if span.until is None else span.until
    runs: list[tuple[int, int]] = []
    for cid in ids:
        row = per_chat[cid]
        if not row[0]:
            continue
        first, last = row[FIRST_DATE], row[LAST_DATE]
        for start, end in store.db.execute(
            "SELECT start, end FROM runs WHERE chat_id = ? AND end >= ? AND start < ?",
            (cid, low, high),
        ):
            if start < low:
                if first > end:
                    continue
                start = first
            if end >= high:
                if last < start:
                    continue
                end = last
            runs.append((start, end))
    runs.sort()
    best: tuple[int, int] | None = None
    reach: int | None = None
    for start, end in runs:
        longer = best is None or start - (reach or 0) > best[1] - best[0]
        if reach is not None and start - reach >= SILENCE and longer:
            best = (reach, start)
        reach = end if reach is None else max(reach, end)
    return best
