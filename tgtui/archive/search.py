"""Searching a backup: words in any case and with or without accents, with filters."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tgtui.archive.folder import Archive
from tgtui.archive.index import DATE_SHIFT, MARK_OFF, MARK_ON, SearchIndex
from tgtui.archive.index_reading import (
    message_file_name,
    message_sender,
    message_text,
    saved_messages,
)
from tgtui.archive.limits import MAX_LIMIT
from tgtui.format.topics import GENERAL
from tgtui.i18n import _, number
from tgtui.untrusted import clean

if TYPE_CHECKING:  # Rich loads for a highlighted snippet only (the TUI, a terminal)
    from rich.text import Text

_WORD = re.compile(r"[\w]+\*?", re.UNICODE)
# Every word is one more posting list for SQLite to walk, for each match of the others: a
# query is bounded (4,000 words took 18 s), and the same word twice counts once.
MAX_WORDS = 32
MAX_QUERY_CHARS = 100_000


class QueryError(ValueError):
    """The words cannot be searched as given; the message says why."""


@dataclass(frozen=True)
class Filters:
    """What to search in: chats (by id), forum topics (chat id, topic id: `topics_where`),
    a sender (part of the name), a date range."""

    chats: frozenset[int] | None = None
    topics: frozenset[tuple[int, int]] | None = None
    sender: str | None = None
    since: dt.datetime | None = None  # at or after
    until: dt.datetime | None = None  # before
    media: str | None = None  # a media_type ("photo", "file"...); "" for text only


@dataclass(frozen=True)
class Hit:
    """One message that matches, as it is now (its latest version): its sender, text and
    file name exactly as saved, read back from its line (the index keeps what SQLite can
    store, and the words of the text, file name and poll together)."""

    chat_id: int
    chat: str
    message_id: int
    date: dt.datetime | None
    sender: str
    text: str  # the message's text, as saved
    snippet: str  # a short piece around the match, matches between MARK_ON and MARK_OFF
    file_name: str | None = None  # the name of its file, when it has one


@dataclass
class Results:
    """How many messages match, and the first of them (newest first); ``notes`` name the
    files of the chats searched that could not be read (their messages are not found)."""

    count: int
    hits: list[Hit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def snippet_text(snippet: str) -> Text:
    """A snippet with its matches highlighted; everything else shown literally."""
    from rich.text import Text

    line = Text()
    for i, piece in enumerate(snippet.replace(MARK_OFF, MARK_ON).split(MARK_ON)):
        line.append(clean(piece), style="bold reverse" if i % 2 else "")
    return line


def snippet_plain(snippet: str) -> str:
    """The text `snippet_text` shows, without its highlights (where no style is shown)."""
    return "".join(clean(piece) for piece in snippet.replace(MARK_OFF, MARK_ON).split(MARK_ON))


def query_words(text: str) -> list[str]:
    """The words of a query, each once (in any case), in the order typed; QueryError when
    there are more than `MAX_WORDS` or the text is longer than `MAX_QUERY_CHARS`."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            _("the words are too long: at most {count} characters").format(
                count=number(MAX_QUERY_CHARS)
            )
        )
    seen: dict[str, str] = {}
    for word in _WORD.findall(text):
        if word.strip("*"):
            seen.setdefault(word.lower(), word)
    words = list(seen.values())
    if len(words) > MAX_WORDS:
        raise QueryError(
            _("too many words ({given}): search for at most {count} at once").format(
                given=number(len(words)), count=number(MAX_WORDS)
            )
        )
    return words


def fts_query(text: str) -> str | None:
    """The user's words as an FTS5 query: every word must appear (a trailing * matches a
    prefix); quotes, operators and punctuation are taken as plain text. None: no words.
    QueryError when there are too many (`query_words`)."""
    words = query_words(text)
    if not words:
        return None
    return " ".join(f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"' for w in words)


def topics_where(topics: frozenset[tuple[int, int]]) -> tuple[str, list[int]]:
    """The SQL condition on ``docs`` (and its arguments) for the messages of these forum
    topics: General (topic 1) holds a forum's messages the index keeps no topic for."""
    by_chat: dict[int, set[int]] = {}
    for chat_id, topic in topics:
        wanted = by_chat.setdefault(chat_id, set())
        wanted.update((0, GENERAL) if topic == GENERAL else (topic,))
    parts, args = [], []
    for chat_id, wanted in sorted(by_chat.items()):
        parts.append(f"(docs.chat_id = ? AND docs.topic IN ({','.join('?' * len(wanted))}))")
        args += [chat_id, *sorted(wanted)]
    return "(" + (" OR ".join(parts) or "0") + ")", args


def search_or_rebuild(
    index: SearchIndex, archive: Archive, text: str, filters: Filters, limit: int = 50
) -> Results:
    """`search`, after building the index again if a query runs into a damaged page."""
    try:
        return search(index, archive, text, filters, limit)
    except sqlite3.DatabaseError:  # damage that opening the index did not show
        index.rebuild()
        return search(index, archive, text, filters, limit)


def search(
    index: SearchIndex, archive: Archive, text: str, filters: Filters, limit: int = 50
) -> Results:
    """Messages matching every word of ``text`` under ``filters``, newest first."""
    query = fts_query(text)
    if query is None:
        return Results(0)
    # Row ids are ordered by date (see tgtui.archive.index), so a date range is a row id
    # range and the newest matches are the highest row ids: nothing to sort.
    where = ["fts MATCH ?"]
    args: list[Any] = [query]
    if filters.since is not None:
        where.append("fts.rowid >= ?")
        args.append(int(filters.since.timestamp()) << DATE_SHIFT)
    if filters.until is not None:
        where.append("fts.rowid < ?")
        args.append(int(filters.until.timestamp()) << DATE_SHIFT)
    if filters.chats is not None:
        where.append(f"docs.chat_id IN ({','.join('?' * len(filters.chats))})")
        args.extend(sorted(filters.chats))
    if filters.topics is not None:
        condition, topic_args = topics_where(filters.topics)
        where.append(condition)
        args.extend(topic_args)
    if filters.sender:
        where.append("docs.sender LIKE ? ESCAPE '\\'")
        pattern = filters.sender.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args.append(f"%{pattern}%")
    if filters.media is not None:
        where.append("docs.media = ?")
        args.append(filters.media)
    condition = " AND ".join(where)
    needs_docs = (
        filters.chats is not None
        or filters.topics is not None
        or bool(filters.sender)
        or filters.media is not None
    )
    # CROSS JOIN keeps the matches outside (SQLite never reorders it): joined the other way,
    # each of a big chat's messages would run the whole query again (minutes for `--chat`).
    source = "fts CROSS JOIN docs ON docs.id = fts.rowid" if needs_docs else "fts"
    count = index.db.execute(f"SELECT count(*) FROM {source} WHERE {condition}", args).fetchone()[0]
    top = index.db.execute(
        f"SELECT fts.rowid, fts.text, snippet(fts, 0, '{MARK_ON}', '{MARK_OFF}', '…', 16) "
        f"FROM {source} WHERE {condition} ORDER BY fts.rowid DESC LIMIT ?",
        [*args, max(1, min(limit, MAX_LIMIT))],
    ).fetchall()
    marks = ",".join("?" * len(top))
    docs = {
        row_id: rest
        for row_id, *rest in index.db.execute(
            f"SELECT id, chat_id, message_id, date, sender, offset FROM docs WHERE id IN ({marks})",
            [row_id for row_id, _saved, _snippet in top],
        )
    }
    rows = []
    for row_id, saved, snippet in top:
        chat_id, message_id, date, sender, offset = docs[row_id]
        rows.append((chat_id, message_id, date, sender, offset, saved, snippet))
    chats = {chat.id: chat for chat in archive.chats}
    wanted: dict[int, list[tuple[int, int]]] = {}
    for chat_id, message_id, _date, _sender, offset, _saved, _snippet in rows:
        wanted.setdefault(chat_id, []).append((offset, message_id))
    records = {
        (chat_id, message_id): record
        for chat_id, places in wanted.items()
        if chat_id in chats
        for message_id, record in saved_messages(chats[chat_id], places).items()
    }
    hits = []
    for chat_id, message_id, date, sender, _offset, saved, snippet in rows:
        chat = chats.get(chat_id)
        record = records.get((chat_id, message_id))
        hits.append(
            Hit(
                chat_id=chat_id,
                chat=chat.name if chat is not None else str(chat_id),
                message_id=message_id,
                date=dt.datetime.fromtimestamp(date, dt.UTC) if date else None,
                # The line read back, exact; if it is gone since (a repair rewrote the file
                # after the update), what the index kept.
                sender=sender if record is None else message_sender(record),
                text=saved if record is None else message_text(record),
                snippet=snippet,
                file_name=None if record is None else message_file_name(record),
            )
        )
    return Results(count, hits, index.unread_notes(filters.chats))
