"""The statistics' aggregates file: `BACKUP/.index/stats.sqlite`, beside the search index.

It holds, per chat and UTC month, what the statistics add up (`tgtui.stats.tally`), each
message's date, id, where its line is, its place in the chat's conversations and its forum
topic (for the edges of a date range and a topic's figures: `msgs`, in chunks of
`MSGS_CHUNK` messages in the order of their lines, each an array of this machine's integers
(`MSGS_TYPES`), with the chunk's first and last dates), and
the chat's runs of messages (for the longest silence); `sources` says how far each chat's
files were read. It can always be built again from the backup, so it is opened as the
search index is (`tgtui.archive.index_file`): a link or a file of another kind in its
place is deleted, an aggregates file of another version, damaged, or made in another folder
is built again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tgtui.archive.index_file import INDEX_DIR, fresh_own_database, open_own_database

STATS_FILE = "stats.sqlite"
VERSION = "3"  # 2: each message's forum topic in msgs; 3: msgs in chunks of packed arrays
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    chat_id INTEGER PRIMARY KEY, inode INTEGER NOT NULL, head BLOB NOT NULL,
    read_to INTEGER NOT NULL, seen TEXT NOT NULL, sides TEXT NOT NULL,
    last_date INTEGER NOT NULL, last_id INTEGER NOT NULL, last_out INTEGER NOT NULL,
    damaged INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS months (
    chat_id INTEGER NOT NULL, month INTEGER NOT NULL, messages INTEGER NOT NULL,
    words INTEGER NOT NULL, links INTEGER NOT NULL, service INTEGER NOT NULL,
    deleted INTEGER NOT NULL, edited INTEGER NOT NULL, first_date INTEGER NOT NULL,
    first_id INTEGER NOT NULL, last_date INTEGER NOT NULL, last_id INTEGER NOT NULL,
    PRIMARY KEY (chat_id, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarters (
    chat_id INTEGER NOT NULL, quarter INTEGER NOT NULL, messages INTEGER NOT NULL,
    words INTEGER NOT NULL, PRIMARY KEY (chat_id, quarter)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS senders (
    chat_id INTEGER NOT NULL, month INTEGER NOT NULL, sender TEXT NOT NULL,
    count INTEGER NOT NULL, name TEXT NOT NULL, named_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, month, sender)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS media (
    chat_id INTEGER NOT NULL, month INTEGER NOT NULL, kind TEXT NOT NULL,
    count INTEGER NOT NULL, bytes INTEGER NOT NULL, seconds INTEGER NOT NULL,
    PRIMARY KEY (chat_id, month, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS terms (
    chat_id INTEGER NOT NULL, month INTEGER NOT NULL, kind TEXT NOT NULL,
    term TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (chat_id, month, kind, term)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS starts (
    chat_id INTEGER NOT NULL, month INTEGER NOT NULL, out INTEGER NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (chat_id, month, out)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replies (
    chat_id INTEGER NOT NULL, month INTEGER NOT NULL, out INTEGER NOT NULL,
    delay INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (chat_id, month, out, delay)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS msgs (
    chat_id INTEGER NOT NULL, start INTEGER NOT NULL, low INTEGER NOT NULL,
    high INTEGER NOT NULL, count INTEGER NOT NULL, dates BLOB NOT NULL, ids BLOB NOT NULL,
    offsets BLOB NOT NULL, flags BLOB NOT NULL, replies BLOB NOT NULL, topics BLOB NOT NULL,
    PRIMARY KEY (chat_id, start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    chat_id INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    PRIMARY KEY (chat_id, start)
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('version', '{VERSION}');
"""
MSGS_CHUNK = 4096  # messages in a chunk of `msgs`
MSGS_TYPES = "qqqBqq"  # its arrays' types: dates, ids, offsets, flags, replies, topics
PER_CHAT = ("months", "quarters", "senders", "media", "terms", "starts", "replies", "msgs", "runs")


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA trusted_schema = OFF")  # a stranger's file runs none of its SQL
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")  # 64 MiB
    db.executescript(SCHEMA)
    return db


def stats_path(folder: Path) -> Path:
    """Where a backup's aggregates file is."""
    return folder / INDEX_DIR / STATS_FILE


def fresh_store(path: Path, notes: list[str]) -> sqlite3.Connection:
    """An empty aggregates file at ``path``, its old files deleted."""
    return fresh_own_database(path, notes, _connect)


def open_store(path: Path, notes: list[str]) -> sqlite3.Connection:
    """The aggregates file at ``path`` as it is if it can be trusted, else made again."""
    return open_own_database(path, notes, _connect, VERSION, "stats")
