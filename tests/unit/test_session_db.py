"""A session file a process was killed while writing (SIGKILL, a power cut) is read as it
was before that write: SQLite rolls the half-done transaction back, and the checks tgtui
makes before connecting no longer refuse it with "attempt to write a readonly database"
(a killed `tgtui backup` was refused by the next run: tests/flows/test_backup_cli.py found
it, killing runs at random moments)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tgtui.sandbox_mark import read_mark, write_mark
from tgtui.session_db import read_only
from tgtui.telegram.service import check_signed_in

KEY = b"k" * 256

# Writes more than its page cache holds (so pages reach the file before the commit), then
# says so and waits to be killed: a hot journal is left beside the file.
KILLED_WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA cache_size=1")
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE sessions SET auth_key = x'00'")
db.execute("UPDATE pad SET x = zeroblob(4001)")
print("writing", flush=True)
time.sleep(60)
"""


def _session(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE sessions (auth_key BLOB)")
        db.execute("INSERT INTO sessions VALUES (?)", (KEY,))
        db.execute("CREATE TABLE pad (x)")
        db.executemany("INSERT INTO pad VALUES (zeroblob(4000))", [()] * 300)
    db.close()
    write_mark(path, "-----BEGIN RSA PUBLIC KEY-----\nsandbox\n-----END RSA PUBLIC KEY-----\n")


def _killed_while_writing(path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == b"writing\n"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_session_killed_mid_write_is_read_as_it_was(tmp_path: Path) -> None:
    session = tmp_path / "account.session"
    _session(session)
    _killed_while_writing(session)
    assert (tmp_path / "account.session-journal").exists()  # the hot journal
    check_signed_in(session, "tgtui")  # no SessionFileError: it is signed in
    assert read_mark(session) == (
        "-----BEGIN RSA PUBLIC KEY-----\nsandbox\n-----END RSA PUBLIC KEY-----\n"
    )
    with closing(read_only(session)) as db:
        assert db.execute("SELECT auth_key FROM sessions").fetchall() == [(KEY,)]


def test_a_file_that_is_not_a_database_is_still_refused(tmp_path: Path) -> None:
    noise = tmp_path / "noise.session"
    noise.write_bytes(os.urandom(4096))
    with pytest.raises(sqlite3.DatabaseError):
        read_only(noise).execute("SELECT auth_key FROM sessions").fetchall()
