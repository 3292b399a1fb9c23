"""What a backup's screens and progress lines read: each chat's row, the totals with their
rates and time left, and what failed with why. Plain data, changed by `BackupJob` only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tgtui.backup.checkpoint import CheckpointError, load_checkpoint
from tgtui.backup.engine import CANCELLED, STATE, chat_folder, chat_folders
from tgtui.backup.estimate import Estimate, Sample
from tgtui.backup.selection import ChatTarget

RowStatus = Literal["queued", "running", "waiting", "done", "partial", "skipped", "failed"]
RATE_WINDOW = 10.0  # seconds of history behind the rates


@dataclass
class ChatRow:
    """One chat of the backup, as the screen shows it."""

    target: ChatTarget
    status: RowStatus = "queued"
    done: int = 0  # messages on disk
    total: int | None = None  # messages in the chat (None: not known yet)
    new: int = 0  # written by this run
    media_done: int = 0  # files saved by this run
    media_total: int = 0  # files this run has to fetch (known once its media pass starts)
    media_failed: int = 0
    received: int = 0  # media bytes downloaded by this run
    media_bytes: int = 0  # bytes of the files this run has to fetch
    reason: str | None = None
    wait_until: float | None = None  # clock time a wait ends
    sample: Sample | None = None
    estimate: Estimate | None = None
    started: float | None = None  # clock time its backup began in this run
    # What earlier passes over the chat in this run counted (following brings a chat up to
    # date again and again; each pass's events count from 0): new and received add to them.
    new_before: int = 0
    received_before: int = 0
    repairs: tuple[str, ...] = ()  # damage on disk this run found, and what it did

    @property
    def chat_id(self) -> int:
        """The chat's peer id."""
        return self.target.chat_id

    @property
    def ended(self) -> bool:
        """Done, partial, skipped or failed."""
        return self.status in ("done", "partial", "skipped", "failed")


@dataclass(frozen=True)
class Totals:
    """The whole backup at one moment."""

    chats: int
    chats_ended: int
    done: int  # messages on disk
    total: int | None  # messages in every chat (None while some chat's count is unknown)
    new: int
    media_done: int
    media_failed: int
    received: int  # bytes
    message_rate: float  # messages per second, over the last few seconds
    byte_rate: float  # bytes per second, likewise
    eta: float | None  # seconds left, when it can be told

    @property
    def fraction(self) -> float | None:
        """How far the messages are, 0 to 1 (None while the total is unknown)."""
        if not self.total:
            return None if self.total is None else 1.0
        return min(1.0, self.done / self.total)


@dataclass(frozen=True)
class Failure:
    """Something the backup could not save."""

    chat_id: int
    chat: str
    what: str  # "chat" or "file of message N"
    reason: str


@dataclass
class Samples:
    """(time, messages, bytes) of the last few seconds, for rates."""

    points: deque[tuple[float, int, int]] = field(default_factory=deque)

    def add(self, now: float, messages: int, received: int) -> None:
        """Note the run's counts at ``now``; points older than the window go."""
        self.points.append((now, messages, received))
        while len(self.points) > 2 and self.points[0][0] < now - RATE_WINDOW:
            self.points.popleft()

    def rates(self, now: float) -> tuple[float, float]:
        """(messages, bytes) per second over the window."""
        if len(self.points) < 2:
            return 0.0, 0.0
        t0, m0, b0 = self.points[0]
        _, m1, b1 = self.points[-1]
        span = max(now - t0, 1e-3)
        return (m1 - m0) / span, (b1 - b0) / span


def totals_of(rows: Iterable[ChatRow], samples: Samples, now: float, *, running: bool) -> Totals:
    """Counts of ``rows``, the rates of ``samples`` and the time left, at ``now``."""
    rows = list(rows)
    known = [r.total for r in rows]
    total = None if any(t is None for t in known) else sum(t or 0 for t in known)
    done = sum(r.done for r in rows)
    message_rate, byte_rate = samples.rates(now) if running else (0.0, 0.0)
    eta: float | None = None
    if running and total is not None and message_rate > 0:
        eta = max(0, total - done) / message_rate
    return Totals(
        chats=len(rows),
        chats_ended=sum(1 for r in rows if r.ended),
        done=done,
        total=total,
        new=sum(r.new for r in rows),
        media_done=sum(r.media_done for r in rows),
        media_failed=sum(r.media_failed for r in rows),
        received=sum(r.received for r in rows),
        message_rate=message_rate,
        byte_rate=byte_rate,
        eta=eta,
    )


def chat_failed(row: ChatRow) -> bool:
    """The chat was skipped or failed (a cancelled one did not fail)."""
    return row.status in ("skipped", "failed") and row.reason != CANCELLED


def failures_of(rows: Iterable[ChatRow], out: Path) -> list[Failure]:
    """Chats of ``rows`` that were skipped or failed, and files that could not be saved, with
    why (the files' reasons are read from each chat's state.json in the backup ``out``)."""
    found: list[Failure] = []
    folders = chat_folders(out)
    for row in rows:
        name = row.target.name
        if chat_failed(row):
            found.append(Failure(row.chat_id, name, "chat", row.reason or "unknown"))
        if row.media_failed:
            folder = chat_folder(out, row.target, folders)
            try:
                checkpoint = load_checkpoint(folder / STATE, row.chat_id)
            except CheckpointError as exc:
                found.append(Failure(row.chat_id, name, "files", str(exc)))
                continue
            failed = checkpoint.media_failed if checkpoint is not None else {}
            for message_id, reason in sorted(failed.items(), key=lambda kv: int(kv[0])):
                found.append(Failure(row.chat_id, name, f"file of message {message_id}", reason))
    return found
