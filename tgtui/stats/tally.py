"""Adding messages up: the aggregates of some messages, by UTC month (and quarter hour),
kept the same way when a chat is read for the aggregates file (`tgtui.stats.update`) and
when the messages at the edges of a date range are read again (`tgtui.stats.query`).

Months are UTC months (``year * 12 + month - 1``); quarters are quarter hours since 1970
(``date // 900``): every time zone's offset is a whole number of quarter hours, so each
quarter falls in one local hour of one local day, whatever the zone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from tgtui.format.records import MAX_UNIXTIME
from tgtui.stats.message import Look

QUARTER = 900
DAY = 86_400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

# What a month row holds, by place.
MESSAGES, WORDS, LINKS, SERVICE, DELETED, EDITED = range(6)
FIRST_DATE, FIRST_ID, LAST_DATE, LAST_ID = range(6, 10)
COUNTS = 6  # the first six are counts (added up); the last four bound the month
NO_DATE = -1


def month_of(date: int, cache: dict[int, int] | None = None) -> int:
    """The UTC month of a unix date, as ``year * 12 + month - 1``."""
    day = date // DAY
    if cache is not None:
        found = cache.get(day)
        if found is not None:
            return found
    when = dt.date.fromordinal(_EPOCH_ORDINAL + day)
    month = when.year * 12 + when.month - 1
    if cache is not None:
        cache[day] = month
    return month


def month_bounds(month: int) -> tuple[int, int]:
    """Unix seconds of the start of a UTC month and of the next."""
    year, index = divmod(month, 12)
    start = dt.datetime(year, index + 1, 1, tzinfo=dt.UTC)
    year, index = divmod(month + 1, 12)
    if year > dt.MAXYEAR:
        return int(start.timestamp()), MAX_UNIXTIME + 1
    end = dt.datetime(year, index + 1, 1, tzinfo=dt.UTC)
    return int(start.timestamp()), int(end.timestamp())


def new_month() -> list[int]:
    """An empty month row."""
    return [0, 0, 0, 0, 0, 0, NO_DATE, 0, NO_DATE, 0]


def merge_month(row: list[int], other: list[int] | tuple[int, ...]) -> None:
    """Add ``other`` (a month row) into ``row``."""
    for place in range(COUNTS):
        row[place] += other[place]
    if other[FIRST_DATE] != NO_DATE and (
        row[FIRST_DATE] == NO_DATE
        or (other[FIRST_DATE], other[FIRST_ID]) < (row[FIRST_DATE], row[FIRST_ID])
    ):
        row[FIRST_DATE], row[FIRST_ID] = other[FIRST_DATE], other[FIRST_ID]
    if other[LAST_DATE] != NO_DATE and (other[LAST_DATE], other[LAST_ID]) > (
        row[LAST_DATE],
        row[LAST_ID],
    ):
        row[LAST_DATE], row[LAST_ID] = other[LAST_DATE], other[LAST_ID]


@dataclass(slots=True)
class Sender:
    """A sender's messages, and the name of their latest (of two at one time, the greater
    name: the same whatever order they are added in)."""

    count: int
    name: str
    named_at: int

    def add(self, count: int, name: str, named_at: int) -> None:
        """Add ``count`` messages, the latest of them named ``name`` at ``named_at``."""
        self.count += count
        if (named_at, name) > (self.named_at, self.name):
            self.name, self.named_at = name, named_at


@dataclass
class Tally:
    """The aggregates of the messages added, by month."""

    months: dict[int, list[int]] = field(default_factory=dict)
    quarters: dict[int, list[int]] = field(default_factory=dict)  # [messages, words]
    senders: dict[tuple[int, str], Sender] = field(default_factory=dict)
    media: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # count, bytes, s
    words: dict[int, Counter[str]] = field(default_factory=dict)
    emoji: dict[int, Counter[str]] = field(default_factory=dict)
    domains: dict[int, Counter[str]] = field(default_factory=dict)
    starts: Counter[tuple[int, int]] = field(default_factory=Counter)  # (month, out)
    replies: Counter[tuple[int, int, int]] = field(default_factory=Counter)  # + delay
    _days: dict[int, int] = field(default_factory=dict, compare=False, repr=False)  # a cache

    def add(self, date: int, message_id: int, look: Look) -> int:
        """Add one message (`tgtui.stats.message.look`) sent at ``date``; its month."""
        month = month_of(date, self._days)
        row = self.months.get(month)
        if row is None:
            row = self.months[month] = new_month()
        if look.service:
            row[SERVICE] += 1
            return month
        if look.deleted:
            row[DELETED] += 1
            return month
        facts = look.text
        row[MESSAGES] += 1
        row[WORDS] += facts.words
        row[LINKS] += facts.links
        if look.edited:
            row[EDITED] += 1
        key = (date, message_id)
        if row[FIRST_DATE] == NO_DATE or key < (row[FIRST_DATE], row[FIRST_ID]):
            row[FIRST_DATE], row[FIRST_ID] = key
        if key > (row[LAST_DATE], row[LAST_ID]):
            row[LAST_DATE], row[LAST_ID] = key
        quarter = self.quarters.get(date // QUARTER)
        if quarter is None:
            self.quarters[date // QUARTER] = [1, facts.words]
        else:
            quarter[0] += 1
            quarter[1] += facts.words
        sender = self.senders.get((month, look.sender))
        if sender is None:
            self.senders[(month, look.sender)] = Sender(1, look.name, date)
        else:
            sender.add(1, look.name, date)
        if look.media:
            media = self.media.get((month, look.media))
            if media is None:
                self.media[(month, look.media)] = [1, look.size, look.seconds]
            else:
                media[0] += 1
                media[1] += look.size
                media[2] += look.seconds
        if facts.top_words:
            _counter(self.words, month).update(facts.top_words)
        if facts.emoji:
            _counter(self.emoji, month).update(facts.emoji)
        if facts.domains:
            _counter(self.domains, month).update(facts.domains)
        return month

    def merge(self, other: Tally) -> None:
        """Add ``other``'s messages (whatever the order: the sums are the same)."""
        for month, row in other.months.items():
            found = self.months.get(month)
            if found is None:
                self.months[month] = list(row)
            else:
                merge_month(found, row)
        for quarter, (count, words) in other.quarters.items():
            sums = self.quarters.get(quarter)
            if sums is None:
                self.quarters[quarter] = [count, words]
            else:
                sums[0] += count
                sums[1] += words
        for key, sender in other.senders.items():
            known = self.senders.get(key)
            if known is None:
                self.senders[key] = Sender(sender.count, sender.name, sender.named_at)
            else:
                known.add(sender.count, sender.name, sender.named_at)
        for key, values in other.media.items():
            kind = self.media.get(key)
            if kind is None:
                self.media[key] = list(values)
            else:
                for place, value in enumerate(values):
                    kind[place] += value
        for mine, theirs in (
            (self.words, other.words),
            (self.emoji, other.emoji),
            (self.domains, other.domains),
        ):
            for month, counter in theirs.items():
                _counter(mine, month).update(counter)
        self.starts.update(other.starts)
        self.replies.update(other.replies)

    def add_turn(self, date: int, out: bool, starts: bool, reply: int | None) -> None:
        """A message's place in its chat's conversations (`tgtui.stats.update.turns`)."""
        month = month_of(date, self._days)
        if starts:
            self.starts[(month, int(out))] += 1
        if reply is not None:
            self.replies[(month, int(out), reply)] += 1


def _counter(counters: dict[int, Counter[str]], month: int) -> Counter[str]:
    found = counters.get(month)
    if found is None:
        found = counters[month] = Counter()
    return found
