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
skipped, a file that cannot be read (a link, a FIFO...) is named in ``unread``. The lines
are added up by `tgtui.stats.scan`; with much to read and ``workers`` > 1, by worker
processes (spawned, a big chat cut in parts of `PART_BYTES` at any byte: each part starts at
the first line after its cut, and the parts put together in order are the file read whole),
while this process writes each chat read, in the order of the chats. Each chat is committed
with its `sources` row: an update cut short (Ctrl+C, the process killed) leaves the chats
done, whole, and the next update reads the others; a file that changed since it was looked
at is read again here, or by the next update.

Conversations (STATS.md): a message **starts a conversation** when it is its chat's first
or comes `CONVERSATION_GAP` or more after the message before it; it is a **reply** when the
message before it, less than `CONVERSATION_GAP` before, is from the other side (the account
and the others), and its delay is the time between them; they are counted for private chats
only (`PRIVATE_TYPES`: a chat that becomes one is read again). A chat's **runs** are its
stretches of messages with less than `SILENCE` between each and the next: a silence of
`SILENCE` or more is a gap between runs.
"""

from __future__ import annotations

import itertools
import operator
import os
import signal
import sqlite3
import stat
import time
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.archive.index_reading import HEAD_BYTES, Unread, open_source
from tgtui.format.safe_files import SIDE_FILE_MAX, looked_at
from tgtui.format.versions import DELETED, EDITS
from tgtui.lazylog import logger
from tgtui.stats.scan import (
    DELETED_FLAG,
    OUT_FLAG,
    SERVICE_FLAG,
    STARTS_FLAG,
    Part,
    forget_changes,
    scan_file,
)
from tgtui.stats.store import MSGS_CHUNK, PER_CHAT, fresh_store, open_store, stats_path
from tgtui.stats.tally import DAY, NO_DATE, Sender, merge_month, month_of

if TYPE_CHECKING:  # multiprocessing loads for a big build only, not for the figures
    from concurrent.futures import Future

PRIVATE_TYPES = ("personal_chat", "bot_chat")  # chats whose conversations are counted
CONVERSATION_GAP = 6 * 3600  # seconds of silence after which a message starts a conversation
SILENCE = 3600  # the shortest silence the statistics name
SETTLED_NS = 3_000_000_000  # a file's lstat younger than this is not kept (as the index does)
PARALLEL_BYTES = 24 << 20  # with less than this to read, no worker process is started
PART_BYTES = 16 << 20  # a worker's task: about this many bytes of lines (a chat cut if more)
__all__ = [
    "DELETED_FLAG",
    "OUT_FLAG",
    "PRIVATE_TYPES",
    "SERVICE_FLAG",
    "STARTS_FLAG",
    "StatsStore",
    "Updated",
]
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


# A piece of a file to read (`scan_file`): path, inode, from, to (None: the end), the
# folder of its edits and deletions (None: it has none).
Piece = tuple[str, int, int, int | None, str | None]


@dataclass
class _Job:
    """A chat to read: from ``start`` of its messages.jsonl as it was when looked at."""

    chat: ArchiveChat
    source: Source | None  # what was read of it before (None: read it whole)
    sides: str
    info: os.stat_result
    head: bytes
    start: int

    def piece(self, start: int, stop: int | None) -> Piece:
        """`scan_file`'s arguments for the lines of ``start`` to ``stop`` of the file."""
        changed = not self.sides.startswith("-|-")  # edits.jsonl or deleted.jsonl is there
        folder = str(self.chat.folder) if changed else None
        return str(self.chat.jsonl), self.info.st_ino, start, stop, folder


def default_workers() -> int:
    """The worker processes a big build reads with: one a core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops; its pool ends them
    logger.remove()  # never the terminal: the parent says what matters


def _scan_pieces(pieces: list[tuple[Piece, bool]]) -> list[Part | None]:
    """In a worker: each piece read (`scan_file`); None for one that could not be."""
    parts: list[Part | None] = []
    for (path, inode, start, stop, folder), aligned in pieces:
        try:
            parts.append(scan_file(path, inode, start, stop, folder, aligned))
        except OSError:  # read again by the parent, which says why
            parts.append(None)
    return parts


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

    def update(self, workers: int = 1) -> Updated:
        """Bring the aggregates up to date with every chat's files (the module's notes);
        with ``workers`` > 1 and much to read, its lines are read by that many worker
        processes (`default_workers`; not from a process that cannot start them, such as a
        running Textual app). Each chat is committed once added up: an update cut short
        leaves the chats done, and the next one reads the others."""
        done = Updated()
        try:
            self.unread = []
            self._update(done, workers)
        except sqlite3.DatabaseError as exc:
            logger.warning("{}: damaged ({}); building it again", self.path, exc)
            self.db.close()
            self.db = fresh_store(self.path, self.notes)
            done = Updated(rebuilt=True)
            self.unread = []
            self._update(done, workers)
        return done

    def _update(self, done: Updated, workers: int) -> None:
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
        jobs = []
        for chat in self.archive.chats:
            job = self._plan(chat, sources.get(chat.id))
            if job is not None:
                jobs.append(job)
        self.db.commit()
        try:
            for job, part in self._read_all(jobs, workers):
                added = self._finish(job, part)
                if added is not None:
                    done.chats += 1
                    done.messages += added
                self.db.commit()
        finally:
            forget_changes()

    def _drop(self, chat_id: int) -> None:
        for table in (*PER_CHAT, "sources"):
            self.db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))

    def _side(self, chat: ArchiveChat, name: str) -> str:
        """What edits.jsonl or deleted.jsonl is now, by its lstat ("-": not there; "!":
        not readable, named in ``unread``)."""
        path = chat.folder / name
        info, problem = looked_at(path, SIDE_FILE_MAX)
        if problem is None:
            return "-" if info is None else f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
        logger.warning("{}: not read ({})", path, problem)
        self.unread.append((chat.id, name, problem))
        return "!"

    def _plan(self, chat: ArchiveChat, source: Source | None) -> _Job | None:
        """What to read of one chat (None: nothing changed, or it cannot be read)."""
        sides = f"{self._side(chat, EDITS)}|{self._side(chat, DELETED)}"
        if chat.type in PRIVATE_TYPES:  # its conversations are counted: read again if not
            sides += "|private"
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
        return _Job(chat, source, sides, info, head, start)

    def _read_all(self, jobs: list[_Job], workers: int) -> Iterator[tuple[_Job, Part | None]]:
        """Each job with what was read of it (None: its file could not be read again), in
        order; by ``workers`` processes when there is much to read."""
        sizes = [max(0, job.info.st_size - job.start) for job in jobs]
        if workers <= 1 or sum(sizes) < PARALLEL_BYTES:
            for job in jobs:
                yield job, self._scan_here(job)
            return
        # Tasks: a big chat cut in parts of about PART_BYTES (each part starts at the first
        # line after its cut), small chats together; in the order of their first chat.
        tasks: list[tuple[int, list[tuple[int, tuple[Piece, bool]]]]] = []
        group: list[tuple[int, tuple[Piece, bool]]] = []
        held = 0
        for index, (job, size) in enumerate(zip(jobs, sizes, strict=True)):
            if size >= PART_BYTES:
                count = -(-size // PART_BYTES)
                for number in range(count):
                    low = job.start + size * number // count
                    high = job.start + size * (number + 1) // count if number + 1 < count else None
                    tasks.append((index, [(index, (job.piece(low, high), number == 0))]))
                continue
            group.append((index, (job.piece(job.start, None), True)))
            held += size
            if held >= PART_BYTES:
                tasks.append((group[0][0], group))
                group, held = [], 0
        if group:
            tasks.append((group[0][0], group))
        tasks.sort(key=lambda task: task[0])
        yield from self._read_in_workers(jobs, tasks, workers)

    def _read_in_workers(
        self,
        jobs: list[_Job],
        tasks: list[tuple[int, list[tuple[int, tuple[Piece, bool]]]]],
        workers: int,
    ) -> Iterator[tuple[_Job, Part | None]]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        pieces: dict[int, list[tuple[int, int]]] = {}  # job -> (task, place in it)
        last: dict[int, int] = {}  # task -> its last job
        for number, (_first, task) in enumerate(tasks):
            for place, (index, _piece) in enumerate(task):
                pieces.setdefault(index, []).append((number, place))
                last[number] = index
        pending = deque(enumerate(tasks))
        results: dict[int, list[Part | None]] = {}
        running: dict[Future[list[Part | None]], int] = {}
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(workers, context, _worker_init)
        broken = False
        try:

            def fill() -> None:
                while pending and len(running) < 2 * workers:
                    number, (_first, task) = pending.popleft()
                    running[pool.submit(_scan_pieces, [piece for _i, piece in task])] = number

            for index, job in enumerate(jobs):
                needed = pieces[index]
                while not broken and any(number not in results for number, _p in needed):
                    fill()
                    ready, _running = wait(running, return_when=FIRST_COMPLETED)
                    for future in ready:
                        number = running.pop(future)
                        try:
                            results[number] = future.result()
                        except BrokenProcessPool as exc:
                            if not broken:
                                logger.warning("a worker of the statistics stopped: {}", exc)
                            broken = True
                if broken:
                    yield job, self._scan_here(job)
                    continue
                fill()
                parts = [results[number][place] for number, place in needed]
                for number in [n for n in results if last[n] <= index]:
                    del results[number]
                read = [part for part in parts if part is not None]
                if len(read) < len(parts):  # moved or unreadable: looked at again here
                    yield job, self._scan_here(job)
                    continue
                for part in read[1:]:
                    read[0].extend(part)
                yield job, read[0]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _scan_here(self, job: _Job, start: int | None = None) -> Part | None:
        """What is new in a chat, read in this process (None if it cannot be read now)."""
        path, inode, begin, stop, folder = job.piece(job.start if start is None else start, None)
        try:
            return scan_file(path, inode, begin, stop, folder, True)
        except OSError as exc:
            logger.warning("{}: not read ({})", path, exc.strerror or exc)
            return None

    def _finish(self, job: _Job, read: Part | None) -> int | None:
        """Add what was read of a chat to its rows; the lines added (None: none read)."""
        chat, source, info = job.chat, job.source, job.info
        if read is None:  # replaced or gone since it was looked at: the next update reads it
            if source is not None:
                self._drop(chat.id)
            return None
        if source is not None and not _follows(read, source):
            self._drop(chat.id)  # older than what was read: its conversations change
            source = None
            read = self._scan_here(job, 0)
            if read is None:
                return None
        read_to = job.start if read.read_to is None else read.read_to
        self._write(chat, read, source)
        settled = time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > SETTLED_NS
        seen = _seen(info) if settled and info.st_size == read_to else ""
        last = self._last(read, source)
        self.db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chat.id,
                info.st_ino,
                job.head,
                read_to,
                seen,
                job.sides,
                *last,
                read.damaged + (source.damaged if source is not None else 0),
            ),
        )
        return len(read.ids) + read.damaged

    @staticmethod
    def _last(read: Part, source: Source | None) -> tuple[int, int, int]:
        """The chat's last message in its timeline: (date, id, out), NO_DATE if none."""
        places = _timeline(read)
        if places:
            last = places[-1]
            return read.dates[last], read.ids[last], int(bool(read.flags[last] & OUT_FLAG))
        if source is not None:
            return source.last_date, source.last_id, source.last_out
        return NO_DATE, 0, 0

    def _write(self, chat: ArchiveChat, read: Part, source: Source | None) -> None:
        """Add what was read to the chat's rows."""
        private = chat.type in PRIVATE_TYPES  # the only ones whose conversations count
        replies = _turns(read, source) if private else array("q", [-1]) * len(read.ids)
        self._runs(chat.id, read, source)
        self._msgs(chat.id, read, replies, source)
        db = self.db
        cid = chat.id
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

    def _msgs(self, chat_id: int, read: Part, replies: array[int], source: Source | None) -> None:
        """Each message's row in `msgs`, in chunks (the last one before filled up)."""
        columns = [read.dates, read.ids, read.offsets, array("B", read.flags), replies, read.topics]
        if source is not None and read.ids:
            row = self.db.execute(
                "SELECT start, dates, ids, offsets, flags, replies, topics FROM msgs "
                "WHERE chat_id = ? ORDER BY start DESC LIMIT 1",
                (chat_id,),
            ).fetchone()
            if row is not None and len(row[4]) < MSGS_CHUNK:
                self.db.execute(
                    "DELETE FROM msgs WHERE chat_id = ? AND start = ?", (chat_id, row[0])
                )
                before = [array(column.typecode) for column in columns]
                for column, blob in zip(before, row[1:], strict=True):
                    column.frombytes(blob)
                for column, new in zip(before, columns, strict=True):
                    column.extend(new)
                columns = before

        def chunks() -> Iterator[tuple[int | bytes, ...]]:  # made as written: little held
            dates = columns[0]
            for low in range(0, len(dates), MSGS_CHUNK):
                high = low + MSGS_CHUNK
                some = dates[low:high]
                blobs = (column[low:high].tobytes() for column in columns)
                yield chat_id, columns[2][low], min(some), max(some), len(some), *blobs

        self.db.executemany("INSERT INTO msgs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunks())

    def _runs(self, chat_id: int, read: Part, source: Source | None) -> None:
        """The chat's runs of messages, its last run carried on from what was read before."""
        carried: list[int] | None = None
        if source is not None:
            row = self.db.execute(
                "SELECT start, end FROM runs WHERE chat_id = ? ORDER BY start DESC LIMIT 1",
                (chat_id,),
            ).fetchone()
            carried = None if row is None else [row[0], row[1]]
        dates = _timeline_dates(read)
        runs: list[list[int]] = []
        if dates:
            # A run starts at the first message, and at each one SILENCE or more after the
            # one before it (in C: the timeline is in order of date).
            gaps = map(operator.sub, itertools.islice(dates, 1, None), dates)
            starts = [0, *itertools.compress(range(1, len(dates)), map(SILENCE.__le__, gaps))]
            ends = [place - 1 for place in starts[1:]]
            ends.append(len(dates) - 1)
            runs = [[dates[a], dates[b]] for a, b in zip(starts, ends, strict=True)]
            if carried is not None and runs[0][0] - carried[1] < SILENCE:
                carried[1] = runs.pop(0)[1]  # the last run read before goes on
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


_IN_TIMELINE = bytes(0 if flags & (DELETED_FLAG | SERVICE_FLAG) else 1 for flags in range(256))


def _timeline(read: Part) -> array[int]:
    """The places of the messages read that are in their chat's timeline (not deleted, not
    service messages), in order of date, id and line (the order of the lines, checked in C,
    unless the dates say otherwise)."""
    if read.timeline is not None:
        return read.timeline
    kept = read.flags.translate(_IN_TIMELINE)  # 1 for each message in it, else 0
    places = array("q", itertools.compress(range(len(kept)), kept))
    dates = array("q", itertools.compress(read.dates, kept))
    ids = array("q", itertools.compress(read.ids, kept))
    after = itertools.islice
    keys = zip(dates, ids, strict=True)
    later = zip(after(dates, 1, None), after(ids, 1, None), strict=True)
    if not all(map(operator.le, keys, later)):
        dates, ids, offsets = read.dates, read.ids, read.offsets
        places = array("q", sorted(places, key=lambda i: (dates[i], ids[i], offsets[i])))
    else:
        read.timeline_dates = dates
    read.timeline = places
    return places


def _timeline_dates(read: Part) -> array[int]:
    """The dates of the messages of `_timeline`, in its order."""
    places = _timeline(read)
    if read.timeline_dates is None:
        read.timeline_dates = array("q", map(read.dates.__getitem__, places))
    return read.timeline_dates


def _follows(read: Part, source: Source) -> bool:
    """Whether the messages read come after the chat's last one in its timeline."""
    places = _timeline(read)
    if not places or source.last_date == NO_DATE:
        return True
    first = places[0]
    return (read.dates[first], read.ids[first]) >= (source.last_date, source.last_id)


def _turns(read: Part, source: Source | None) -> array[int]:
    """Each message's reply delay (-1 when it is no reply), its start of a conversation
    marked in its flags and both added to the tally (the module's notes)."""
    replies = array("q", [-1]) * len(read.ids)
    before: int | None = None
    before_out = 0
    if source is not None and source.last_date != NO_DATE:
        before, before_out = source.last_date, source.last_out
    tally = read.tally
    starts_of, replies_of, days = tally.starts, tally.replies, tally._days
    dates, flags = read.dates, read.flags
    gap = CONVERSATION_GAP
    for place in _timeline(read):
        date = dates[place]
        out = flags[place] & OUT_FLAG
        month = days.get(date // DAY)
        if month is None:
            month = month_of(date, days)
        if before is None or date - before >= gap:
            flags[place] |= STARTS_FLAG
            starts_of[(month, 1 if out else 0)] += 1
        elif bool(out) != bool(before_out):
            replies[place] = reply = date - before
            replies_of[(month, 1 if out else 0, reply)] += 1
        before, before_out = date, out
    return replies
