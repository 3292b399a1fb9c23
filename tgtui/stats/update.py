"""Bringing a backup's statistics aggregates (`tgtui.stats.store`) up to date.

Each chat is read once, from where the last update stopped:

- a chat whose messages.jsonl has the `lstat` it had when it was last read whole (device,
  inode, size, times), and whose edits.jsonl and deleted.jsonl are as they were, is not
  opened;
- one whose messages.jsonl only grew (same inode, same first bytes) is read from where it
  stopped, and what is new is added to its months;
- one whose file was replaced or cut, whose edits.jsonl or deleted.jsonl changed (an edit
  or a deletion changes what earlier messages add), or whose new messages are older than the
  last one read (its conversations would change before them) is read again from the start;
- chats no longer in the backup are dropped.

Every file is read the safe way (`tgtui.format.safe_files`): a damaged line is counted and
skipped, a file that cannot be read (a link, a FIFO...) is named in ``unread``.

Conversations (STATS.md): a message **starts a conversation** when it is its chat's first
or comes `CONVERSATION_GAP` or more after the message before it; it is a **reply** when the
message before it, less than `CONVERSATION_GAP` before, is from the other side (the account
and the others), and its delay is the time between them. A chat's **runs** are its stretches
of messages with less than `SILENCE` between each and the next: a silence of `SILENCE` or
more is a gap between runs.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import stat
import time
from array import array
from dataclasses import dataclass, field
from typing import IO, Any

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.archive.index_reading import (
    HEAD_BYTES,
    Unread,
    message_date,
    open_source,
    records_from,
)
from tgtui.format.safe_files import SIDE_FILE_MAX, link_refused, not_a_file, too_big
from tgtui.format.topics import topic_of
from tgtui.format.versions import DELETED, EDITS, Changes, load_changes
from tgtui.lazylog import logger
from tgtui.stats.message import look
from tgtui.stats.store import PER_CHAT, fresh_store, open_store, stats_path
from tgtui.stats.tally import NO_DATE, Sender, Tally, merge_month

CONVERSATION_GAP = 6 * 3600  # seconds of silence after which a message starts a conversation
SILENCE = 3600  # the shortest silence the statistics name
SETTLED_NS = 3_000_000_000  # a file's lstat younger than this is not kept (as the index does)
# A message's flags in `msgs`.
DELETED_FLAG, OUT_FLAG, STARTS_FLAG, SERVICE_FLAG = 1, 2, 4, 8
TERM_KINDS = (("w", "words"), ("e", "emoji"), ("d", "domains"))


@dataclass(frozen=True)
class Source:
    """How far a chat's files were read (a row of `sources`)."""

    inode: int
    head: bytes
    read_to: int
    seen: str
    sides: str
    last_date: int
    last_id: int
    last_out: int
    damaged: int


@dataclass
class Updated:
    """What an update did."""

    chats: int = 0  # chats read (wholly or from where they stopped)
    messages: int = 0  # lines added
    rebuilt: bool = False  # the aggregates were built from nothing


@dataclass
class _Read:
    """What was read of a chat: its tally, and each message's date, id, line and flags."""

    tally: Tally = field(default_factory=Tally)
    dates: array[int] = field(default_factory=lambda: array("q"))
    ids: array[int] = field(default_factory=lambda: array("q"))
    offsets: array[int] = field(default_factory=lambda: array("q"))
    flags: bytearray = field(default_factory=bytearray)
    topics: array[int] = field(default_factory=lambda: array("q"))  # 0: none (General)
    read_to: int = 0
    damaged: int = 0
    timeline: list[int] | None = None  # `_timeline`, once found


def _seen(info: os.stat_result) -> str:
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


class StatsStore:
    """One backup's statistics aggregates (a context manager: the SQLite connection)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.path = stats_path(archive.folder)
        self.notes: list[str] = []  # what was found wrong with the file itself
        self.unread: list[Unread] = []  # the chats' files the last update could not read
        self.db = open_store(self.path, self.notes)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> StatsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self) -> Updated:
        """Bring the aggregates up to date with every chat's files (the module's notes)."""
        done = Updated()
        try:
            self.unread = []
            self._update(done)
        except sqlite3.DatabaseError as exc:
            logger.warning("{}: damaged ({}); building it again", self.path, exc)
            self.db.close()
            self.db = fresh_store(self.path, self.notes)
            done = Updated(rebuilt=True)
            self.unread = []
            self._update(done)
        return done

    def _update(self, done: Updated) -> None:
        sources = {
            row[0]: Source(*row[1:])
            for row in self.db.execute(
                "SELECT chat_id, inode, head, read_to, seen, sides, last_date, last_id, "
                "last_out, damaged FROM sources"
            )
        }
        done.rebuilt = done.rebuilt or not sources
        known = {chat.id for chat in self.archive.chats}
        for chat_id in sources:
            if chat_id not in known:
                self._drop(chat_id)
        for chat in self.archive.chats:
            added = self._update_chat(chat, sources.get(chat.id))
            if added is not None:
                done.chats += 1
                done.messages += added
        self.db.commit()

    def _drop(self, chat_id: int) -> None:
        for table in (*PER_CHAT, "sources"):
            self.db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))

    def _side(self, chat: ArchiveChat, name: str) -> str:
        """What edits.jsonl or deleted.jsonl is now, by its lstat ("-": not there; "!":
        not readable, named in ``unread``)."""
        path = chat.folder / name
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return "-"
        except OSError as exc:
            problem = exc.strerror or str(exc)
        else:
            if stat.S_ISLNK(info.st_mode):
                problem = link_refused()
            elif not stat.S_ISREG(info.st_mode):
                problem = not_a_file(info.st_mode)
            elif info.st_size > SIDE_FILE_MAX:
                problem = too_big(SIDE_FILE_MAX)
            else:
                return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
        logger.warning("{}: not read ({})", path, problem)
        self.unread.append((chat.id, name, problem))
        return "!"

    def _update_chat(self, chat: ArchiveChat, source: Source | None) -> int | None:
        """Read what is new in one chat; the lines added, None when nothing changed."""
        sides = f"{self._side(chat, EDITS)}|{self._side(chat, DELETED)}"
        if source is not None and source.sides != sides:
            self._drop(chat.id)
            source = None
        if source is not None and source.seen:
            try:
                info = os.lstat(chat.jsonl)
            except OSError:
                info = None
            if info is not None and stat.S_ISREG(info.st_mode) and _seen(info) == source.seen:
                return None
        handle = open_source(chat, self.unread)
        if handle is None:
            if source is not None:
                self._drop(chat.id)
            return None
        with handle:
            info = os.fstat(handle.fileno())
            head = handle.read(HEAD_BYTES)
            start = 0
            if source is not None:
                grown = info.st_size >= source.read_to and head.startswith(source.head)
                if info.st_ino == source.inode and grown:
                    start = source.read_to
                else:
                    self._drop(chat.id)
                    source = None
            changes = None
            if sides != "-|-":
                changes = load_changes(chat.folder)
            read = self._read(handle, start, changes)
            if source is not None and not _follows(read, source):
                self._drop(chat.id)  # older than what was read: its conversations change
                source = None
                handle.seek(0)
                read = self._read(handle, 0, changes)
        self._write(chat, read, source)
        settled = time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > SETTLED_NS
        seen = _seen(info) if settled and info.st_size == read.read_to else ""
        last = self._last(read, source)
        self.db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chat.id,
                info.st_ino,
                head,
                read.read_to,
                seen,
                sides,
                *last,
                read.damaged + (source.damaged if source is not None else 0),
            ),
        )
        return len(read.ids) + read.damaged

    @staticmethod
    def _read(handle: IO[bytes], start: int, changes: Changes | None) -> _Read:
        """The lines from ``start``, each message as it is now, added up."""
        read = _Read(read_to=start)
        add = read.tally.add
        for begin, end, record in records_from(handle, start):
            read.read_to = end
            if record is None:
                read.damaged += 1
                continue
            if changes is not None:
                record = changes.apply(record)
            date = message_date(record)
            seen = look(record)
            add(date, record["id"], seen)
            read.dates.append(date)
            read.ids.append(record["id"])
            read.offsets.append(begin)
            read.topics.append(topic_of(record) or 0)
            read.flags.append(
                (DELETED_FLAG if seen.deleted else 0)
                | (OUT_FLAG if seen.out else 0)
                | (SERVICE_FLAG if seen.service else 0)
            )
        return read

    @staticmethod
    def _last(read: _Read, source: Source | None) -> tuple[int, int, int]:
        """The chat's last message in its timeline: (date, id, out), NO_DATE if none."""
        places = _timeline(read)
        if places:
            last = places[-1]
            return read.dates[last], read.ids[last], int(bool(read.flags[last] & OUT_FLAG))
        if source is not None:
            return source.last_date, source.last_id, source.last_out
        return NO_DATE, 0, 0

    def _write(self, chat: ArchiveChat, read: _Read, source: Source | None) -> None:
        """Add what was read to the chat's rows."""
        replies = _turns(read, source)
        self._runs(chat.id, read, source)
        db = self.db
        cid = chat.id
        db.executemany(
            "INSERT OR REPLACE INTO msgs VALUES (?, ?, ?, ?, ?, ?, ?)",
            zip(
                [cid] * len(read.ids),
                read.dates,
                read.ids,
                read.offsets,
                read.flags,
                replies,
                read.topics,
                strict=True,
            ),
        )
        tally = read.tally
        months = tally.months
        if source is not None and months:
            marks = ",".join("?" * len(months))
            for month, *row in db.execute(
                f"SELECT month, messages, words, links, service, deleted, edited, first_date, "
                f"first_id, last_date, last_id FROM months WHERE chat_id = ? AND month IN "
                f"({marks})",
                [cid, *months],
            ):
                merge_month(months[month], row)
            for month, sender, count, name, named_at in db.execute(
                f"SELECT month, sender, count, name, named_at FROM senders WHERE chat_id = ? "
                f"AND month IN ({marks})",
                [cid, *months],
            ):
                found = tally.senders.get((month, sender))
                if found is None:
                    tally.senders[(month, sender)] = Sender(count, name, named_at)
                else:
                    found.add(count, name, named_at)
        db.executemany(
            "INSERT OR REPLACE INTO months VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(cid, month, *row) for month, row in months.items()],
        )
        db.executemany(
            "INSERT OR REPLACE INTO senders VALUES (?, ?, ?, ?, ?, ?)",
            [(cid, m, key, s.count, s.name, s.named_at) for (m, key), s in tally.senders.items()],
        )
        quarters = ((cid, q, *v) for q, v in tally.quarters.items())
        _add(db, "quarters", ("messages", "words"), quarters)
        _add(
            db,
            "media",
            ("count", "bytes", "seconds"),
            ((cid, m, kind, *v) for (m, kind), v in tally.media.items()),
        )
        for kind, name in TERM_KINDS:
            counters = getattr(tally, name)
            _add(
                db,
                "terms",
                ("count",),
                (
                    (cid, month, kind, term, count)
                    for month, counter in counters.items()
                    for term, count in counter.items()
                ),
            )
        _add(db, "starts", ("count",), ((cid, *key, n) for key, n in tally.starts.items()))
        _add(db, "replies", ("count",), ((cid, *key, n) for key, n in tally.replies.items()))

    def _runs(self, chat_id: int, read: _Read, source: Source | None) -> None:
        """The chat's runs of messages, its last run carried on from what was read before."""
        carried: list[int] | None = None
        if source is not None:
            row = self.db.execute(
                "SELECT start, end FROM runs WHERE chat_id = ? ORDER BY start DESC LIMIT 1",
                (chat_id,),
            ).fetchone()
            carried = None if row is None else [row[0], row[1]]
        current = carried
        runs: list[list[int]] = []
        for place in _timeline(read):
            date = read.dates[place]
            if current is None or date - current[1] >= SILENCE:
                current = [date, date]
                runs.append(current)
            else:
                current[1] = date
        if carried is not None:
            self.db.execute(
                "UPDATE runs SET end = ? WHERE chat_id = ? AND start = ?",
                (carried[1], chat_id, carried[0]),
            )
        self.db.executemany(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", [(chat_id, s, e) for s, e in runs]
        )


def _add(db: sqlite3.Connection, table: str, counts: tuple[str, ...], rows: Any) -> None:
    """Insert ``rows`` into ``table``, adding their ``counts`` to a row already there."""
    rows = list(rows)
    if not rows:
        return
    width = len(rows[0])
    keys = width - len(counts)
    names = [row[1] for row in db.execute(f"PRAGMA table_info({table})")][:keys]
    update = ", ".join(f"{c} = {c} + excluded.{c}" for c in counts)
    db.executemany(
        f"INSERT INTO {table} VALUES ({','.join('?' * width)}) "
        f"ON CONFLICT ({', '.join(names)}) DO UPDATE SET {update}",
        rows,
    )


def _timeline(read: _Read) -> list[int]:
    """The places of the messages read that are in their chat's timeline (not deleted, not
    service messages), in order of date, id and line."""
    if read.timeline is not None:
        return read.timeline
    skip = DELETED_FLAG | SERVICE_FLAG
    places = [i for i, flags in enumerate(read.flags) if not flags & skip]
    dates, ids = read.dates, read.ids
    if any((dates[a], ids[a]) > (dates[b], ids[b]) for a, b in itertools.pairwise(places)):
        places.sort(key=lambda i: (dates[i], ids[i], read.offsets[i]))
    read.timeline = places
    return places


def _follows(read: _Read, source: Source) -> bool:
    """Whether the messages read come after the chat's last one in its timeline."""
    places = _timeline(read)
    if not places or source.last_date == NO_DATE:
        return True
    first = places[0]
    return (read.dates[first], read.ids[first]) >= (source.last_date, source.last_id)


def _turns(read: _Read, source: Source | None) -> list[int | None]:
    """Each message's reply delay (None when it is no reply), its start of a conversation
    marked in its flags and both added to the tally (the module's notes)."""
    replies: list[int | None] = [None] * len(read.ids)
    before: int | None = None
    before_out = 0
    if source is not None and source.last_date != NO_DATE:
        before, before_out = source.last_date, source.last_out
    add = read.tally.add_turn
    for place in _timeline(read):
        date = read.dates[place]
        out = read.flags[place] & OUT_FLAG
        starts = before is None or date - before >= CONVERSATION_GAP
        reply = None
        if before is not None and not starts and bool(out) != bool(before_out):
            reply = date - before
        if starts:
            read.flags[place] |= STARTS_FLAG
        replies[place] = reply
        add(date, bool(out), starts, reply)
        before, before_out = date, out
    return replies
