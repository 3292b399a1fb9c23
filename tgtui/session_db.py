"""Reading a Telethon session file (SQLite) without changing it, even after a crash.

tgtui looks into a session before it connects (is it signed in? which sandbox marked it?)
with a read-only connection, so a file it only looks at is neither created nor changed. But
a process killed while it wrote the session (Telethon saves entities and the update state
as it goes; a power cut does the same) leaves a hot journal: the transaction half applied,
which SQLite rolls back at the next open, and a read-only connection cannot. It failed with
"attempt to write a readonly database" (SQLITE_READONLY_ROLLBACK), and `tgtui backup` refused
a session that was fine. `read_only` lets SQLite recover the file first, as Telethon's own
open would (a read-write connection that reads and closes), then reads it read-only.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def _rolled_back(exc: sqlite3.OperationalError) -> bool:
    """Whether ``exc`` is SQLite asking for a rollback a read-only connection cannot do."""
    name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
    return name == "SQLITE_READONLY_ROLLBACK" or "readonly database" in str(exc)


def read_only(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A read-only connection to the SQLite file at ``path`` (which must exist), after
    SQLite rolled back what a killed writer left half done, if anything."""
    uri = path.resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens and checks it
    except sqlite3.OperationalError as exc:
        db.close()
        if not _rolled_back(exc):
            raise
        with closing(sqlite3.connect(path, timeout=timeout)) as recovering:
            recovering.execute("SELECT count(*) FROM sqlite_master").fetchall()
        db = sqlite3.connect(uri, uri=True, timeout=timeout)
    except BaseException:
        db.close()
        raise
    return db
