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


MESSAGE_WEIGHT = 4_000
"""How many bytes of files one message weighs in a chat's and the backup's progress: about as
long to fetch (a hundred messages a request, a few requests a second, against files at a
megabyte or so a second). Progress and time left count messages and bytes together, so a
backup whose messages are all saved is not "100 %" while its files still come down."""


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
    media_started: bool = False  # this pass's media pass has begun: its files are known
    files_wanted: bool = True  # the run saves files (else its bytes are none)
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

    @property
    def bytes_total(self) -> int | None:
        """Bytes of files this run fetches for the chat: what its media pass said, else
        what the estimate expects (None: not known yet)."""
        if self.ended or not self.files_wanted:
            return self.received
        if self.media_started:
            # A file not saved yet is not done, even with its last byte in: a byte to go.
            pending = self.media_done + self.media_failed < self.media_total
            return max(self.received + pending, self.received_before + self.media_bytes)
        if self.estimate is not None:
            return self.received + self.estimate.media_bytes
        return None

    @property
    def files_total(self) -> int | None:
        """Files this run fetches for the chat, likewise (None: not known yet)."""
        if self.ended or not self.files_wanted:
            return self.media_done
        if self.media_started:
            return self.media_total
        if self.estimate is not None:
            return self.estimate.media_files
        return None

    def work(self) -> tuple[float, float | None]:
        """(done, all) of the chat's work, messages weighed with their files' bytes (all:
        None while the messages or the files of the chat are not known yet)."""
        saved, total = self.done, self.total
        if self.estimate is not None:  # before the chat starts: what its estimate says
            if self.started is None:
                saved = max(saved, self.estimate.on_disk)
            if total is None:
                total = self.estimate.messages
        done = saved * MESSAGE_WEIGHT + self.received
        if self.ended:
            return done, done
        size = self.bytes_total
        if total is None or size is None:
            return done, None
        return done, max(done, max(total, saved) * MESSAGE_WEIGHT + size)

    def fraction(self) -> float | None:
        """How far the chat is, messages and files together, 0 to 1 (None: not known); 1
        only once it has ended."""
        done, total = self.work()
        if total is None:
            return None
        if self.ended or total <= 0:
            return 1.0
        return min(done / total, ALMOST)

    def eta(self, now: float) -> float | None:
        """Seconds left for the chat at the pace it has kept since it started (None: not
        known, or not running)."""
        done, total = self.work()
        if self.ended or self.started is None or total is None:
            return None
        moved = self.new * MESSAGE_WEIGHT + self.received
        elapsed = now - self.started
        if moved <= 0 or elapsed <= 0:
            return None
        return max(0.0, total - done) / (moved / elapsed)


ALMOST = 0.999  # the most a fraction shows while anything is left: never "100 %" early


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
    eta: float | None  # seconds left, messages and files, when it can be told
    files_total: int | None = None  # files this run fetches (None: not known yet)
    bytes_total: int | None = None  # their bytes (None: not known yet)
    work_done: float = 0.0  # messages and bytes together (`MESSAGE_WEIGHT`)
    work_total: float | None = None
    guessed: bool = False  # the files' figures are partly estimates

    @property
    def fraction(self) -> float | None:
        """How far the backup is, messages and files together, 0 to 1 (None while a total
        is unknown); 1 only once nothing is left."""
        if self.work_total is None:
            return None
        if self.work_total <= 0:
            return 1.0
        if self.work_done >= self.work_total:
            return 1.0
        return min(self.work_done / self.work_total, ALMOST)

    @property
    def message_fraction(self) -> float | None:
        """How far the messages alone are, 0 to 1 (None while the total is unknown)."""
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
    first: tuple[float, int, int] | None = None  # the run's first point, for its average

    def add(self, now: float, messages: int, received: int) -> None:
        """Note the run's counts at ``now``; points older than the window go."""
        if self.first is None:
            self.first = (now, messages, received)
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

    def work_rate(self, now: float) -> float:
        """Work (`MESSAGE_WEIGHT`) per second over the window; when nothing moved in it (a
        long wait, a slow part of a big file), over the whole run so far."""
        messages, received = self.rates(now)
        rate = messages * MESSAGE_WEIGHT + received
        if rate > 0 or self.first is None or not self.points:
            return rate
        t0, m0, b0 = self.first
        _, m1, b1 = self.points[-1]
        span = now - t0
        return ((m1 - m0) * MESSAGE_WEIGHT + (b1 - b0)) / span if span > 0 else 0.0


def _sum(values: Iterable[int | None]) -> int | None:
    known = list(values)
    return None if any(v is None for v in known) else sum(v or 0 for v in known)


def totals_of(rows: Iterable[ChatRow], samples: Samples, now: float, *, running: bool) -> Totals:
    """Counts of ``rows``, the rates of ``samples`` and the time left, at ``now``."""
    rows = list(rows)
    total = _sum(r.total for r in rows)
    done = sum(r.done for r in rows)
    message_rate, byte_rate = samples.rates(now) if running else (0.0, 0.0)
    work = [r.work() for r in rows]
    work_done = sum(d for d, _ in work)
    work_total = None if any(t is None for _, t in work) else sum(t or 0.0 for _, t in work)
    eta: float | None = None
    if running and work_total is not None:
        rate = samples.work_rate(now)
        if rate > 0:
            eta = max(0.0, work_total - work_done) / rate
    guessed = any(
        not r.ended and not r.media_started and r.files_wanted and r.estimate is not None
        and not (r.estimate.files_counted and r.estimate.bytes_exact)
        for r in rows
    )  # fmt: skip
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
        files_total=_sum(r.files_total for r in rows),
        bytes_total=_sum(r.bytes_total for r in rows),
        work_done=work_done,
        work_total=work_total,
        guessed=guessed,
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
