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

from tgtui.backup.engine import ChatResult
from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    MediaProgress,
    Waiting,
)

MAX_BARS = 8  # running chats shown at once; the rest are counted in the overall bar


class ConsoleProgress:
    """A live view of a backup: an overall bar, one bar per running chat, waits as lines."""

    def __init__(self, console: Console, chats: int) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.overall = self.progress.add_task("all chats", total=chats, rate="")
        self.bars: dict[int, TaskID] = {}
        self.names: dict[int, str] = {}
        self.messages = 0
        self.started = time.monotonic()
        self._last_wait: tuple[str, int] | None = None

    def __enter__(self) -> ConsoleProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        if isinstance(event, ChatStarted):
            self.names[event.chat_id] = event.name
            if len(self.bars) < MAX_BARS:
                self.bars[event.chat_id] = self.progress.add_task(
                    event.name[:32], total=None, completed=event.already, rate=""
                )
        elif isinstance(event, ChatProgress):
            bar = self.bars.get(event.chat_id)
            if bar is not None:
                self.progress.update(bar, completed=event.done, total=event.total)
        elif isinstance(event, MediaProgress):
            bar = self.bars.get(event.chat_id)
            if bar is not None and event.total:
                name = self.names.get(event.chat_id, "")[:24]
                self.progress.update(
                    bar,
                    description=f"{name} files",
                    completed=event.done + event.failed,
                    total=event.total,
                    rate=f"{event.received / 1e6:,.1f} MB",
                )
        elif isinstance(event, ChatFinished):
            self.messages += event.new
            bar = self.bars.pop(event.chat_id, None)
            if bar is not None:
                self.progress.remove_task(bar)
            if event.status != "complete":
                self.console.print(f"[yellow]{event.status}[/]: {event.name}: {event.reason}")
            elif event.media_failed:
                self.console.print(
                    f"[yellow]{event.media_failed} files failed[/] in {event.name} "
                    "(run again to retry them)"
                )
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self.progress.update(
                self.overall, advance=1, rate=f"{self.messages / elapsed:,.0f} msg/s"
            )
        elif isinstance(event, Waiting):
            key = (event.kind, round(event.seconds))
            if event.kind == "flood" and key != self._last_wait:
                self.console.print(
                    f"[cyan]Telegram asks to wait {event.seconds:.0f} s[/] ({event.method}); "
                    "every chat pauses, then goes on."
                )
            self._last_wait = key


def summary_table(results: Sequence[ChatResult], *, all_rows: bool) -> Table:
    """Chats with their outcome; only the ones that need attention unless ``all_rows``."""
    table = Table(title="tgtui backup", show_lines=False)
    table.add_column("chat")
    table.add_column("status")
    table.add_column("messages", justify="right")
    table.add_column("new", justify="right")
    table.add_column("files", justify="right")
    table.add_column("note")
    colours = {"complete": "green", "partial": "yellow", "skipped": "yellow", "failed": "red"}
    for result in results:
        if not all_rows and result.status == "complete" and not result.media_failed:
            continue
        note = result.reason or (
            f"{result.media_failed} files failed" if result.media_failed else ""
        )
        table.add_row(
            result.target.name,
            f"[{colours[result.status]}]{result.status}[/]",
            f"{result.messages:,}",
            f"{result.new:,}",
            f"{result.media_done:,}",
            note,
        )
    return table
