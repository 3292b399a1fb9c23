"""Rendering engine events on a terminal (stderr) for `tgtui backup`: bars and a summary."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatResult,
    ChatStarted,
    MediaProgress,
    Waiting,
)
from tgtui.backup.reporters import (
    Followed,
    Tally,
    arrival_text,
    following_text,
    quiet_refresh,
)
from tgtui.format.outcomes import status_word
from tgtui.i18n import _, counted, decimal, number
from tgtui.units import message_rate
from tgtui.untrusted import clean, safe_text

MAX_BARS = 8  # running chats shown at once; the rest are counted in the overall bar


class ConsoleProgress:
    """A live view of a backup: an overall bar, one bar per running chat, waits as lines."""

    def __init__(self, console: Console, chats: int) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", justify="left", markup=False),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}", markup=False),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.overall = self.progress.add_task(_("all chats"), total=chats, rate="")
        self.bars: dict[int, TaskID] = {}
        self.names: dict[int, str] = {}
        self.messages = 0
        self.started = time.monotonic()
        self.chats = chats
        self.tally = Tally(chats, self.started)  # follow mode's arrivals are counted here
        self._received_at_follow = 0
        self._last_wait: tuple[str, int] | None = None

    def __enter__(self) -> ConsoleProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def follow(self) -> None:
        """Follow mode began: the overall bar gives way to one line saying how following
        goes, and each chat where something arrives gets a line."""
        now = time.monotonic()
        self.tally.following = Followed(now)
        self._received_at_follow = self.tally.bytes_received()
        self.progress.reset(self.overall, total=None)  # its clock: since following began
        self.progress.update(
            self.overall,
            description=following_text(self.tally.following, self.chats, now, 0),
            rate="",
        )

    def tick(self) -> None:
        """Redraw the following line (its clock moves when nothing arrives)."""
        following = self.tally.following
        if following is not None:
            received = self.tally.bytes_received() - self._received_at_follow
            text = following_text(following, self.chats, time.monotonic(), received)
            self.progress.update(self.overall, description=text)

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        files = self.tally.count(event, time.monotonic())
        if self.tally.following is not None:
            self._following(event, files)
            return
        if isinstance(event, ChatStarted):
            self.names[event.chat_id] = clean(event.name, limit=32)
            if len(self.bars) < MAX_BARS:
                self.bars[event.chat_id] = self.progress.add_task(
                    self.names[event.chat_id], total=None, completed=event.already, rate=""
                )
        elif isinstance(event, ChatProgress):
            bar = self.bars.get(event.chat_id)
            if bar is not None:
                self.progress.update(bar, completed=event.done, total=event.total)
        elif isinstance(event, MediaProgress):
            bar = self.bars.get(event.chat_id)
            if bar is not None and event.total:
                name = clean(self.names.get(event.chat_id, ""), limit=24)
                self.progress.update(
                    bar,
                    description=_("{name} files").format(name=name),
                    completed=event.done + event.failed,
                    total=event.total,
                    rate=f"{decimal(event.received / 1e6)} MB",
                )
        elif isinstance(event, ChatFinished):
            self.messages += event.new
            bar = self.bars.pop(event.chat_id, None)
            if bar is not None:
                self.progress.remove_task(bar)
            name = clean(event.name, limit=60)
            for repair in event.repairs:
                self.console.print(line((_("repaired"), "cyan"), f": {name}: {clean(repair)}"))
            if event.status != "complete":
                reason = clean(event.reason, limit=300)
                self.console.print(
                    line((status_word(event.status), "yellow"), f": {name}: {reason}")
                )
            elif event.media_failed:
                failed = counted("{count} file failed", "{count} files failed", event.media_failed)
                self.console.print(
                    line(
                        (failed, "yellow"),
                        " " + _("in {name} (run again to retry them)").format(name=name),
                    )
                )
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self.progress.update(
                self.overall,
                advance=1,
                rate=message_rate(self.messages / elapsed),
            )
        elif isinstance(event, Waiting):
            key = (event.kind, round(event.seconds))
            if event.kind == "flood" and key != self._last_wait:
                self.console.print(
                    line(
                        (
                            _("Telegram asks to wait {seconds} s").format(
                                seconds=f"{event.seconds:.0f}"
                            ),
                            "cyan",
                        ),
                        " "
                        + _("({method}); every chat pauses, then goes on.").format(
                            method=event.method
                        ),
                    )
                )
            self._last_wait = key

    def _following(self, event: BackupEvent, files: int) -> None:
        """While following: a bar only for files coming down, a line for what arrived."""
        if isinstance(event, MediaProgress) and event.total:
            bar = self.bars.get(event.chat_id)
            if bar is None and len(self.bars) < MAX_BARS:
                bar = self.bars[event.chat_id] = self.progress.add_task("", total=None, rate="")
            if bar is not None:
                self.progress.update(
                    bar,
                    description=_("{name} files").format(
                        name=clean(self.names.get(event.chat_id, ""), limit=24)
                    ),
                    completed=event.done + event.failed,
                    total=event.total,
                    rate=f"{decimal(event.received / 1e6)} MB",
                )
        elif isinstance(event, ChatStarted):
            self.names[event.chat_id] = clean(event.name, limit=32)
        elif isinstance(event, ChatFinished):
            bar = self.bars.pop(event.chat_id, None)
            if bar is not None:
                self.progress.remove_task(bar)
            if not quiet_refresh(event, files):
                style = "green" if event.status == "complete" else "yellow"
                self.console.print(line((arrival_text(event, files), style)))
        self.tick()


def line(*parts: str | tuple[str, str]) -> Text:
    """A line of plain and (text, style) parts; nothing in it is read as markup."""
    return Text.assemble(*parts)


def summary_table(results: Sequence[ChatResult], *, all_rows: bool) -> Table:
    """Chats with their outcome; only the ones that need attention unless ``all_rows``."""
    table = Table(title="tgtui backup", show_lines=False, highlight=False)
    table.add_column(_("chat"))
    table.add_column(_("status"))
    table.add_column(_("messages"), justify="right")
    table.add_column(_("new"), justify="right")
    table.add_column(_("files"), justify="right")
    table.add_column(_("note"))
    colours = {"complete": "green", "partial": "yellow", "skipped": "yellow", "failed": "red"}
    for result in results:
        if not all_rows and result.status == "complete" and not result.media_failed:
            continue
        note = result.reason or (
            counted("{count} file failed", "{count} files failed", result.media_failed)
            if result.media_failed
            else ""
        )
        table.add_row(
            safe_text(result.target.name, limit=60),
            Text(status_word(result.status), style=colours[result.status]),
            number(result.messages),
            number(result.new),
            number(result.media_done),
            safe_text(note, limit=300),
        )
    return table
