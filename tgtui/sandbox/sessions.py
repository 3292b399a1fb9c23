"""Telethon sessions that point at a sandbox: blank (for a fresh login) or already signed in."""

from __future__ import annotations

from pathlib import Path

from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession, StringSession

from tgtui.private_files import create_private_file, session_file_path
from tgtui.sandbox.server import API_HASH, API_ID, DC_ID, SandboxServer
from tgtui.sandbox_mark import write_mark


def blank_session(server: SandboxServer) -> StringSession:
    """A session with only the sandbox's address: the client makes a key and logs in."""
    session = StringSession()
    session.set_dc(DC_ID, server.host, server.port)
    return session


def demo_session(server: SandboxServer) -> StringSession:
    """An in-memory session already signed in as the demo account."""
    session = blank_session(server)
    session.auth_key = AuthKey(server.demo_key)
    return session


def write_demo_session(server: SandboxServer, path: Path) -> Path:
    """Write a SQLite session file, signed in as the demo account, created 0600."""
    target = session_file_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    # Created 0600 before SQLite opens it: no world-readable window. The caller's folder is
    # left as it is (it may be shared, e.g. /tmp).
    create_private_file(target)
    session = SQLiteSession(str(target))
    try:
        session.set_dc(DC_ID, server.host, server.port)
        session.auth_key = AuthKey(server.demo_key)
        session.save()
    finally:
        session.close()
    # so a tgtui in another process trusts it, and needs no api_id of the user's for it
    write_mark(target, server.rsa_key.public_pem, (API_ID, API_HASH))
    return target
