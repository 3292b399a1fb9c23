"""Progress of `tgtui backup` for runs nobody watches: plain lines or JSON events.

`--progress lines` (the default when stderr is not a terminal: cron, systemd, a pipe) writes
one line when a chat starts and one when it ends, each wait Telegram asks for, and a summary
line every ``every`` seconds, so a log shows a long run is alive. `--progress json` writes
the same as one JSON object per line on stdout, for scripts and monitors (see README).

Both are engine sinks (`tgtui.backup.progress`); `tick()` is called once a second by the
command so the heartbeat keeps its pace through long FLOOD_WAITs, when no event arrives.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tgtui.backup.engine import BackupResult
from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    MediaProgress,
    Waiting,
    status_word,
)
from tgtui.i18n import _, counted, decimal, number
from tgtui.untrusted import clean, json_line

HEARTBEAT = 30.0  # seconds between summary lines, by default
JSON_PROGRESS_EVERY = 1.0  # at most one chat_progress object per chat per second

Write = Callable[[str], None]


@dataclass
class Tally:
    """The run so far, counted from events."""

    chats: int
    started: float
    finished: int = 0
    new: int = 0  # messages written by this run in finished chats
    files: int = 0
    files_failed: int = 0
    received: int = 0  # bytes of files, all chats
    running: dict[int, int] = field(default_factory=dict)  # chat -> new messages so far
    media_bytes: dict[int, int] = field(default_factory=dict)
    problems: int = 0

    def count(self, event: BackupEvent) -> None:
        if isinstance(event, ChatStarted):
            self.running[event.chat_id] = 0
        elif isinstance(event, ChatProgress):
            self.running[event.chat_id] = event.new
        elif isinstance(event, MediaProgress):
            self.media_bytes[event.chat_id] = event.received
        elif isinstance(event, ChatFinished):
            self.running.pop(event.chat_id, None)
            self.finished += 1
            self.new += event.new
            self.files += event.media_done
            self.files_failed += event.media_failed
            self.problems += event.status != "complete"

    def new_messages(self) -> int:
        return self.new + sum(self.running.values())

    def figures(self, now: float) -> Figures:
        elapsed = max(now - self.started, 1e-6)
        new = self.new_messages()
        return Figures(
            chats=self.chats,
            finished=self.finished,
            running=len(self.running),
            new_messages=new,
            messages_per_second=round(new / elapsed, 1),
            bytes_received=sum(self.media_bytes.values()),
            elapsed=round(elapsed, 1),
        )


@dataclass(frozen=True)
class Figures:
    """A heartbeat's numbers."""

    chats: int
    finished: int
    running: int
    new_messages: int
    messages_per_second: float
    bytes_received: int
    elapsed: float


def _finish_text(event: ChatFinished) -> str:
    name = clean(event.name, limit=60)
    status = status_word(event.status)
    text = _("{status}: {name} ({id}): {messages} ({new}), {files}").format(
        status=status,
        name=name,
        id=event.chat_id,
        messages=counted("{count} message", "{count} messages", event.messages),
        new=counted("{count} new", "{count} new", event.new),
        files=counted("{count} file", "{count} files", event.media_done),
    )
    if event.edits or event.deletions:
        text += "; " + _("{edits} edited, {deletions} deleted on Telegram").format(
            edits=number(event.edits), deletions=number(event.deletions)
        )
    if event.media_failed:
        text += ", " + counted(
            "{count} file failed (run again to retry it)",
            "{count} files failed (run again to retry them)",
            event.media_failed,
        )
    if event.reason:
        text += f"; {clean(event.reason, limit=300)}"
    return text


class Unattended:
    """What both reporters share: a writer, a tally of the run, a heartbeat every ``every``
    seconds (0: none) that `tick` gives when it is due."""

    def __init__(
        self,
        write: Write,
        chats: int,
        *,
        every: float = HEARTBEAT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.clock = clock
        self.every = every
        self.tally = Tally(chats, clock())
        self._beat = self.tally.started
        self.started(chats)

    in_follow = False  # the backup is done; now only what arrives is told

    def started(self, chats: int) -> None:
        """Say the run has begun."""

    def follow(self) -> None:
        """Follow mode began: tell only chats where something arrived."""
        self.in_follow = True

    def beat(self, figures: Figures) -> None:
        """Say how the run is doing."""

    def tick(self) -> None:
        """A heartbeat, if one is due."""
        now = self.clock()
        if not self.every or now - self._beat < self.every:
            return
        self._beat = now
        self.beat(self.tally.figures(now))


class LineProgress(Unattended):
    """One plain line per chat start and end, per FLOOD_WAIT, and a heartbeat."""

    _last_wait: tuple[str, int] | None = None

    def started(self, chats: int) -> None:
        """The first line."""
        self.write(
            _("backing up {chats}").format(chats=counted("{count} chat", "{count} chats", chats))
        )

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        self.tally.count(event)
        if self.in_follow and isinstance(event, ChatStarted):
            pass
        elif isinstance(event, ChatStarted):
            text = _("started: {name} ({id})").format(
                name=clean(event.name, limit=60), id=event.chat_id
            )
            if event.already:
                text += ", " + _("{count} saved before").format(count=number(event.already))
            self.write(text)
        elif self.in_follow and isinstance(event, ChatFinished) and _quiet(event):
            pass
        elif isinstance(event, ChatFinished):
            for repair in event.repairs:
                self.write(
                    _("repaired: {name}: {what}").format(
                        name=clean(event.name, limit=60), what=clean(repair)
                    )
                )
            self.write(_finish_text(event))
        elif isinstance(event, Waiting) and event.kind == "flood":
            key = (event.method, round(event.seconds))
            if key != self._last_wait:
                self.write(
                    _(
                        "waiting {seconds} s: Telegram asks for a pause ({method}); every chat "
                        "goes on after it"
                    ).format(seconds=f"{event.seconds:.0f}", method=clean(event.method))
                )
            self._last_wait = key
        self.tick()

    def beat(self, figures: Figures) -> None:
        """A summary line."""
        self.write(
            _(
                "progress: {finished} of {chats} chats done, {running} running, {new} new "
                "messages ({rate}/s), {megabytes} MB of files, {time} so far"
            ).format(
                finished=number(figures.finished),
                chats=number(figures.chats),
                running=number(figures.running),
                new=number(figures.new_messages),
                rate=decimal(figures.messages_per_second, 0),
                megabytes=decimal(figures.bytes_received / 1e6),
                time=_duration(figures.elapsed),
            )
        )


def _quiet(event: ChatFinished) -> bool:
    """A chat refreshed in follow mode where nothing arrived: not worth a line."""
    return event.status == "complete" and not (event.new or event.edits or event.deletions)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonProgress(Unattended):
    """One JSON object per line for each event (chat progress at most once a second per
    chat), a heartbeat, and a last ``finished`` object with the exit code."""

    def started(self, chats: int) -> None:
        """The ``start`` object."""
        self._shown: dict[int, float] = {}  # when each chat's progress was last written
        self._emit("start", chats=chats)

    def _emit(self, event: str, **fields: object) -> None:
        self.write(json_line({"event": event, "time": _now(), **fields}))

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        self.tally.count(event)
        now = self.clock()
        if isinstance(event, ChatStarted):
            self._emit("chat_started", id=event.chat_id, name=event.name, saved=event.already)
        elif isinstance(event, ChatProgress | MediaProgress):
            if now - self._shown.get(event.chat_id, -1e9) >= JSON_PROGRESS_EVERY:
                self._shown[event.chat_id] = now
                if isinstance(event, ChatProgress):
                    self._emit(
                        "chat_progress",
                        id=event.chat_id,
                        saved=event.done,
                        total=event.total,
                        new=event.new,
                    )
                else:
                    self._emit(
                        "media_progress",
                        id=event.chat_id,
                        done=event.done,
                        total=event.total,
                        failed=event.failed,
                        bytes=event.received,
                        total_bytes=event.total_bytes,
                    )
        elif isinstance(event, Waiting):
            self._emit(
                "waiting",
                id=event.chat_id,
                kind=event.kind,
                method=event.method,
                seconds=event.seconds,
                reason=event.reason,
            )
        elif isinstance(event, ChatFinished):
            self._shown.pop(event.chat_id, None)
            self._emit(
                "chat_finished",
                id=event.chat_id,
                name=event.name,
                status=event.status,
                reason=event.reason,
                messages=event.messages,
                new=event.new,
                files=event.media_done,
                files_failed=event.media_failed,
                edits=event.edits,
                deletions=event.deletions,
                repairs=list(event.repairs),
            )
        self.tick()

    def beat(self, figures: Figures) -> None:
        """A ``heartbeat`` object."""
        self._emit("heartbeat", **asdict(figures))

    def following(self, state: Any) -> None:
        """A ``following`` object: what follow mode has saved since it began."""
        self._emit("following", new=state.new, edits=state.edits, deletions=state.deletions)

    def finished(self, code: int, result: BackupResult | None, folder: str) -> None:
        """The last object: how the run ended."""
        fields: dict[str, object] = {"exit_code": code, "folder": folder}
        if result is not None:
            fields.update(
                chats=len(result.chats),
                complete=sum(c.status == "complete" for c in result.chats),
                messages=sum(c.messages for c in result.chats),
                new=sum(c.new for c in result.chats),
                files=sum(c.media_done for c in result.chats),
                files_failed=sum(c.media_failed for c in result.chats),
                edits=sum(c.edits for c in result.chats),
                deletions=sum(c.deletions for c in result.chats),
                notes=result.notes,
            )
        self._emit("finished", **fields)
