"""The full-text search index of a backup: SQLite FTS5 next to the data, never trusted over it.

`BACKUP/.index/search.sqlite` holds, per message, its chat, id, date, sender, forum topic,
where its line is in the chat's JSONL, and searchable text (the text, a document's file
name, a poll's question), tokenised with case and accents folded (`coracao` finds
`coração`). Each chat's JSONL stays the truth (what a search shows of a message is read
back from its line):

- `update` brings the index up to date: a chat whose file only grew since it was indexed is
  read from where the index stopped; a chat whose file was replaced, cut or changed is
  indexed again from the start; chats no longer in the backup are dropped. A chat's file
  whose `lstat` is what it was when the index last found it whole and indexed (device,
  inode, size, modification and change times, kept in ``source_stats``) is not opened: a
  search with a current index looks at each chat's files once (one `lstat` each).
- An index that is missing, of another version, or damaged is deleted and built again.
- A chat's file that cannot be read (messages.jsonl, edits.jsonl, deleted.jsonl: a FIFO, a
  link, a device planted there) is named in `unread` after each update, for the user.

A build from nothing merges the chats by date as it reads them, so rows reach FTS5 in row id
order (several times faster for it than chat after chat); big backups are read and parsed by
two more processes (half of the chats each) while this one merges and inserts; nothing is
synced until the build is done (a build cut short leaves no sources, so the next update
starts it again).

In three modules: this one keeps the index up to date and answers what it holds;
`tgtui.archive.index_reading` reads the chats (what is kept of a message, damaged lines,
the merge by date, the other processes); `tgtui.archive.index_file` opens the database
safely in a folder that may come from a stranger (links never followed, an index made
elsewhere never trusted).

Over 400 lines on purpose: the schema, updates and queries share one SQLite connection
and its transactions; reading the chats' files is in index_reading.py and index_file.py.
"""

from __future__ import annotations

import heapq
import itertools
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.archive.index_file import DOCS_CHAT_INDEX, INDEX_DIR, INDEX_FILE, fresh_index, open_index
from tgtui.archive.index_reading import (
    BATCH,
    HEAD_BYTES,
    MARK_OFF,
    MARK_ON,
    Keyed,
    Read,
    Sources,
    Unread,
    jsonl_size,
    message_date,
    message_fields,
    open_source,
    read_merged,
    read_merged_elsewhere,
    records_from,
    searchable,
    split_by_size,
    sqlite_text,
)
from tgtui.format.jsonl import KEPT, DamagedLines
from tgtui.format.safe_files import SIDE_FILE_MAX, looked_at
from tgtui.format.versions import DELETED, EDITS, load_changes
from tgtui.i18n import _
from tgtui.lazylog import logger

__all__ = [  # what the search and the tests use, wherever it is defined
    "DATE_SHIFT",
    "INDEX_DIR",
    "INDEX_FILE",
    "MARK_OFF",
    "MARK_ON",
    "PARALLEL_BYTES",
    "SearchIndex",
    "UpdateStats",
    "searchable",
]

# A message's row id is its date in seconds, then a running count of indexed messages (24
# bits), so row order is date order: the newest matches come straight off the index, with no
# sorting, and a date range is a row id range.
DATE_SHIFT = 24
SEQUENCE_MASK = (1 << DATE_SHIFT) - 1
MERGE_FILES = 200  # chats merged at once in a fresh build (each an open file)
PARALLEL_BYTES = 32 * 1024 * 1024  # read by other processes from this much JSONL on
# A file's lstat younger than this is not kept as its state (`_keep_seen`): a change
# made within the same tick of the file system's clock as the last one would keep it.
SETTLED_NS = 3_000_000_000
# id, chat id, message id, date, sender, media, offset of its line in the chat's JSONL, its
# forum topic (0: none)
Doc = tuple[int, int, int, int, str, str, int, int]
# What `source_stats` keeps of a chat's JSONL: device, inode, size, mtime and ctime (ns).
Seen = tuple[int, int, int, int, int]


def _seen(info: os.stat_result) -> Seen:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _row(
    chat_id: int, record: dict[str, Any], sequence: int, offset: int
) -> tuple[Doc, tuple[int, str]]:
    """A message's row in docs and in the text index."""
    date = message_date(record)
    row_id = (date << DATE_SHIFT) | (sequence & SEQUENCE_MASK)
    message_id, sender, media, text, topic = message_fields(record)
    return (row_id, chat_id, message_id, date, sender, media, offset, topic), (row_id, text)


def unread_note(chat: ArchiveChat, file: str, reason: str) -> str:
    """A chat's file that was not read, said for the user."""
    return _("{chat}: {file} is not read: {reason}").format(
        chat=chat.name or chat.id, file=file, reason=reason
    )


@dataclass
class UpdateStats:
    """What an update did."""

    chats: int = 0  # chats read (wholly or from where they stopped)
    messages: int = 0  # messages added
    rebuilt: bool = False  # the index was built from nothing
    damaged: int = 0  # damaged lines in the chats indexed (not searchable)
    notes: list[str] = field(default_factory=list)  # what was wrong with the index itself
    unread: list[str] = field(default_factory=list)  # the chats' files not read, and why


class SearchIndex:
    """One backup's search index (a context manager: the SQLite connection)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.path = archive.folder / INDEX_DIR / INDEX_FILE
        self.notes: list[str] = []  # what was found wrong with the index, for the user
        # The chats' files the last update could not read: (chat id, file, why).
        self.unread: list[Unread] = []
        self.db = open_index(self.path, self.notes)

    def rebuild(self) -> UpdateStats:
        """Throw the index away and build it again from the backup (after a damaged page
        showed up in a query: damage that opening the file did not show)."""
        logger.warning("{}: damaged; building it again", self.path)
        self.db.close()
        self.db = fresh_index(self.path, self.notes)
        return self.update()

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
            self.unread = []
            self._update(stats)
        except sqlite3.DatabaseError as exc:
            logger.warning("{}: damaged ({}); building it again", self.path, exc)
            self.db.close()
            self.db = fresh_index(self.path, self.notes)
            stats = UpdateStats(rebuilt=True)
            self.unread = []
            self._update(stats)
        stats.damaged = self.db.execute("SELECT total(count) FROM damaged_count").fetchone()[0]
        stats.notes = list(self.notes)
        stats.unread = self.unread_notes()
        return stats

    def unread_notes(self, chats: frozenset[int] | None = None) -> list[str]:
        """The files of the chats (or of ``chats``) the last update could not read, each
        named with its chat and why, in the backup's order."""
        by_id = {chat.id: chat for chat in self.archive.chats}
        return [
            unread_note(by_id[chat_id], file, reason)
            for chat_id, file, reason in self.unread
            if chat_id in by_id and (chats is None or chat_id in chats)
        ]

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
        indexed = {
            chat_id: (inode, indexed_to)
            for chat_id, inode, indexed_to in self.db.execute(
                "SELECT chat_id, inode, indexed_to FROM sources"
            )
        }
        seen: dict[int, Seen] = {
            chat_id: tuple(rest)
            for chat_id, *rest in self.db.execute(
                "SELECT chat_id, device, inode, size, mtime_ns, ctime_ns FROM source_stats"
            )
        }
        edit_sizes = dict(self.db.execute("SELECT chat_id, size FROM edit_sources").fetchall())
        for chat_id in indexed:
            if chat_id not in known:
                self._drop(chat_id)
        for chat in self.archive.chats:
            added = None
            kept = seen.get(chat.id)
            edits_read: int | None = edit_sizes.get(chat.id, 0)
            if not self._unchanged(chat, indexed.get(chat.id), kept):
                added = self._update_chat(chat, kept)
                edits_read = None  # looked up again: the chat may have been dropped
            if added is not None:
                stats.chats += 1
                stats.messages += added
            self._apply_edits(chat, again=bool(added), indexed_size=edits_read)
        self.db.commit()

    @staticmethod
    def _unchanged(chat: ArchiveChat, source: tuple[int, int] | None, seen: Seen | None) -> bool:
        """Whether the chat's JSONL is, by its `lstat`, the file the index last found whole
        and indexed to its end (nothing to open, nothing to read); else `_update_chat`
        looks at it."""
        if source is None or seen is None:
            return False
        try:
            info = os.lstat(chat.jsonl)
        except OSError:
            return False
        inode, indexed_to = source
        return (
            stat.S_ISREG(info.st_mode)
            and _seen(info) == seen
            and info.st_ino == inode
            and info.st_size == indexed_to
        )

    def _side_file(self, chat: ArchiveChat, name: str) -> int | None:
        """The size of a chat's edits.jsonl or deleted.jsonl (0 when it is not there), or
        None when it cannot be read: then it is named in `unread`. Looked at on every update
        (one `lstat`, as `tgtui.format.safe_files.file_problem` looks), without opening it."""
        path = chat.folder / name
        info, problem = looked_at(path, SIDE_FILE_MAX)
        if problem is None:
            return 0 if info is None else info.st_size
        logger.warning("{}: not read ({})", path, problem)
        self.unread.append((chat.id, name, problem))
        return None

    def _apply_edits(
        self, chat: ArchiveChat, *, again: bool = False, indexed_size: int | None = None
    ) -> None:
        """Make an edited message searchable by its latest words (edits.jsonl, small: read
        whole when it grew, or ``again`` after new messages, which a backup writes before
        the edits that name them). A chat's edits.jsonl or deleted.jsonl that cannot be
        read is named in `unread`. ``indexed_size``: the size of edits.jsonl the index
        last read, when the caller has it (else it is looked up)."""
        size = self._side_file(chat, EDITS)
        self._side_file(chat, DELETED)  # not searched, but the chat is not whole without it
        if size is None:
            return
        if indexed_size is None:
            row = self.db.execute(
                "SELECT size FROM edit_sources WHERE chat_id = ?", (chat.id,)
            ).fetchone()
            indexed_size = row[0] if row else 0
        if not again and indexed_size == size:
            return
        changes = load_changes(chat.folder)
        for message_id, later in changes.versions.items():
            text = searchable(later[-1])
            try:
                self._set_text(chat.id, message_id, text)
            except UnicodeEncodeError:  # half a surrogate pair: see `_insert`
                self._set_text(chat.id, message_id, sqlite_text(text))
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
        size = sum(jsonl_size(chat) for chat in chats)
        if size >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1:
            readers = [read_merged_elsewhere(part) for part in split_by_size(placed, 2)]
        else:
            readers = [read_merged(placed)]
        sources: Sources = []

        def messages(reader: Iterator[Read]) -> Iterator[Keyed]:
            for batch, last in reader:
                yield from batch
                if last is not None:
                    sources.extend(last[0])
                    self.unread.extend(last[1])

        streams = [messages(reader) for reader in readers]
        merged = heapq.merge(*streams) if len(streams) > 1 else streams[0]
        ids = [chat.id for chat in chats]
        shift = DATE_SHIFT
        while chunk := list(itertools.islice(merged, BATCH)):
            docs: list[Doc] = [
                (
                    (date << shift) | (number & SEQUENCE_MASK),
                    ids[place],
                    message,
                    date,
                    who,
                    media,
                    begin,
                    topic,
                )
                for number, (date, place, _, begin, message, who, media, _, topic) in enumerate(
                    chunk, sequence + 1
                )
            ]
            texts = [(doc[0], row[7]) for doc, row in zip(docs, chunk, strict=True)]
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
        self.db.execute("DELETE FROM source_stats WHERE chat_id = ?", (chat_id,))
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

    def _update_chat(self, chat: ArchiveChat, kept: Seen | None = None) -> int | None:
        """Index what is new in one chat; None when nothing changed. ``kept``: the state of
        its JSONL that `source_stats` holds."""
        handle = open_source(chat, self.unread)
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
                        if self._keep_seen(chat.id, info, indexed_to, kept):
                            self.db.commit()
                        return None
                    start = indexed_to
                else:
                    self._drop(chat.id)
                    kept = None
            end, added = self._index(chat, handle, start)
        self.db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
            (chat.id, info.st_ino, head, end),
        )
        self._keep_seen(chat.id, info, end, kept)
        self.db.commit()
        return added

    def _keep_seen(
        self, chat_id: int, info: os.stat_result, indexed_to: int, kept: Seen | None
    ) -> bool:
        """Keep the state of the chat's JSONL (``info``: its `fstat` when it was opened) in
        `source_stats` when the index holds all of it, for `_unchanged`; else forget the one
        ``kept``. Never a state younger than `SETTLED_NS`: a change within the same tick of
        the file system's clock, at the same size, would leave it the same. Whether
        anything was written."""
        settled = time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > SETTLED_NS
        now = _seen(info) if settled and info.st_size == indexed_to else None
        if now == kept:
            return False
        if now is None:
            self.db.execute("DELETE FROM source_stats WHERE chat_id = ?", (chat_id,))
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO source_stats VALUES (?, ?, ?, ?, ?, ?)", (chat_id, *now)
            )
        return True

    def _index(self, chat: ArchiveChat, handle: Any, start: int) -> tuple[int, int]:
        """Add the records from ``start``; (offset indexed to, messages added)."""
        end, added = start, 0
        docs: list[Doc] = []
        texts: list[tuple[int, str]] = []
        row = self.db.execute("SELECT value FROM meta WHERE key = 'sequence'").fetchone()
        sequence = int(row[0]) if row else 0
        damaged = DamagedLines()
        for begin, end, record in records_from(handle, start):  # noqa: B007 - end: the last
            if record is None:
                damaged.add(begin)
                continue
            sequence += 1
            doc, text = _row(chat.id, record, sequence, begin)
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
            docs[:] = [
                (*doc[:4], sqlite_text(doc[4]), sqlite_text(doc[5]), doc[6], doc[7]) for doc in docs
            ]
            texts[:] = [(row_id, sqlite_text(text)) for row_id, text in texts]
            self._add(docs, texts)
        docs.clear()
        texts.clear()
        return count

    def _add(self, docs: list[Doc], texts: list[tuple[int, str]]) -> None:
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", docs)
        self.db.executemany("INSERT INTO fts (rowid, text) VALUES (?, ?)", texts)
