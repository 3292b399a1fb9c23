"""Rendering engine events on a terminal (stderr) for `tgtui backup`: bars and a summary."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
)
from rich.text import Text

from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    MediaProgress,
    Waiting,
)
from tgtui.backup.reporters import (
    Drawn,
    Followed,
    Tally,
    arrival_text,
    following_text,
    quiet_refresh,
)
from tgtui.format.outcomes import status_word
from tgtui.i18n import _, counted, ngettext, number
from tgtui.styled import Part
from tgtui.styled import line as styled_line
from tgtui.units import duration, human_bytes, message_rate, percent, sizes
from tgtui.untrusted import clean

if TYPE_CHECKING:  # the job is handed over by the command (`watch`)
    from tgtui.backup.job import BackupJob

MAX_BARS = 8  # running chats shown at once; the rest are counted in the overall bar
NAME_WIDTH = 24
STEPS = 1000  # a bar's resolution
# The bars are drawn again at most this often (Rich shows ten frames a second): adding up
# every chat's row at every event was quadratic, about 50 s of CPU for 3,000 chats. An event
# that comes sooner is drawn with the next frame.
DRAW_EVERY = 0.2


class ConsoleProgress(Drawn):
    """A live view of a backup: an overall bar and one per running chat, each counting
    messages and files together (`tgtui.backup.rows`), with files, bytes and the time left;
    waits and problems as lines. The bars read the job they `watch`."""

    def __init__(self, console: Console, chats: int) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", justify="left", markup=False),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[percent]}", justify="right", markup=False),
            TextColumn("{task.fields[counts]}", markup=False),
            TextColumn("{task.fields[files]}", markup=False),
            TextColumn("{task.fields[rate]}", markup=False),
            TextColumn("{task.fields[eta]}", markup=False),
            console=console,
            transient=True,
        )
        self.overall = self.progress.add_task(
            _("all chats"), total=None, percent="", counts="", files="", rate="", eta=""
        )
        self.bars: dict[int, TaskID] = {}
        self.names: dict[int, str] = {}
        self.messages = 0
        self.started = time.monotonic()
        self.chats = chats
        self.tally = Tally(chats, self.started)  # follow mode's arrivals are counted here
        self.job: BackupJob | None = None
        self._received_at_follow = 0
        self._last_wait: tuple[str, int] | None = None
        self._drawn = 0.0  # when the bars were last drawn
        self._later: asyncio.TimerHandle | None = None  # the next frame, when one is due

    def watch(self, job: BackupJob) -> None:
        """Draw the bars from ``job``'s rows (this reporter is its listener), and have it
        estimate its chats while it runs: their files' bytes make the time left."""
        self.job = job
        job.estimate_while_running = True

    def __enter__(self) -> ConsoleProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None
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
            percent="",
            counts="",
            files="",
            rate="",
            eta="",
        )

    def tick(self) -> None:
        """Redraw what moves with the clock: the time left, or the following line."""
        following = self.tally.following
        if following is not None:
            received = self.tally.bytes_received() - self._received_at_follow
            text = following_text(following, self.chats, time.monotonic(), received)
            self.progress.update(self.overall, description=text)
        else:
            self._draw()

    def _draw_soon(self) -> None:
        """`_draw` now if the last frame is `DRAW_EVERY` old, else once it is (off an event
        loop, now)."""
        wait = self._drawn + DRAW_EVERY - time.monotonic()
        if wait <= 0:
            self._draw()
            return
        if self._later is not None:
            return  # a frame is due: it will show this too
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._draw()
            return
        self._later = loop.call_later(wait, self._draw_due)

    def _draw_due(self) -> None:
        self._later = None
        self._draw()

    def _draw(self) -> None:
        """The overall bar and each chat's, from the job's rows."""
        self._drawn = time.monotonic()
        job = self.job
        if job is None:
            return
        totals = job.totals()
        fraction = totals.fraction
        self.progress.update(
            self.overall,
            total=STEPS if fraction is not None else None,
            completed=round((fraction or 0.0) * STEPS),
            percent=percent(fraction) if fraction is not None else "",
            counts=_("{ended}/{count} chats").format(
                ended=number(totals.chats_ended), count=number(totals.chats)
            ),
            files=files_text(
                totals.media_done, totals.files_total, totals.received, totals.bytes_total,
                guess=totals.guessed,
            ),
            rate=_rates(totals.message_rate, totals.byte_rate),
            eta=_eta(totals.eta),
        )  # fmt: skip
        now = job.clock()
        for chat_id, bar in self.bars.items():
            row = job.rows.get(chat_id)
            if row is None:
                continue
            share = row.fraction()
            total = "?" if row.total is None else number(row.total)
            self.progress.update(
                bar,
                total=STEPS if share is not None else None,
                completed=round((share or 0.0) * STEPS),
                percent=percent(share) if share is not None else "",
                counts=_("{done}/{total} messages").format(done=number(row.done), total=total),
                files=files_text(
                    row.media_done, row.files_total, row.received, row.bytes_total,
                    guess=not row.media_started and row.estimate is not None
                    and not (row.estimate.files_counted and row.estimate.bytes_exact),
                ) if row.files_wanted else "",
                rate="",
                eta=_eta(row.eta(now)),
            )  # fmt: skip

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        files = self.tally.count(event, time.monotonic())
        if self.tally.following is not None:
            self._following(event, files)
            return
        if isinstance(event, ChatStarted):
            self.names[event.chat_id] = clean(event.name, limit=NAME_WIDTH)
            if len(self.bars) < MAX_BARS:
                self.bars[event.chat_id] = self.progress.add_task(
                    self.names[event.chat_id],
                    total=None,
                    percent="",
                    counts="",
                    files="",
                    rate="",
                    eta="",
                )
        elif isinstance(event, ChatProgress | MediaProgress):
            if self.job is None:
                self._unwatched(event)
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
            if self.job is None:
                elapsed = max(time.monotonic() - self.started, 1e-6)
                self.progress.update(
                    self.overall, advance=1, rate=message_rate(self.messages / elapsed)
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
        self._draw_soon()

    def _unwatched(self, event: ChatProgress | MediaProgress) -> None:
        """Without a job to read: the event's own figures."""
        bar = self.bars.get(event.chat_id)
        if bar is None:
            return
        if isinstance(event, ChatProgress):
            self.progress.update(
                bar,
                completed=event.done,
                total=event.total,
                counts=_("{done}/{total} messages").format(
                    done=number(event.done),
                    total="?" if event.total is None else number(event.total),
                ),
            )
        else:
            self.progress.update(
                bar,
                files=files_text(event.done, event.total, event.received, event.total_bytes),
            )

    def _following(self, event: BackupEvent, files: int) -> None:
        """While following: a bar only for files coming down, a line for what arrived."""
        if isinstance(event, MediaProgress) and event.total:
            bar = self.bars.get(event.chat_id)
            if bar is None and len(self.bars) < MAX_BARS:
                bar = self.bars[event.chat_id] = self.progress.add_task(
                    "", total=None, percent="", counts="", files="", rate="", eta=""
                )
            if bar is not None:
                self.progress.update(
                    bar,
                    description=clean(self.names.get(event.chat_id, ""), limit=NAME_WIDTH),
                    completed=event.done + event.failed,
                    total=event.total,
                    files=files_text(event.done, event.total, event.received, event.total_bytes),
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


def files_text(
    done: int, total: int | None, received: int, expected: int | None, *, guess: bool = False
) -> str:
    """Files saved of files to fetch, and their bytes: "7/12 files 2.4/5.1 MB"."""
    if total is None:
        files = counted("{count} file", "{count} files", done)
    else:
        mark = "≈" if guess else ""
        files = ngettext("{done}/{mark}{total} file", "{done}/{mark}{total} files", total).format(
            done=number(done), total=number(total), mark=mark
        )
    return f"{files} {sizes(received, expected, guess=guess)}"


def _rates(messages: float, received: float) -> str:
    if received:
        return f"{human_bytes(received)}/s"
    return message_rate(messages) if messages else ""


def _eta(seconds: float | None) -> str:
    return "" if seconds is None else _("ETA {time}").format(time=duration(seconds))


def line(*parts: Part) -> Text:
    """`tgtui.styled.line` as the bars' console prints it (Rich's `Text`)."""
    return styled_line(*parts).rich_text()
