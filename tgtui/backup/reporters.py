"""Progress of `tgtui backup` for runs nobody watches: plain lines or JSON events.

`--progress lines` (here; the default when stderr is not a terminal: cron, systemd, a pipe) writes
one line when a chat starts and one when it ends, each wait Telegram asks for, and a summary
line every ``every`` seconds, so a log shows a long run is alive. `--progress json` writes
the same as one JSON object per line on stdout, for scripts and monitors (see README):
`tgtui.backup.json_progress`.

Both are engine sinks (`tgtui.backup.progress`); `tick()` is called once a second by the
command so the heartbeat keeps its pace through long FLOOD_WAITs, when no event arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tgtui.backup.options import HEARTBEAT
from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    MediaProgress,
    Waiting,
)
from tgtui.format.outcomes import status_word
from tgtui.i18n import _, counted, decimal, number
from tgtui.untrusted import clean

if TYPE_CHECKING:
    from tgtui.backup.job import BackupJob

Write = Callable[[str], None]


@dataclass
class Tally:
    """The run so far, counted from events; once following, what arrives is counted apart
    (a chat brought up to date again is not one more chat done)."""

    chats: int
    started: float
    finished: int = 0
    new: int = 0  # messages written by this run in finished chats
    files: int = 0
    files_failed: int = 0
    running: dict[int, int] = field(default_factory=dict)  # chat -> new messages so far
    media_bytes: dict[int, int] = field(default_factory=dict)  # of the media pass under way
    bytes_done: int = 0  # of media passes that ended
    problems: int = 0
    files_on_disk: dict[int, int] = field(default_factory=dict)  # as each chat last ended
    following: Followed | None = None

    def count(self, event: BackupEvent, now: float) -> int:
        """Count one event; for a chat that ended, the files it saved since it last ended
        (0 the first time)."""
        if isinstance(event, ChatStarted):
            self.running[event.chat_id] = 0
        elif isinstance(event, ChatProgress):
            self.running[event.chat_id] = event.new
        elif isinstance(event, MediaProgress):
            self.media_bytes[event.chat_id] = event.received
        elif isinstance(event, ChatFinished):
            self.running.pop(event.chat_id, None)
            self.bytes_done += self.media_bytes.pop(event.chat_id, 0)
            before = self.files_on_disk.get(event.chat_id)
            self.files_on_disk[event.chat_id] = event.media_done
            files = max(0, event.media_done - before) if before is not None else 0
            if self.following is not None:
                self.following.count(event, files, now)
                return files
            self.finished += 1
            self.new += event.new
            self.files += event.media_done
            self.files_failed += event.media_failed
            self.problems += event.status != "complete"
            return files
        return 0

    def new_messages(self) -> int:
        arrived = self.following.new if self.following is not None else 0
        return self.new + arrived + sum(self.running.values())

    def bytes_received(self) -> int:
        return self.bytes_done + sum(self.media_bytes.values())

    def figures(self, now: float) -> Figures:
        elapsed = max(now - self.started, 1e-6)
        new = self.new_messages()
        return Figures(
            chats=self.chats,
            finished=self.finished,
            running=len(self.running),
            new_messages=new,
            messages_per_second=round(new / elapsed, 1),
            bytes_received=self.bytes_received(),
            elapsed=round(elapsed, 1),
        )


@dataclass
class Followed:
    """What arrived while following, counted from the refreshes' events."""

    since: float
    new: int = 0
    edits: int = 0
    deletions: int = 0
    files: int = 0
    last: float | None = None  # when something last arrived
    behind: dict[int, str] = field(default_factory=dict)  # chats not up to date: why

    def count(self, event: ChatFinished, files: int, now: float) -> None:
        if event.status == "complete":
            self.behind.pop(event.chat_id, None)
        else:
            self.behind[event.chat_id] = event.reason or status_word(event.status)
        if event.new or event.edits or event.deletions or files:
            self.new += event.new
            self.edits += event.edits
            self.deletions += event.deletions
            self.files += files
            self.last = now


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


def arrival_text(event: ChatFinished, files: int) -> str:
    """A chat brought up to date while following, in one line: what arrived, or why it is
    not up to date (and that it is tried again)."""
    name = clean(event.name, limit=60)
    if event.status != "complete":
        return _("not up to date: {name} ({id}): {reason}; tried again at the next round").format(
            name=name, id=event.chat_id, reason=clean(event.reason or "", limit=300)
        )
    parts = [
        counted("{count} new", "{count} new", event.new) if event.new else "",
        counted("{count} edited", "{count} edited", event.edits) if event.edits else "",
        counted("{count} deleted", "{count} deleted", event.deletions) if event.deletions else "",
        counted("{count} file", "{count} files", files) if files else "",
        counted("{count} repair", "{count} repairs", len(event.repairs)) if event.repairs else "",
    ]
    return _("arrived: {name} ({id}): {what}; {messages} saved").format(
        name=name,
        id=event.chat_id,
        what=", ".join(part for part in parts if part),
        messages=counted("{count} message", "{count} messages", event.messages),
    )


def followed_text(state: Any, now: float) -> str:
    """What arrived while following, said once it stopped (a `follow.Following`)."""
    text = _(
        "While following ({time}): {new}, {edited} edited, {deleted} deleted, {files}."
    ).format(
        time=_duration(now - state.since),
        new=counted("{count} new message", "{count} new messages", state.new),
        edited=number(state.edits),
        deleted=number(state.deletions),
        files=counted("{count} file", "{count} files", state.files),
    )
    for chat_id, reason in sorted(state.behind.items()):
        latest = state.latest.get(chat_id)
        name = clean(latest.target.name, limit=60) if latest is not None else str(chat_id)
        text += "\n" + _(
            "not up to date: {name} ({id}): {reason}; run tgtui backup again to catch up"
        ).format(name=name, id=chat_id, reason=clean(reason, limit=300))
    return text


def following_text(followed: Followed, chats: int, now: float, received: int) -> str:
    """How following goes, in one line (a heartbeat while following)."""
    text = _(
        "following {chats} for {time}: {new}, {edited} edited, {deleted} deleted, "
        "{files} ({megabytes} MB)"
    ).format(
        chats=counted("{count} chat", "{count} chats", chats),
        time=_duration(now - followed.since),
        new=counted("{count} new message", "{count} new messages", followed.new),
        edited=number(followed.edits),
        deleted=number(followed.deletions),
        files=counted("{count} file", "{count} files", followed.files),
        megabytes=decimal(received / 1e6),
    )
    if followed.last is not None:
        text += "; " + _("the last change {time} ago").format(time=_duration(now - followed.last))
    if followed.behind:
        text += "; " + counted(
            "{count} chat not up to date", "{count} chats not up to date", len(followed.behind)
        )
    return text


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
    if event.media_gone:
        text += ", " + counted(
            "{count} file gone from Telegram with its message",
            "{count} files gone from Telegram with their messages",
            event.media_gone,
        )
    if event.reason:
        text += f"; {clean(event.reason, limit=300)}"
    return text


class Drawn:
    """What draws a backup live on a terminal (`tgtui.backup.console.ConsoleProgress`, which
    loads Rich): a command tells it by this class without importing it."""

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        raise NotImplementedError

    def __enter__(self) -> Drawn:
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:
        raise NotImplementedError

    def watch(self, job: BackupJob) -> None:
        """Draw from ``job``'s rows."""
        raise NotImplementedError

    def follow(self) -> None:
        """Follow mode began."""
        raise NotImplementedError

    def tick(self) -> None:
        """The clock's tick (redraw what depends on time)."""
        raise NotImplementedError


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
        self._received_at_follow = 0
        self.started(chats)

    @property
    def in_follow(self) -> bool:
        """The backup is done; now only what arrives is told."""
        return self.tally.following is not None

    def started(self, chats: int) -> None:
        """Say the run has begun."""

    def follow(self) -> None:
        """Follow mode began: tell only chats where something arrived (or that could not be
        brought up to date), and count what arrives apart from the backup before it."""
        self.tally.following = Followed(self.clock())
        self._received_at_follow = self.tally.bytes_received()

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
        files = self.tally.count(event, self.clock())
        if self.in_follow and isinstance(event, ChatStarted):
            pass
        elif self.in_follow and isinstance(event, ChatFinished):
            if not quiet_refresh(event, files):
                self.write(arrival_text(event, files))
        elif isinstance(event, ChatStarted):
            text = _("started: {name} ({id})").format(
                name=clean(event.name, limit=60), id=event.chat_id
            )
            if event.already:
                text += ", " + _("{count} saved before").format(count=number(event.already))
            self.write(text)
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
        following = self.tally.following
        if following is not None:
            received = self.tally.bytes_received() - self._received_at_follow
            self.write(following_text(following, figures.chats, self.clock(), received))
            return
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


def quiet_refresh(event: ChatFinished, files: int) -> bool:
    """A chat refreshed in follow mode where nothing arrived: not worth a line."""
    return event.status == "complete" and not (
        event.new or event.edits or event.deletions or files or event.repairs
    )


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
