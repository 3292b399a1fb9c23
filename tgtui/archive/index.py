"""The full-text search index of a backup: SQLite FTS5 next to the data, never trusted over it.

`BACKUP/.index/search.sqlite` (0600 in a 0700 folder) holds, per message, its chat, id, date,
sender and searchable text (the text, a document's file name, a poll's question), tokenised
with case and accents folded (`coracao` finds `coração`). Each chat's JSONL stays the truth:

- `update` brings the index up to date: a chat whose file only grew since it was indexed is
  read from where the index stopped; a chat whose file was replaced, cut or changed is
  indexed again from the start; chats no longer in the backup are dropped.
- An index that is missing, of another version, or damaged is deleted and built again.

A build from nothing merges the chats by date as it reads them, so rows reach FTS5 in row id
order (several times faster for it than chat after chat); big backups are read and parsed by
two more processes (half of the chats each) while this one merges and inserts; nothing is
synced until the build is done (a build cut short leaves no sources, so the next update
starts it again).

A backup may come from a stranger, and its `.index` with it: links there are never followed
(a `.index` that is a link is replaced by a folder of tgtui's own; a database, journal or
WAL file that is a link, or has other names, is deleted and the index built again), and an
index made in another folder (copied with the backup) is built again here, never trusted.
Lines that are not message records (`tgtui.format.records.record_id`) are damaged lines:
not indexed, and counted (`damaged_count`) with the first few kept (`damaged`) so that a
search can say which.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import itertools
import multiprocessing
import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.format.jsonl import KEPT, DamagedLines
from tgtui.format.records import record_id, unixtime
from tgtui.format.safe_files import link_refused, open_lines, read_lines
from tgtui.format.versions import EDITS, load_changes
from tgtui.i18n import _
from tgtui.private_files import create_private_file, make_private_dir

INDEX_DIR = ".index"
INDEX_FILE = "search.sqlite"
INDEX_VERSION = "5"  # 5: damaged lines kept; bound to the folder it was made in
HEAD_BYTES = 4096  # a file whose first bytes changed was replaced: index it again
BATCH = 5_000
# A message's row id is its date in seconds, then a running count of indexed messages (24
# bits), so row order is date order: the newest matches come straight off the index, with no
# sorting, and a date range is a row id range.
DATE_SHIFT = 24
SEQUENCE_MASK = (1 << DATE_SHIFT) - 1
MERGE_FILES = 200  # chats merged at once in a fresh build (each an open file)
PARALLEL_BYTES = 32 * 1024 * 1024  # read by other processes from this much JSONL on
Doc = tuple[int, int, int, int, str, str]  # id, chat id, message id, date, sender, media
# Highlight marks in snippets: private-use characters, taken out of indexed text first.
MARK_ON, MARK_OFF = "\ue000", "\ue001"

DOCS_CHAT_INDEX = "CREATE INDEX IF NOT EXISTS docs_chat ON docs (chat_id, message_id)"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    chat_id INTEGER PRIMARY KEY, inode INTEGER NOT NULL, head BLOB NOT NULL,
    indexed_to INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edit_sources (chat_id INTEGER PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS damaged (
    chat_id INTEGER NOT NULL, offset INTEGER NOT NULL, PRIMARY KEY (chat_id, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS damaged_count (chat_id INTEGER PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,
    date INTEGER NOT NULL, sender TEXT NOT NULL, media TEXT NOT NULL
);
{DOCS_CHAT_INDEX};
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    text, tokenize = "unicode61 remove_diacritics 2", columnsize = 0
);
INSERT OR IGNORE INTO meta VALUES ('version', '{INDEX_VERSION}');
"""


def searchable(record: dict[str, Any]) -> str:
    """The words of a message that search finds: its text, file name and poll question."""
    text = record.get("text")
    words = text if isinstance(text, str) else ""
    if "file_name" in record or "title" in record or "poll" in record:  # most have none
        extra = [record.get("file_name"), record.get("title")]
        poll = record.get("poll")
        if isinstance(poll, dict):
            extra.append(poll.get("question"))
            answers = poll.get("answers")
            if isinstance(answers, list):
                extra.extend(a.get("text") for a in answers if isinstance(a, dict))
        more = [e for e in extra if isinstance(e, str) and e]
        if more:
            words = " ".join([words, *more])
    if MARK_ON in words or MARK_OFF in words:
        words = words.replace(MARK_ON, "").replace(MARK_OFF, "")
    return words


def _utf8(text: str) -> str:
    """``text`` as SQLite can store it: a lone surrogate becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _records(handle: Any, start: int) -> Iterator[tuple[int, int, dict[str, Any] | None]]:
    """(offset of the line, offset after it, record) of every whole line from ``start``;
    the record is None for a damaged line (`record_id`)."""
    handle.seek(start)
    for begin, end, line in read_lines(handle, start):
        if line is not None and line[-1] != 10:
            return  # a line still being written: the next update takes it
        parsed = None if line is None else record_id(line)
        yield begin, end, None if parsed is None else parsed[1]


def _dated(
    which: int, handle: Any, damaged: DamagedLines
) -> Iterator[tuple[int, int, int, dict[str, Any]]]:
    """(date, ``which``, offset after the line, record) of a chat's lines: for merging. The
    offsets of damaged lines go to ``damaged``."""
    for begin, end, record in _records(handle, 0):
        if record is None:
            damaged.add(begin)
            continue
        yield _date(record), which, end, record


def _date(record: dict[str, Any]) -> int:
    """The message's date in unix seconds (`tgtui.format.records.unixtime`), 0 if it has no
    usable one. Read for every line: the usual string of digits is taken straight."""
    text = record.get("date_unixtime")
    if type(text) is str and text.isdigit() and text.isascii() and len(text) < 12:
        return int(text)  # below 10^11 seconds: a row id (seconds << 24) fits 63 bits
    return unixtime(text) or 0


def _fields(record: dict[str, Any]) -> tuple[int, str, str, str]:
    """What the index keeps of a message: its id, sender, media type and searchable words
    (a field of another type than tgtui writes counts as absent)."""
    sender = record.get("from") or record.get("author") or ""
    media = record.get("media_type") or ""
    return (
        record["id"],
        sender if isinstance(sender, str) else "",
        media if isinstance(media, str) else "",
        searchable(record),
    )


def _row(chat_id: int, record: dict[str, Any], sequence: int) -> tuple[Doc, tuple[int, str]]:
    """A message's row in docs and in the text index."""
    date = _date(record)
    row_id = (date << DATE_SHIFT) | (sequence & SEQUENCE_MASK)
    message_id, sender, media, text = _fields(record)
    return (row_id, chat_id, message_id, date, sender, media), (row_id, text)


def _open_source(chat: ArchiveChat) -> Any:
    """The chat's JSONL opened for reading; None if there is none (or it is unusable)."""
    try:
        return open_lines(chat.jsonl, 1 << 20)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            logger.warning("{}: not indexed ({})", chat.jsonl, exc.strerror or exc)
        return None  # not backed up yet (or unreadable): nothing to search


def _size(chat: ArchiveChat) -> int:
    try:
        return chat.jsonl.stat().st_size
    except OSError:
        return 0


# A message as read, before it gets its row id: (date, chat's place in the group, offset after
# its line, message id, sender, media type, searchable text). Tuples sort by date first.
Keyed = tuple[int, int, int, int, str, str, str]
# (chat id, inode, head, offset read to, its damaged lines)
Sources = list[tuple[int, int, bytes, int, DamagedLines]]
Read = tuple[list[Keyed], Sources | None]  # a batch; the sources come with the last one


def _keyed(chats: list[tuple[int, ArchiveChat]]) -> Iterator[Read]:
    """The messages of ``chats`` (each with its place in the group) merged by date, in
    batches; then, last, where each file was read to."""
    with contextlib.ExitStack() as files:
        streams: list[Iterator[tuple[int, int, int, dict[str, Any]]]] = []
        sources: list[tuple[int, int, bytes, DamagedLines]] = []
        places: list[int] = []
        for place, chat in chats:
            handle = _open_source(chat)
            if handle is None:
                continue
            files.enter_context(handle)
            inode = os.fstat(handle.fileno()).st_ino
            damaged = DamagedLines()
            sources.append((chat.id, inode, handle.read(HEAD_BYTES), damaged))
            places.append(place)
            streams.append(_dated(place, handle, damaged))
        ends = dict.fromkeys(places, 0)
        batch: list[Keyed] = []
        for date, place, end, record in heapq.merge(*streams):
            batch.append((date, place, end, *_fields(record)))
            ends[place] = end
            if len(batch) >= BATCH:
                yield batch, None
                batch = []
    yield (
        batch,
        [(c, i, h, ends[p], d) for (c, i, h, d), p in zip(sources, places, strict=True)],
    )


def _read_in_child(chats: list[tuple[int, ArchiveChat]], answer: Connection) -> None:
    """In another process: `_keyed`, sent down ``answer``."""
    logger.remove()  # never the terminal; the parent logs what matters
    try:
        for item in _keyed(chats):
            answer.send(item)
    except OSError as exc:
        answer.send(str(exc))
    answer.close()


def _from_child(chats: list[tuple[int, ArchiveChat]]) -> Iterator[Read]:
    """`_keyed`, read and parsed by another process."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_read_in_child, args=(chats, theirs), daemon=True)
    child.start()
    theirs.close()
    try:
        while True:
            try:
                item = ours.recv()
            except EOFError:
                raise OSError("a reading process stopped before it finished") from None
            if isinstance(item, str):
                raise OSError(f"reading the backup for its index failed: {item}")
            yield item
            if item[1] is not None:  # the last batch
                return
    finally:
        ours.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()


def _split(chats: list[tuple[int, ArchiveChat]], parts: int) -> list[list[tuple[int, ArchiveChat]]]:
    """``chats`` in ``parts`` groups of about the same size on disk (biggest first)."""
    groups: list[list[tuple[int, ArchiveChat]]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for item in sorted(chats, key=lambda c: -_size(c[1])):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(item)
        sizes[smallest] += _size(item[1])
    return [g for g in groups if g]


@dataclass
class UpdateStats:
    """What an update did."""

    chats: int = 0  # chats read (wholly or from where they stopped)
    messages: int = 0  # messages added
    rebuilt: bool = False  # the index was built from nothing
    damaged: int = 0  # damaged lines in the chats indexed (not searchable)
    notes: list[str] = field(default_factory=list)  # what was wrong with the index itself


def _connect(path: Path) -> sqlite3.Connection:
    """The index database, its tables made. It can always be built again from the backup,
    so it trades durability for speed: WAL, no fsync per commit."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA trusted_schema = OFF")  # a stranger's index runs none of its SQL
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")  # 64 MiB
    db.executescript(SCHEMA)
    return db


class SearchIndex:
    """One backup's search index (a context manager: the SQLite connection)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.path = archive.folder / INDEX_DIR / INDEX_FILE
        self.notes: list[str] = []  # what was found wrong with the index, for the user
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        self._own_folder()
        if self._own_files():
            return self._fresh()
        with contextlib.suppress(FileExistsError):
            create_private_file(self.path)  # 0600 before SQLite writes a byte
        db: sqlite3.Connection | None = None
        try:
            db = _connect(self.path)
            row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if row is None or row[0] != INDEX_VERSION:
                raise sqlite3.DatabaseError(f"index version {row[0] if row else '?'}")
            self._check_made_here(db)
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            logger.warning("{}: unusable ({}); building it again", self.path, exc)
            return self._fresh()
        return db

    def _own_folder(self) -> None:
        """Make BACKUP/.index a folder of tgtui's own: a link there (which could lead the
        index, and its chmod, anywhere) is replaced by a real folder, never followed."""
        folder = self.path.parent
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISLNK(os.lstat(folder).st_mode):
                os.unlink(folder)  # the link only: what it points to is left alone
                logger.warning("{}: a link; replaced by a folder of tgtui's own", folder)
                message = _("{folder} was not used: {reason}; the index is built in a new folder")
                self.notes.append(message.format(folder=folder, reason=link_refused()))
        make_private_dir(folder)

    def _own_files(self) -> bool:
        """Delete the index's files that are not plain files of its own (a link, a second
        name of another file, a FIFO...): SQLite would follow or write through them.
        Whether any was deleted (the index is then built again)."""
        deleted = False
        for suffix in ("", "-journal", "-wal", "-shm"):
            path = Path(f"{self.path}{suffix}")
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
                continue
            if stat.S_ISDIR(info.st_mode):
                os.rmdir(path)  # OSError, said as it is, when something is in it
            else:
                os.unlink(path)
            logger.warning("{}: not a file of the index's own; deleted", path)
            message = _(
                "{file} was not used (a link, or not a plain file); the index is built again"
            )
            self.notes.append(message.format(file=path))
            deleted = True
        return deleted

    def _check_made_here(self, db: sqlite3.Connection) -> None:
        """DatabaseError if the index was made in another folder (copied with the backup:
        nothing in it is trusted); a new index is marked as made here."""
        here = str(os.lstat(self.path.parent).st_ino)
        row = db.execute("SELECT value FROM meta WHERE key = 'folder'").fetchone()
        if row is not None and row[0] == here:
            return
        if row is not None or db.execute("SELECT 1 FROM sources LIMIT 1").fetchone():
            raise sqlite3.DatabaseError("made in another folder (copied with the backup)")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('folder', ?)", (here,))
        db.commit()

    def rebuild(self) -> UpdateStats:
        """Throw the index away and build it again from the backup (after a damaged page
        showed up in a query: damage that opening the file did not show)."""
        logger.warning("{}: damaged; building it again", self.path)
        self.db.close()
        self.db = self._fresh()
        return self.update()

    def _fresh(self) -> sqlite3.Connection:
        self._own_files()
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")
        create_private_file(self.path)
        db = _connect(self.path)
        self._check_made_here(db)
        return db

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keeping it up to date ---------------------------------------------------------------

    def update(self) -> UpdateStats:
        """Bring the index up to date with every chat's JSONL (see the module's notes)."""
        stats = UpdateStats()
        try:
            self._update(stats)
        except sqlite3.DatabaseError as exc:
            logger.warning("{}: damaged ({}); building it again", self.path, exc)
            self.db.close()
            self.db = self._fresh()
            stats = UpdateStats(rebuilt=True)
            self._update(stats)
        stats.damaged = self.db.execute("SELECT total(count) FROM damaged_count").fetchone()[0]
        stats.notes = list(self.notes)
        return stats

    def _update(self, stats: UpdateStats) -> None:
        known = {chat.id for chat in self.archive.chats}
        fresh = not self.db.execute("SELECT 1 FROM sources").fetchone()
        stats.rebuilt = stats.rebuilt or fresh
        if fresh:
            self._build(stats)
            self.db.commit()
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the file, synced
            return
        for (chat_id,) in self.db.execute("SELECT chat_id FROM sources").fetchall():
            if chat_id not in known:
                self._drop(chat_id)
        for chat in self.archive.chats:
            added = self._update_chat(chat)
            if added is not None:
                stats.chats += 1
                stats.messages += added
            self._apply_edits(chat, again=bool(added))
        self.db.commit()

    def _apply_edits(self, chat: ArchiveChat, *, again: bool = False) -> None:
        """Make an edited message searchable by its latest words (edits.jsonl, small: read
        whole when it grew, or ``again`` after new messages, which a backup writes before
        the edits that name them)."""
        try:
            size = (chat.folder / EDITS).stat().st_size
        except OSError:
            size = 0
        row = self.db.execute(
            "SELECT size FROM edit_sources WHERE chat_id = ?", (chat.id,)
        ).fetchone()
        if not again and (row[0] if row else 0) == size:
            return
        for message_id, later in load_changes(chat.folder).versions.items():
            text = searchable(later[-1])
            try:
                self._set_text(chat.id, message_id, text)
            except UnicodeEncodeError:  # half a surrogate pair: see `_insert`
                self._set_text(chat.id, message_id, _utf8(text))
        self.db.execute("INSERT OR REPLACE INTO edit_sources VALUES (?, ?)", (chat.id, size))

    def _set_text(self, chat_id: int, message_id: int, text: str) -> None:
        self.db.execute(
            "UPDATE fts SET text = ? WHERE rowid IN "
            "(SELECT id FROM docs WHERE chat_id = ? AND message_id = ?)",
            (text, chat_id, message_id),
        )

    def _build(self, stats: UpdateStats) -> None:
        """Index every chat from nothing, in one transaction.

        FTS5 takes rows several times faster in row id order than chat after chat (row ids
        follow dates, and chats overlap in time), so the chats' messages are merged by date
        as they are read, a group of chats at a time (each an open file).
        """
        self.db.execute("DROP INDEX IF EXISTS docs_chat")  # made once at the end
        # Nothing is synced while building: a build cut short is thrown away and made again
        # (`update` finds no sources), and the finished one is synced once, below.
        self.db.execute("PRAGMA synchronous = OFF")
        chats = list(self.archive.chats)
        sequence = 0
        for first in range(0, len(chats), MERGE_FILES):
            sequence = self._build_group(chats[first : first + MERGE_FILES], sequence, stats)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('sequence', ?)", (str(sequence),))
        self.db.execute(DOCS_CHAT_INDEX)
        for chat in chats:
            self._apply_edits(chat, again=True)

    def _build_group(self, chats: list[ArchiveChat], sequence: int, stats: UpdateStats) -> int:
        """Index ``chats`` merged by date; the running count after them.

        With more than one core and a big group, the files are read and parsed by two more
        processes, each with half of the chats, while this one merges their messages and
        inserts them (SQLite works on its own core's share meanwhile).
        """
        placed = list(enumerate(chats))
        size = sum(_size(chat) for chat in chats)
        if size >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1:
            readers = [_from_child(part) for part in _split(placed, 2)]
        else:
            readers = [_keyed(placed)]
        sources: Sources = []

        def messages(reader: Iterator[Read]) -> Iterator[Keyed]:
            for batch, read_to in reader:
                yield from batch
                if read_to is not None:
                    sources.extend(read_to)

        streams = [messages(reader) for reader in readers]
        merged = heapq.merge(*streams) if len(streams) > 1 else streams[0]
        ids = [chat.id for chat in chats]
        shift = DATE_SHIFT
        while chunk := list(itertools.islice(merged, BATCH)):
            docs: list[Doc] = [
                ((date << shift) | (number & SEQUENCE_MASK), ids[place], message, date, who, media)
                for number, (date, place, _, message, who, media, _) in enumerate(
                    chunk, sequence + 1
                )
            ]
            texts = [(doc[0], row[6]) for doc, row in zip(docs, chunk, strict=True)]
            sequence += len(chunk)
            stats.messages += self._insert(docs, texts, fresh=sequence <= SEQUENCE_MASK)
        for chat_id, inode, head, end, damaged in sources:
            self.db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", (chat_id, inode, head, end)
            )
            self._note_damaged(chat_id, damaged)
        stats.chats += len(sources)
        return sequence

    def _drop(self, chat_id: int) -> None:
        self.db.execute(
            "DELETE FROM fts WHERE rowid IN (SELECT id FROM docs WHERE chat_id = ?)", (chat_id,)
        )
        self.db.execute("DELETE FROM docs WHERE chat_id = ?", (chat_id,))
        self.db.execute("DELETE FROM sources WHERE chat_id = ?", (chat_id,))
        self.db.execute("DELETE FROM edit_sources WHERE chat_id = ?", (chat_id,))
        self.db.execute("DELETE FROM damaged WHERE chat_id = ?", (chat_id,))
        self.db.execute("DELETE FROM damaged_count WHERE chat_id = ?", (chat_id,))

    def _note_damaged(self, chat_id: int, damaged: DamagedLines) -> None:
        """Count a chat's damaged lines and keep where the first are (a search names them)."""
        if not damaged.count:
            return
        logger.warning("{}: chat {}: {} damaged lines", self.path, chat_id, damaged.count)
        self.db.execute(
            "INSERT INTO damaged_count VALUES (?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET count = count + excluded.count",
            (chat_id, damaged.count),
        )
        (kept,) = self.db.execute(
            "SELECT count(*) FROM damaged WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        self.db.executemany(
            "INSERT OR IGNORE INTO damaged VALUES (?, ?)",
            [(chat_id, offset) for offset in damaged.first[: max(0, KEPT - kept)]],
        )

    def damaged_lines(
        self, chats: frozenset[int] | None = None
    ) -> tuple[int, list[tuple[int, int]]]:
        """How many damaged lines the chats indexed (or ``chats``) have, and (chat id, byte
        offset) of the first few of each chat, in order."""
        counts = self.db.execute("SELECT chat_id, count FROM damaged_count").fetchall()
        total = sum(count for chat_id, count in counts if chats is None or chat_id in chats)
        first = [
            (chat_id, offset)
            for chat_id, offset in self.db.execute(
                "SELECT chat_id, offset FROM damaged ORDER BY chat_id, offset"
            )
            if chats is None or chat_id in chats
        ]
        return total, first

    def _update_chat(self, chat: ArchiveChat) -> int | None:
        """Index what is new in one chat; None when nothing changed."""
        handle = _open_source(chat)
        if handle is None:
            return None
        with handle:
            info = os.fstat(handle.fileno())
            head = handle.read(HEAD_BYTES)
            row = self.db.execute(
                "SELECT inode, head, indexed_to FROM sources WHERE chat_id = ?", (chat.id,)
            ).fetchone()
            start = 0
            if row is not None:
                inode, old_head, indexed_to = row
                grown = info.st_size >= indexed_to and head[: len(old_head)] == old_head
                if inode == info.st_ino and grown:
                    if info.st_size == indexed_to:
                        return None
                    start = indexed_to
                else:
                    self._drop(chat.id)
            end, added = self._index(chat, handle, start)
        self.db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
            (chat.id, info.st_ino, head, end),
        )
        self.db.commit()
        return added

    def _index(self, chat: ArchiveChat, handle: Any, start: int) -> tuple[int, int]:
        """Add the records from ``start``; (offset indexed to, messages added)."""
        end, added = start, 0
        docs: list[Doc] = []
        texts: list[tuple[int, str]] = []
        row = self.db.execute("SELECT value FROM meta WHERE key = 'sequence'").fetchone()
        sequence = int(row[0]) if row else 0
        damaged = DamagedLines()
        for begin, end, record in _records(handle, start):  # noqa: B007 - end: the last
            if record is None:
                damaged.add(begin)
                continue
            sequence += 1
            doc, text = _row(chat.id, record, sequence)
            docs.append(doc)
            texts.append(text)
            if len(docs) >= BATCH:
                added += self._insert(docs, texts)
        added += self._insert(docs, texts)
        self._note_damaged(chat.id, damaged)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('sequence', ?)", (str(sequence),))
        return end, added

    def _used(self, row_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE id = ?", (row_id,)).fetchone() is not None

    def _insert(self, docs: list[Doc], texts: list[tuple[int, str]], *, fresh: bool = False) -> int:
        """Add rows; ``fresh``: built from nothing with a count that has not wrapped, so
        every row id is new and none needs looking up."""
        count = len(docs)
        if not count:
            return 0
        ids = [doc[0] for doc in docs]
        taken: set[int] = set()
        if not fresh:
            marks = ",".join("?" * count)
            query = f"SELECT id FROM docs WHERE id IN ({marks})"
            taken = {r for (r,) in self.db.execute(query, ids)}
        if taken or len(set(ids)) != count:
            # A row id already used: only after 16 million messages in one second (or with
            # no dates at all). The later message moves to the next free id.
            for i, (row_id, *rest) in enumerate(docs):
                while row_id in taken or self._used(row_id):
                    row_id += 1
                taken.add(row_id)
                docs[i] = (row_id, *rest)  # type: ignore[assignment]
                texts[i] = (row_id, texts[i][1])
        try:
            self._add(docs, texts)
        except UnicodeEncodeError:
            # Half a surrogate pair (a "\\ud800" escape in a stranger's line): SQLite takes
            # UTF-8 only. Rare: what of the batch went in is taken out (its row ids are its
            # own), and the batch is added again with such halves replaced.
            marks = ",".join("?" * count)
            ids = [doc[0] for doc in docs]
            self.db.execute(f"DELETE FROM fts WHERE rowid IN ({marks})", ids)
            self.db.execute(f"DELETE FROM docs WHERE id IN ({marks})", ids)
            docs[:] = [(*doc[:4], _utf8(doc[4]), _utf8(doc[5])) for doc in docs]
            texts[:] = [(row_id, _utf8(text)) for row_id, text in texts]
            self._add(docs, texts)
        docs.clear()
        texts.clear()
        return count

    def _add(self, docs: list[Doc], texts: list[tuple[int, str]]) -> None:
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", docs)
        self.db.executemany("INSERT INTO fts (rowid, text) VALUES (?, ?)", texts)
