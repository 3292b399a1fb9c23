"""Server-side records: auth keys, their sessions, and the request log tests assert on."""

from __future__ import annotations

import json
import os
import struct
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from tgtui.sandbox.crypto import auth_key_id
from tgtui.sandbox.world import HOME_DC


@dataclass
class SessionRecord:
    """One MTProto session (a client's session id) under an auth key."""

    session_id: int
    last_server_msg_id: int = 0
    content_sent: int = 0
    seen: deque[int] = field(default_factory=lambda: deque(maxlen=1024))
    highest_client_msg_id: int = 0
    no_updates: bool = False

    def next_msg_id(self, *, response: bool) -> int:
        """A new server msg_id: about now, strictly increasing, odd (1 mod 4 for answers)."""
        now = time.time()
        candidate = (int(now) << 32) | (int((now % 1) * 2**30) << 2)
        candidate = max(candidate, self.last_server_msg_id + 4)
        candidate = (candidate & ~3) | (1 if response else 3)
        self.last_server_msg_id = candidate
        return candidate

    def next_seq_no(self, *, content_related: bool) -> int:
        """Server seq_no: odd and counting for content-related messages, even otherwise."""
        if content_related:
            self.content_sent += 1
            return self.content_sent * 2 - 1
        return self.content_sent * 2


@dataclass
class AuthKeyRecord:
    """An auth key the server knows, and the account it is signed in to (if any)."""

    key: bytes
    user_id: int | None = None
    salt: int = field(default_factory=lambda: struct.unpack("<q", os.urandom(8))[0])
    layer: int | None = None
    sessions: dict[int, SessionRecord] = field(default_factory=dict)
    # Authorized by auth.importAuthorization: a connection to "another" DC, for files. The
    # account's updates are not pushed there (they go to its main connection).
    imported: bool = False
    # The DC the key was made on (keys are per DC): files living elsewhere answer
    # FILE_MIGRATE_X, a login elsewhere than the account's home PHONE_MIGRATE_X.
    dc: int = HOME_DC
    created: float = field(default_factory=time.time)  # when the key was made (unix time)

    @property
    def key_id(self) -> int:
        """The key's id as sent on the wire."""
        return auth_key_id(self.key)


class AuthStore:
    """Every auth key of this run, by key id."""

    def __init__(self) -> None:
        self._keys: dict[int, AuthKeyRecord] = {}

    def add(self, key: bytes, user_id: int | None = None, dc: int = HOME_DC) -> AuthKeyRecord:
        """Register a key of DC ``dc`` (made by an exchange there, or pre-seeded into a
        session file)."""
        record = AuthKeyRecord(key=key, user_id=user_id, dc=dc)
        self._keys[record.key_id] = record
        return record

    def get(self, key_id: int) -> AuthKeyRecord | None:
        """The record for a key id, if the server knows it."""
        return self._keys.get(key_id)

    def revoke_user(self, user_id: int) -> int:
        """Sign every key of ``user_id`` out (as "terminate all sessions" does). Returns count."""
        count = 0
        for record in self._keys.values():
            if record.user_id == user_id:
                record.user_id = None
                count += 1
        return count

    def __iter__(self) -> Iterator[AuthKeyRecord]:
        return iter(list(self._keys.values()))


@dataclass(frozen=True)
class LogEntry:
    """One answered request, for tests: what, when, for whom, and the outcome."""

    at: float  # time.monotonic() when the request arrived
    method: str  # e.g. "messages.getHistory"
    key_id: int
    request: Any  # the Telethon request object (innermost, wrappers removed)
    error: str | None  # rpc error message, or None on success
    takeout: bool = False
    msg_id: int = 0  # the client's msg_id: about when the client sent it, by its clock


class RequestLog:
    """Bounded log of answered requests, newest last."""

    def __init__(self, maxlen: int = 200_000) -> None:
        self.entries: deque[LogEntry] = deque(maxlen=maxlen)
        self.in_flight: dict[str, int] = {}  # requests of each method being answered now
        self.most_in_flight: dict[str, int] = {}  # the most at once (benchmarks, tests)
        # `tgtui sandbox --request-log FILE`: one JSON line per answered request (arrival
        # as wall-clock time, method, error), for benchmarks that time whole processes.
        self.trace: TextIO | None = None

    def started(self, method: str) -> None:
        """A request of ``method`` arrived (it is answered, and logged, later)."""
        now = self.in_flight[method] = self.in_flight.get(method, 0) + 1
        self.most_in_flight[method] = max(self.most_in_flight.get(method, 0), now)

    def answered(self, method: str) -> None:
        """A request of ``method`` was answered (or failed)."""
        self.in_flight[method] -= 1

    def add(self, entry: LogEntry) -> None:
        """Record one request (and trace it, when a trace file is set)."""
        self.entries.append(entry)
        if self.trace is not None:
            now = time.time()
            arrived = now - (time.monotonic() - entry.at)
            line = {
                "at": round(arrived, 6),
                "answered": round(now, 6),
                "method": entry.method,
                "error": entry.error,
            }
            self.trace.write(json.dumps(line) + "\n")

    def of(self, method: str) -> list[LogEntry]:
        """Entries for one method, oldest first."""
        return [e for e in self.entries if e.method == method]

    def clear(self) -> None:
        """Forget everything logged so far."""
        self.entries.clear()
        self.most_in_flight.clear()
