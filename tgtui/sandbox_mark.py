"""The mark `tgtui sandbox --session-out` leaves in a session file: the sandbox's RSA key,
and the api_id/api_hash the sandbox takes (so `tgtui backup --session FILE` works on it
without TGTUI_API_ID/TGTUI_API_HASH: a sandbox is not Telegram, it needs no app of yours).

A client trusts the sandbox's test key only for a sandbox its own process started, or for a
session file carrying this mark (written by the sandbox, 0600, on the user's disk) whose
server is on loopback. A bare loopback address is not enough: any local process could
listen there. Shared by the client and the sandbox, so neither imports the other.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tgtui.private_files import session_file_path
from tgtui.session_db import read_only

MARK_TABLE = "tgtui_sandbox"


def write_mark(session_file: Path, public_pem: str, api: tuple[int, str] | None = None) -> None:
    """Record the sandbox's public key (and the api_id/api_hash it takes) in a Telethon
    SQLite session file."""
    api_id, api_hash = api if api is not None else (None, None)
    with closing(sqlite3.connect(session_file)) as db, db:
        db.execute(f"DROP TABLE IF EXISTS {MARK_TABLE}")
        db.execute(
            f"CREATE TABLE {MARK_TABLE} (rsa_public_key TEXT NOT NULL, api_id INTEGER, "
            "api_hash TEXT)"
        )
        db.execute(f"INSERT INTO {MARK_TABLE} VALUES (?, ?, ?)", (public_pem, api_id, api_hash))


def _row(session_file: Path, columns: str) -> tuple[object, ...] | None:
    if not session_file.is_file():
        return None
    try:
        with closing(read_only(session_file)) as db:
            row = db.execute(f"SELECT {columns} FROM {MARK_TABLE}").fetchone()
    except sqlite3.Error:  # no mark, a mark of an older tgtui, or not a session at all
        return None
    return tuple(row) if row else None


def read_mark(session_file: Path) -> str | None:
    """The sandbox key a session file carries, None if it carries none (or is unreadable)."""
    row = _row(session_file, "rsa_public_key")
    return str(row[0]) if row and row[0] else None


def read_api(session_file: Path) -> tuple[int, str] | None:
    """The api_id and api_hash of the sandbox that marked this session (None: no mark, or
    one without them)."""
    row = _row(session_file, "api_id, api_hash")
    if row is None or type(row[0]) is not int or not isinstance(row[1], str) or not row[1]:
        return None
    return row[0], row[1]


def api_for(
    session: Path, api_id: int | None, api_hash: str | None
) -> tuple[int | None, str | None]:
    """The api_id/api_hash to use with a session the user named: theirs when they set them,
    else those of the sandbox that marked the session (if it is one)."""
    if api_id is not None and api_hash is not None:
        return api_id, api_hash
    return read_api(session_file_path(session)) or (api_id, api_hash)
