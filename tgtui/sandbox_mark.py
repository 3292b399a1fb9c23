"""The mark `tgtui sandbox --session-out` leaves in a session file: the sandbox's RSA key.

A client trusts the sandbox's test key only for a sandbox its own process started, or for a
session file carrying this mark (written by the sandbox, 0600, on the user's disk) whose
server is on loopback. A bare loopback address is not enough: any local process could
listen there. Shared by the client and the sandbox, so neither imports the other.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

MARK_TABLE = "tgtui_sandbox"


def write_mark(session_file: Path, public_pem: str) -> None:
    """Record the sandbox's public key in a Telethon SQLite session file."""
    with closing(sqlite3.connect(session_file)) as db, db:
        db.execute(f"CREATE TABLE IF NOT EXISTS {MARK_TABLE} (rsa_public_key TEXT NOT NULL)")
        db.execute(f"DELETE FROM {MARK_TABLE}")
        db.execute(f"INSERT INTO {MARK_TABLE} VALUES (?)", (public_pem,))


def read_mark(session_file: Path) -> str | None:
    """The sandbox key a session file carries, None if it carries none (or is unreadable)."""
    if not session_file.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"file:{session_file}?mode=ro", uri=True)) as db:
            row = db.execute(f"SELECT rsa_public_key FROM {MARK_TABLE}").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row and row[0] else None
