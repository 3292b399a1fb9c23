"""The backup screen's words: the estimate, the overall line, the summary, the failures.

Plain functions of a `BackupJob`, so the screen only decides where they go.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text

from tgtui.untrusted import clean
from tgtui.widgets.units import bar, duration, human_bytes

if TYPE_CHECKING:  # the chat list shows a job's status without loading the engine first
    from tgtui.backup.job import BackupJob


def chats(count: int) -> str:
    """ "1 chat", "5 chats"."""
    return f"{count:,} chat" + ("" if count == 1 else "s")


def estimate_text(job: BackupJob) -> Text:
    """What the backup will fetch, as far as the estimates have come."""
    rows = list(job.rows.values())
    estimates = [r.estimate for r in rows if r.estimate is not None]
    text = Text()
    if not estimates:
        text.append(f"Estimating {chats(len(rows))}…", style="dim")
        return text
    fetch = sum(e.to_fetch for e in estimates)
    saved = sum(e.on_disk for e in estimates)
    files = sum(e.media_files for e in estimates)
    size = sum(e.media_bytes for e in estimates)
    text.append(f"≈ {fetch:,} messages to fetch", style="bold")
    if saved:
        text.append(f" ({saved:,} already saved)")
    if job.options.media.kinds:
        text.append(f" · ≈ {files:,} files, {human_bytes(size)}", style="bold")
    else:
        text.append(" · no media")
    if len(estimates) < len(rows):
        text.append(f" · estimating {len(estimates)} of {len(rows)}…", style="dim")
    if job.options.since or job.options.until:
        text.append(" · the date range fetches less", style="dim")
    return text


def overall_text(job: BackupJob, width: int) -> Text:
    """The whole backup on one line: bar, percent, counts, rates, time left."""
    totals = job.totals()
    fraction = totals.fraction
    text = Text()  # wraps on narrow screens
    style = "green" if job.state == "finished" else "cyan"
    text.append(bar(fraction, max(10, min(30, width // 4))), style=style)
    text.append(f" {fraction * 100:3.0f}%" if fraction is not None else "   …", style="bold")
    total = "?" if totals.total is None else f"{totals.total:,}"
    text.append(f"  {totals.done:,}/{total} messages")
    text.append(f" · {totals.chats_ended}/{totals.chats} chats")
    if totals.media_done or totals.received:
        text.append(f" · {totals.media_done:,} files {human_bytes(totals.received)}")
    if job.running:
        text.append(f" · {totals.message_rate:,.0f} msg/s", style="bold")
        if totals.byte_rate:
            text.append(f" · {human_bytes(totals.byte_rate)}/s", style="bold")
        if job.is_paused():
            text.append(" · paused", style="yellow bold")
        elif totals.eta is not None:
            text.append(f" · ETA {duration(totals.eta)}")
    return text


def flood_text(job: BackupJob) -> str:
    """The FLOOD_WAIT banner ("" when there is none)."""
    left = job.flood_left()
    if left <= 0:
        return ""
    return (
        f"Telegram's flood limit: every chat waits {math.ceil(left)} s, as Telegram asks, "
        "then goes on by itself."
    )


def summary_text(job: BackupJob) -> Text:
    """What was saved, where, how long it took, and what failed."""
    totals = job.totals()
    took = (job.finished or 0.0) - (job.started or 0.0)
    text = Text()
    if job.error:
        text.append("Backup stopped: ", style="bold red")
        text.append(f"{clean(job.error, multiline=True)}\n")
        text.append("Everything written so far is consistent; start it again to resume.\n")
    else:
        text.append("Backup finished ", style="bold green")
        text.append(f"in {duration(took)}.\n")
    text.append(
        f"Saved {totals.done:,} messages ({totals.new:,} new) and "
        f"{totals.media_done:,} new files ({human_bytes(totals.received)}) "
        f"of {chats(totals.chats)}.\n"
    )
    text.append("Folder: ")
    text.append(f"{clean(job.options.out)}\n", style="bold")
    failures = job.failures()
    stopped = [r for r in job.rows.values() if r.status == "partial"]
    if failures:
        text.append(f"{len(failures):,} items failed: ", style="bold yellow")
        text.append("f lists them, r tries them again.")
    elif stopped:
        text.append(f"{chats(len(stopped))} stopped before the end: ", style="bold yellow")
        text.append("r goes on with them.")
    else:
        text.append("Everything chosen is saved.", style="green")
    text.append(" Ctrl+S backs these chats up again (only what is new).", style="dim")
    notes = [(r.target.name, note) for r in job.rows.values() for note in r.repairs]
    notes += [("", note) for note in (job.result.notes if job.result else [])]
    for name, note in notes[:20]:
        text.append("\nRepaired: " if name else "\nNote: ", style="bold cyan")
        if name:
            text.append(f"{clean(name, limit=60)}: ", style="bold")
        text.append(clean(note, limit=300))
    if len(notes) > 20:
        text.append(f"\n… and {len(notes) - 20:,} more (in the log)", style="dim")
    return text


def failures_text(job: BackupJob) -> Text:
    """Every failed chat and file, with its reason."""
    failures = job.failures()
    text = Text()
    if not failures:
        text.append("Nothing failed.", style="green")
        return text
    text.append(f"{len(failures):,} failed (r to retry):\n", style="bold")
    for failure in failures[:200]:
        text.append(clean(failure.chat, limit=80), style="bold")
        text.append(f" · {clean(failure.what, limit=120)}: ")
        text.append(f"{clean(failure.reason, limit=300)}\n", style="yellow")
    if len(failures) > 200:
        text.append(f"… and {len(failures) - 200:,} more (each chat's state.json lists them)")
    return text


def status_line(job: BackupJob) -> str:
    """The compact status the chat list shows while a backup runs or after it ended."""
    totals = job.totals()
    percent = f" · {totals.fraction * 100:.0f}% of messages" if totals.fraction is not None else ""
    following = job.following
    if following is not None:
        return (
            f"Following {chats(totals.chats)}: {following.new:,} new, {following.edits:,} "
            f"edited, {following.deletions:,} deleted · b to open"
        )
    if job.running:
        files = f" · {totals.media_done:,} files" if totals.media_done else ""
        speed = (
            f"{human_bytes(totals.byte_rate)}/s"
            if totals.byte_rate
            else (f"{totals.message_rate:,.0f} msg/s")
        )
        paused = " · paused" if job.is_paused() else ""
        return (
            f"Backup: {totals.chats_ended}/{totals.chats} chats{percent}{files} · "
            f"{speed}{paused} · b to open"
        )
    failed = job.failure_count()  # twice a second in the chat list: no file reads
    note = f" · {failed:,} failed" if failed else ""
    return f"Backup finished: {chats(totals.chats)}{note} · b to see it"
