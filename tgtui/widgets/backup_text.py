"""The backup screen's words: the estimate, the overall line, the summary, the failures.

Plain functions of a `BackupJob`, so the screen only decides where they go.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from tgtui.i18n import _, counted, ngettext, number
from tgtui.units import bar, duration, human_bytes, message_rate, percent, sizes
from tgtui.untrusted import clean

if TYPE_CHECKING:  # the chat list shows a job's status without loading the engine first
    from tgtui.backup.job import BackupJob


def chats(count: int) -> str:
    """ "1 chat", "5 chats"."""
    return counted("{count} chat", "{count} chats", count)


def estimate_text(job: BackupJob) -> Text:
    """What the backup will fetch, as far as the estimates have come."""
    rows = list(job.rows.values())
    estimates = [r.estimate for r in rows if r.estimate is not None]
    text = Text()
    if not estimates:
        text.append(_("Estimating {chats}…").format(chats=chats(len(rows))), style="dim")
        return text
    fetch = sum(e.to_fetch for e in estimates)
    saved = sum(e.on_disk for e in estimates)
    files = sum(e.media_files for e in estimates)
    size = sum(e.media_bytes for e in estimates)
    text.append(
        "≈ " + counted("{count} message to fetch", "{count} messages to fetch", fetch),
        style="bold",
    )
    if saved:
        text.append(" (" + counted("{count} already saved", "{count} already saved", saved) + ")")
    note = ""
    if job.options.media.kinds:
        files_counted = all(e.files_counted for e in estimates) and len(estimates) == len(rows)
        exact = files_counted and all(e.bytes_exact for e in estimates)
        figures = f"{counted('{count} file', '{count} files', files)}, {human_bytes(size)}"
        text.append(f" · {figures}" if exact else f" · ≈ {figures}", style="bold")
        if not files_counted:
            note = _("files guessed from the newest messages")
        elif not exact:
            note = _("files as Telegram counts them; their size guessed from the newest")
    else:
        text.append(" · " + _("no media"))
    waiting = sum(1 for r in rows if not job.fully_estimated(r))
    if waiting:
        estimating = _("estimating {done} of {total}…").format(
            done=number(len(rows) - waiting), total=number(len(rows))
        )
        text.append(f" · {estimating}", style="dim")
    elif note:
        text.append(f" · {note}", style="dim")
    if job.options.since or job.options.until:
        text.append(" · " + _("the date range fetches less"), style="dim")
    return text


def fit(parts: list[tuple[str, str]], width: int, separator: str = " · ") -> Text:
    """(text, style) parts joined by ``separator`` on lines of at most ``width`` cells: a
    line breaks between parts, never inside one ("78.3 MB" is never "78.3" and "MB")."""
    text = Text(no_wrap=True, overflow="ellipsis")
    used = 0
    for n, (part, style) in enumerate(parts):
        size = cell_len(part)
        if n and used + len(separator) + size > width:
            text.append("\n")
            used = 0
        elif n:
            text.append(separator)
            used += len(separator)
        text.append(part, style=style)
        used += size
    return text


def overall_text(job: BackupJob, width: int) -> Text:
    """The whole backup: bar, percent (messages and files together), counts, rates, time
    left; on as many lines as ``width`` needs, each value whole. While following: what
    arrived, since when."""
    if job.following is not None:
        return following_text(job, width)
    totals = job.totals()
    fraction = totals.fraction
    style = "green" if job.state == "finished" else "cyan"
    track = bar(fraction, max(10, min(30, width // 4)))
    shown = f"{track} {percent(fraction):>4}" if fraction is not None else f"{track}    …"
    parts: list[tuple[str, str]] = [(shown, style)]
    total = "?" if totals.total is None else number(totals.total)
    parts.append((_("{done}/{total} messages").format(done=number(totals.done), total=total), ""))
    parts.append(
        (_("{ended}/{count} chats").format(ended=totals.chats_ended, count=totals.chats), "")
    )
    if job.options.media.kinds or totals.media_done or totals.received:
        files = totals.files_total
        if files is None or job.state == "finished":
            counted_files = counted("{count} file", "{count} files", totals.media_done)
        else:
            mark = "≈" if totals.guessed else ""
            counted_files = ngettext(
                "{done}/{mark}{total} file", "{done}/{mark}{total} files", files
            ).format(done=number(totals.media_done), total=number(files), mark=mark)
        expected = None if job.state == "finished" else totals.bytes_total
        parts.append((counted_files, ""))
        parts.append((sizes(totals.received, expected, guess=totals.guessed), ""))
    if job.running:
        if totals.byte_rate:
            parts.append((f"{human_bytes(totals.byte_rate)}/s", "bold"))
        parts.append((message_rate(totals.message_rate), "bold"))
        if job.is_paused():
            parts.append((_("paused"), "yellow bold"))
        elif totals.eta is not None:
            parts.append((_("ETA {time}").format(time=duration(totals.eta)), "bold"))
    return fit(parts, width)


def following_text(job: BackupJob, width: int) -> Text:
    """Following, as it goes: since when, what arrived, when last, what is not up to date."""
    following = job.following
    assert following is not None
    now = time.monotonic()
    began = following.began.astimezone().strftime("%H:%M")
    parts: list[tuple[str, str]] = [
        (
            _("Following since {clock} ({time})").format(
                clock=began, time=duration(now - following.since)
            ),
            "bold cyan",
        ),
        (counted("{count} new message", "{count} new messages", following.new), ""),
        (counted("{count} edited", "{count} edited", following.edits), ""),
        (counted("{count} deleted", "{count} deleted", following.deletions), ""),
        (counted("{count} file", "{count} files", following.files), ""),
    ]
    if following.last is not None:
        ago = _("the last change {time} ago").format(time=duration(now - following.last))
        parts.append((ago, "dim"))
    else:
        parts.append((_("nothing new yet"), "dim"))
    if following.behind:
        behind = counted(
            "{count} chat not up to date", "{count} chats not up to date", len(following.behind)
        )
        parts.append((behind, "yellow"))
    parts.append((_("F stops following"), "dim"))
    return fit(parts, width)


def flood_text(job: BackupJob) -> str:
    """The FLOOD_WAIT banner ("" when there is none)."""
    left = job.flood_left()
    if left <= 0:
        return ""
    return _(
        "Telegram's flood limit: every chat waits {seconds} s, as Telegram asks, "
        "then goes on by itself."
    ).format(seconds=math.ceil(left))


def summary_text(job: BackupJob) -> Text:
    """What was saved, where, how long it took, and what failed."""
    totals = job.totals()
    took = (job.finished or 0.0) - (job.started or 0.0)
    text = Text()
    if job.error:
        text.append(_("Backup stopped:") + " ", style="bold red")
        text.append(f"{clean(job.error, multiline=True)}\n")
        text.append(_("Everything written so far is consistent; start it again to resume.") + "\n")
    else:
        text.append(
            _("Backup finished in {time}.").format(time=duration(took)) + "\n", style="bold green"
        )
    saved = counted("Saved {count} message", "Saved {count} messages", totals.done)
    new = counted("{count} new", "{count} new", totals.new)
    files = counted("{count} new file", "{count} new files", totals.media_done)
    text.append(
        _("{saved} ({new}) and {files} ({size}) of {chats}.").format(
            saved=saved,
            new=new,
            files=files,
            size=human_bytes(totals.received),
            chats=chats(totals.chats),
        )
        + "\n"
    )
    text.append(_("Folder:") + " ")
    text.append(f"{clean(job.options.out)}\n", style="bold")
    failures = job.failures()
    stopped = [r for r in job.rows.values() if r.status == "partial"]
    if failures:
        failed = counted("{count} item failed:", "{count} items failed:", len(failures))
        text.append(failed + " ", style="bold yellow")
        text.append(_("f lists them, r tries them again."))
    elif stopped:
        text.append(
            counted(
                "{count} chat stopped before the end:",
                "{count} chats stopped before the end:",
                len(stopped),
            )
            + " ",
            style="bold yellow",
        )
        text.append(_("r goes on with them."))
    else:
        text.append(_("Everything chosen is saved."), style="green")
    text.append(" " + _("Ctrl+S backs these chats up again (only what is new)."), style="dim")
    notes = [(r.target.name, note) for r in job.rows.values() for note in r.repairs]
    notes += [("", note) for note in (job.result.notes if job.result else [])]
    for name, note in notes[:20]:
        text.append("\n" + (_("Repaired:") if name else _("Note:")) + " ", style="bold cyan")
        if name:
            text.append(f"{clean(name, limit=60)}: ", style="bold")
        text.append(clean(note, limit=300))
    if len(notes) > 20:
        more = _("… and {count} more (in the log)").format(count=number(len(notes) - 20))
        text.append("\n" + more, style="dim")
    return text


def failures_text(job: BackupJob) -> Text:
    """Every failed chat and file, with its reason."""
    failures = job.failures()
    text = Text()
    if not failures:
        text.append(_("Nothing failed."), style="green")
        return text
    failed = counted("{count} failed (r to retry):", "{count} failed (r to retry):", len(failures))
    text.append(failed + "\n", style="bold")
    for failure in failures[:200]:
        text.append(clean(failure.chat, limit=80), style="bold")
        text.append(f" · {clean(failure.what, limit=120)}: ")
        text.append(f"{clean(_(failure.reason), limit=300)}\n", style="yellow")
    if len(failures) > 200:
        more = len(failures) - 200
        text.append(
            _("… and {count} more (each chat's state.json lists them)").format(count=number(more))
        )
    return text


def status_line(job: BackupJob) -> str:
    """The compact status the chat list shows while a backup runs or after it ended."""
    totals = job.totals()
    following = job.following
    if following is not None:
        return _(
            "Following {chats}: {new} new, {edited} edited, {deleted} deleted · b to open"
        ).format(
            chats=chats(totals.chats),
            new=number(following.new),
            edited=number(following.edits),
            deleted=number(following.deletions),
        )
    if job.running:
        parts = [
            _("Backup: {ended}/{count} chats").format(ended=totals.chats_ended, count=totals.chats)
        ]
        if totals.fraction is not None:
            parts.append(_("{percent} done").format(percent=percent(totals.fraction)))
        if totals.media_done:
            parts.append(counted("{count} file", "{count} files", totals.media_done))
        if totals.byte_rate:
            parts.append(f"{human_bytes(totals.byte_rate)}/s")
        else:
            parts.append(message_rate(totals.message_rate))
        if job.is_paused():
            parts.append(_("paused"))
        parts.append(_("b to open"))
        return " · ".join(parts)
    failed = job.failure_count()  # twice a second in the chat list: no file reads
    parts = [_("Backup finished: {chats}").format(chats=chats(totals.chats))]
    if failed:
        parts.append(counted("{count} failed", "{count} failed", failed))
    parts.append(_("b to see it"))
    return " · ".join(parts)
