"""The search index's database file: its tables, and opening it safely in a backup folder
that may come from a stranger.

`BACKUP/.index/search.sqlite` (0600 in a 0700 folder). Links there are never followed: a
`.index` that is a link is replaced by a folder of tgtui's own; a database, journal or WAL
file that is a link, or has other names, is deleted and the index built again. An index of
another version, damaged, or made in another folder (copied with the backup) is deleted and
built again here, never trusted. What was found wrong goes to the caller's ``notes``, for
the user.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from tgtui.format.safe_files import link_refused
from tgtui.i18n import _
from tgtui.lazylog import logger
from tgtui.private_files import create_private_file, make_private_dir

INDEX_DIR = ".index"
INDEX_FILE = "search.sqlite"
INDEX_VERSION = "7"  # 7: each message's forum topic; 6: where its line is; 5: damaged lines kept
DOCS_CHAT_INDEX = "CREATE INDEX IF NOT EXISTS docs_chat ON docs (chat_id, message_id)"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    chat_id INTEGER PRIMARY KEY, inode INTEGER NOT NULL, head BLOB NOT NULL,
    indexed_to INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edit_sources (chat_id INTEGER PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS source_stats (
    chat_id INTEGER PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS damaged (
    chat_id INTEGER NOT NULL, offset INTEGER NOT NULL, PRIMARY KEY (chat_id, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS damaged_count (chat_id INTEGER PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,
    date INTEGER NOT NULL, sender TEXT NOT NULL, media TEXT NOT NULL, offset INTEGER NOT NULL,
    topic INTEGER NOT NULL
);
{DOCS_CHAT_INDEX};
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    text, tokenize = "unicode61 remove_diacritics 2", columnsize = 0
);
INSERT OR IGNORE INTO meta VALUES ('version', '{INDEX_VERSION}');
"""


def connect(path: Path) -> sqlite3.Connection:
    """The index database, its tables made. It can always be built again from the backup,
    so it trades durability for speed: WAL, no fsync per commit."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA trusted_schema = OFF")  # a stranger's index runs none of its SQL
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")  # 64 MiB
    db.executescript(SCHEMA)
    return db


Connect = Callable[[Path], sqlite3.Connection]


def open_index(path: Path, notes: list[str]) -> sqlite3.Connection:
    """The index at ``path``, as it is if it can be trusted, else made again (empty)."""
    return open_own_database(path, notes, connect, INDEX_VERSION, "index")


def fresh_index(path: Path, notes: list[str]) -> sqlite3.Connection:
    """An empty index at ``path``, its old files deleted."""
    return fresh_own_database(path, notes, connect)


def open_own_database(
    path: Path, notes: list[str], connect: Connect, version: str, what: str
) -> sqlite3.Connection:
    """A database tgtui keeps in BACKUP/.index (the search index, the statistics) at
    ``path``, as it is if it can be trusted (its folder and files tgtui's own, its
    ``version``, made here), else made again (empty) with ``connect``."""
    _own_folder(path, notes)
    if _own_files(path, notes):
        return fresh_own_database(path, notes, connect)
    with contextlib.suppress(FileExistsError):
        create_private_file(path)  # 0600 before SQLite writes a byte
    db: sqlite3.Connection | None = None
    try:
        db = connect(path)
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if row is None or row[0] != version:
            raise sqlite3.DatabaseError(f"{what} version {row[0] if row else '?'}")
        _check_made_here(db, path)
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        logger.warning("{}: unusable ({}); building it again", path, exc)
        return fresh_own_database(path, notes, connect)
    return db


def fresh_own_database(path: Path, notes: list[str], connect: Connect) -> sqlite3.Connection:
    """An empty database of tgtui's own at ``path`` (`open_own_database`), its old files
    deleted."""
    _own_files(path, notes)
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    create_private_file(path)
    db = connect(path)
    _check_made_here(db, path)
    return db


def _own_folder(path: Path, notes: list[str]) -> None:
    """Make BACKUP/.index a folder of tgtui's own: a link there (which could lead the
    index, and its chmod, anywhere) is replaced by a real folder, never followed."""
    folder = path.parent
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISLNK(os.lstat(folder).st_mode):
            os.unlink(folder)  # the link only: what it points to is left alone
            logger.warning("{}: a link; replaced by a folder of tgtui's own", folder)
            message = _("{folder} was not used: {reason}; the index is built in a new folder")
            notes.append(message.format(folder=folder, reason=link_refused()))
    make_private_dir(folder)


def _own_files(path: Path, notes: list[str]) -> bool:
    """Delete the index's files that are not plain files of its own (a link, a second
    name of another file, a FIFO...): SQLite would follow or write through them.
    Whether any was deleted (the index is then built again)."""
    deleted = False
    for suffix in ("", "-journal", "-wal", "-shm"):
        file = Path(f"{path}{suffix}")
        try:
            info = os.lstat(file)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
            continue
        if stat.S_ISDIR(info.st_mode):
            os.rmdir(file)  # OSError, said as it is, when something is in it
        else:
            os.unlink(file)
        logger.warning("{}: not a file of the index's own; deleted", file)
        message = _("{file} was not used (a link, or not a plain file); the index is built again")
        notes.append(message.format(file=file))
        deleted = True
    return deleted


def _check_made_here(db: sqlite3.Connection, path: Path) -> None:
    """DatabaseError if the index was made in another folder (copied with the backup:
    nothing in it is trusted); a new index is marked as made here."""
    here = str(os.lstat(path.parent).st_ino)
    row = db.execute("SELECT value FROM meta WHERE key = 'folder'").fetchone()
    if row is not None and row[0] == here:
        return
    if row is not None or db.execute("SELECT 1 FROM sources LIMIT 1").fetchone():
        raise sqlite3.DatabaseError("made in another folder (copied with the backup)")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('folder', ?)", (here,))
    db.commit()
