"""How `tgtui backup` shows a run: the progress mode (bars, lines, json, none), its
reporter and heartbeat clock, the link to Telegram lost and back, and following chats after
the run until Ctrl+C or SIGTERM."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tgtui.backup.engine import BackupEngine
from tgtui.backup.json_progress import JsonProgress
from tgtui.backup.progress import BackupEvent, BackupResult
from tgtui.backup.reporters import Drawn, LineProgress, Unattended, followed_text
from tgtui.backup.selection import ChatTarget
from tgtui.commands.common import Stderr
from tgtui.i18n import _, counted, decimal, number
from tgtui.portable import on_terminate
from tgtui.styled import line
from tgtui.telegram.link_state import LinkStatus
from tgtui.untrusted import clean, json_line

if TYPE_CHECKING:  # follow mode's, imported when it starts
    from tgtui.backup.follow import Following, Link


def progress_mode(asked: str, *, quiet: bool, tty: bool) -> str:
    """bars, lines, json or none: ``--progress`` as asked, ``auto`` by the terminal."""
    if quiet and asked in ("auto", "bars", "lines"):
        return "none"
    if asked == "auto":
        return "bars" if tty else "lines"
    return asked


def following(
    err: Stderr, report: object, sweep: float, link: Link | None = None
) -> Callable[[BackupEngine, list[ChatTarget]], Awaitable[Following | None]]:
    """Follow mode after the backup: until SIGTERM or Ctrl+C, which end it cleanly."""

    async def follow(engine: BackupEngine, targets: list[ChatTarget]) -> Following | None:
        main = asyncio.current_task()
        stopping = asyncio.Event()

        def stop() -> None:
            stopping.set()
            if main is not None:
                main.cancel()

        undo = on_terminate(stop, ("SIGTERM", "SIGINT"))
        if isinstance(report, Unattended | Drawn):
            report.follow()
        shown: list[object] = []

        def on_round(state: Following) -> None:
            now: list[object] = [state.new, state.edits, state.deletions, sorted(state.behind)]
            if now != shown and isinstance(report, JsonProgress):
                report.following()
            elif isinstance(report, Drawn):
                report.tick()
            shown[:] = now

        err.print(
            counted(
                "Following {count} chat; Ctrl+C or SIGTERM stops.",
                "Following {count} chats; Ctrl+C or SIGTERM stops.",
                len(targets),
            )
        )
        from tgtui.backup.follow import Follower

        follower = Follower(engine, targets, sweep=sweep, on_round=on_round, link=link)
        try:
            await follower.run()
        except asyncio.CancelledError:
            if not stopping.is_set() or main is None:
                raise
            main.uncancel()
            err.print(_("Stopped following: everything that arrived is saved."))
        finally:
            undo()
        if not isinstance(report, JsonProgress):
            err.print(followed_text(follower.state, time.monotonic()))
        return follower.state

    return follow


def link_teller(
    mode: str, err: Stderr, report: object, clock: Callable[[], float] = time.monotonic
) -> Callable[[LinkStatus], None]:
    """A `LinkState` listener that says when the link to Telegram is lost and when it is
    back: a line on stderr (bars and lines: "Connection lost; reconnecting (next try in
    N s)"), a ``connection_lost``/``connection_back`` object (json), nothing (none)."""
    lost: list[float] = []  # when it was lost, while it is

    def tell(status: LinkStatus) -> None:
        now = clock()
        if status.down and not lost:
            lost.append(status.since if status.since is not None else now)
            wait = status.next_try_in(now)
            if isinstance(report, JsonProgress):
                report.write(
                    _json_event(
                        "connection_lost",
                        reason=status.error,
                        next_try_seconds=None if wait is None else round(wait, 1),
                    )
                )
            else:
                _say(mode, err, lost_text(status.error, wait))
        elif status.phase == "connected" and lost:
            seconds = now - lost.pop()
            if isinstance(report, JsonProgress):
                report.write(_json_event("connection_back", seconds=round(seconds, 1)))
            else:
                _say(mode, err, back_text(seconds))

    return tell


def lost_text(reason: str | None, wait: float | None) -> str:
    """The line said when the link to Telegram is lost."""
    if wait is None:
        text = _("Connection lost; reconnecting")
    else:
        text = _("Connection lost; reconnecting (next try in {seconds} s)").format(
            seconds=f"{wait:.0f}"
        )
    return f"{text}: {reason}" if reason else text


def back_text(seconds: float) -> str:
    """The line said when the link to Telegram is back."""
    return _("Connected again after {time}.").format(time=took(seconds))


def _say(mode: str, err: Stderr, text: str) -> None:
    if mode == "lines":
        _stderr_line(text)
    elif mode == "bars":
        err.print(line((text, "yellow")))


def _json_event(event: str, **fields: object) -> str:
    """One object of --progress json, as `JsonProgress` writes its own."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json_line({"event": event, "time": now, **fields})


def ignore(event: BackupEvent) -> None:
    """The sink of --progress none."""


def reporter(
    mode: str, err: Stderr, chats: int, every: float
) -> Drawn | LineProgress | JsonProgress | None:
    """What reports the run's progress in ``mode`` (None: nothing, for --progress none)."""
    if mode == "bars":
        from tgtui.backup.console import ConsoleProgress  # Rich: only to draw bars

        return ConsoleProgress(err.console(), chats)
    if mode == "lines":
        return LineProgress(_stderr_line, chats, every=every)
    if mode == "json":
        return JsonProgress(_stdout_line, chats, every=every)
    return None


def _stderr_line(text: str) -> None:
    """One line of --progress lines on stderr, as it is: plain text, cleaned by the reporter
    (Rich's print of it cost 0.3 ms a line, a third of a run with nothing new at 0 ms, and
    turned a name's ":smile:" into an emoji)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _stdout_line(text: str) -> None:
    """One JSON object of --progress json on stdout, flushed (a script reads it at once)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def tick(report: LineProgress | JsonProgress | Drawn, every: float) -> None:
    """The heartbeat's clock: it ticks whether or not events arrive (a long FLOOD_WAIT)."""
    if every <= 0:
        return  # no heartbeat asked for
    while True:
        await asyncio.sleep(every)
        report.tick()


def took(seconds: float) -> str:
    """How long a run took: "0.4 s", "12 s", "3 min 05 s", "1 h 02 min"."""
    if seconds < 10:
        return _("{seconds} s").format(seconds=decimal(seconds))
    whole = round(seconds)
    if whole < 60:
        return _("{seconds} s").format(seconds=whole)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return _("{minutes} min {seconds:02d} s").format(minutes=minutes, seconds=secs)
    hours, minutes = divmod(minutes, 60)
    return _("{hours} h {minutes:02d} min").format(hours=hours, minutes=minutes)


def print_summary(err: Stderr, result: BackupResult, folder: Path) -> None:
    """The run's last line (chats, messages, files, what failed or changed) and its notes."""
    saved = sum(c.messages for c in result.chats)
    new = sum(c.new for c in result.chats)
    files = sum(c.media_done for c in result.chats)
    failed = sum(c.media_failed for c in result.chats)
    summary = _("{chats}, {messages} ({new}), {files}").format(
        chats=counted("{count} chat", "{count} chats", len(result.chats)),
        messages=counted("{count} message", "{count} messages", saved),
        new=counted("{count} new", "{count} new", new),
        files=counted("{count} media file", "{count} media files", files),
    )
    parts: list[str | tuple[str, str]] = [summary]
    if failed:
        parts += [
            ", ",
            (counted("{count} file failed", "{count} files failed", failed), "yellow"),
            " " + _("(reasons in each chat's state.json)"),
        ]
    gone = sum(c.media_gone for c in result.chats)
    if gone:
        parts += [
            ", ",
            counted(
                "{count} file gone from Telegram with its message",
                "{count} files gone from Telegram with their messages",
                gone,
            ),
        ]
    edits = sum(c.edits for c in result.chats)
    deletions = sum(c.deletions for c in result.chats)
    if edits or deletions:
        parts.append(
            "; "
            + _("{edits} edited and {deletions} deleted on Telegram since last time").format(
                edits=number(edits), deletions=number(deletions)
            )
        )
    parts.append(" " + _("in {folder}").format(folder=clean(folder)))
    if result.seconds is not None:
        parts.append("; " + _("took {time}").format(time=took(result.seconds)))
    err.print(line(*parts))
    for note in result.notes:
        err.print(line((_("note:"), "cyan"), f" {clean(note)}"))
