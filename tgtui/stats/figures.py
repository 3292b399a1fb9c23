"""The statistics of some chats over a date range: the figures `tgtui stats` shows, and
their JSON (documented in STATS.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

TOP = 20  # senders, words, emoji and domains listed


@dataclass(frozen=True)
class Moment:
    """A message: when, in which chat, its id."""

    date: int
    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Ranked:
    """One of a top list: what (a sender's id, a word...), its name, how many."""

    key: str
    count: int
    name: str = ""


@dataclass(frozen=True)
class Private:
    """A private chat's conversations: who started them and how fast each side replied."""

    chat_id: int
    name: str
    started: tuple[int, int]  # by the account, by the other side
    replies: tuple[int, int]
    median_reply: tuple[float | None, float | None]  # seconds


@dataclass
class Figures:
    """Every figure of `tgtui stats` (STATS.md)."""

    since: dt.datetime | None
    until: dt.datetime | None
    time_zone: str
    messages: int = 0
    words: int = 0
    links: int = 0
    service: int = 0
    deleted: int = 0
    edited: int = 0
    first: Moment | None = None
    last: Moment | None = None
    by_month: dict[str, tuple[int, int]] = field(default_factory=dict)  # "YYYY-MM"
    by_day: dict[str, tuple[int, int]] | None = None  # "YYYY-MM-DD", for short spans
    hours: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])
    busiest_day: tuple[str, int] | None = None
    silence: tuple[int, int] | None = None  # from, to (unix seconds)
    senders: list[Ranked] = field(default_factory=list)
    sender_count: int = 0
    media: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # count, bytes, s
    words_top: list[Ranked] = field(default_factory=list)
    emoji: list[Ranked] = field(default_factory=list)
    domains: list[Ranked] = field(default_factory=list)
    chats: list[tuple[int, str, str, int]] = field(default_factory=list)  # id, name, type, n
    private: list[Private] = field(default_factory=list)
    damaged: int = 0
    notes: list[str] = field(default_factory=list)


def local_iso(date: int) -> str:
    """A unix date as ISO 8601 in the local time zone, with its offset."""
    return dt.datetime.fromtimestamp(date).astimezone().isoformat()


def _moment(moment: Moment | None) -> dict[str, Any] | None:
    if moment is None:
        return None
    return {
        "date": local_iso(moment.date),
        "chat_id": moment.chat_id,
        "message_id": moment.message_id,
    }


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def as_json(figures: Figures) -> dict[str, Any]:
    """The figures as `tgtui stats --json` writes them (STATS.md)."""
    f = figures
    return {
        "since": f.since.isoformat() if f.since else None,
        "until": f.until.isoformat() if f.until else None,
        "time_zone": f.time_zone,
        "chats": [
            {"id": cid, "name": name, "type": kind, "messages": count}
            for cid, name, kind, count in f.chats
        ],
        "messages": f.messages,
        "words": f.words,
        "links": f.links,
        "service_messages": f.service,
        "deleted": f.deleted,
        "edited": f.edited,
        "first": _moment(f.first),
        "last": _moment(f.last),
        "by_month": [
            {"month": month, "messages": count, "words": words}
            for month, (count, words) in f.by_month.items()
        ],
        "by_day": None
        if f.by_day is None
        else [
            {"day": day, "messages": count, "words": words}
            for day, (count, words) in f.by_day.items()
        ],
        "hours": f.hours,
        "busiest_day": None
        if f.busiest_day is None
        else {"day": f.busiest_day[0], "messages": f.busiest_day[1]},
        "longest_silence": None
        if f.silence is None
        else {
            "seconds": f.silence[1] - f.silence[0],
            "from": local_iso(f.silence[0]),
            "to": local_iso(f.silence[1]),
        },
        "senders": [
            {
                "id": s.key or None,
                "name": s.name,
                "messages": s.count,
                "share": _share(s.count, f.messages),
            }
            for s in f.senders
        ],
        "sender_count": f.sender_count,
        "media": {
            kind: {"messages": count, "bytes": size, "seconds": seconds}
            for kind, (count, size, seconds) in f.media.items()
        },
        "top_words": [{"word": r.key, "count": r.count} for r in f.words_top],
        "top_emoji": [{"emoji": r.key, "count": r.count} for r in f.emoji],
        "top_domains": [{"domain": r.key, "links": r.count} for r in f.domains],
        "private_chats": [
            {
                "id": p.chat_id,
                "name": p.name,
                "conversations_started": {"you": p.started[0], "them": p.started[1]},
                "replies": {"you": p.replies[0], "them": p.replies[1]},
                "median_reply_seconds": {"you": p.median_reply[0], "them": p.median_reply[1]},
            }
            for p in f.private
        ],
        "damaged_lines": f.damaged,
        "notes": f.notes,
    }
