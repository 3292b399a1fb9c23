"""The chats of a backup, one line each: bar, messages, files, rate and status.

A ScrollView on the Line API: 200 chats cost what the visible lines cost, and a redraw
reuses the widget (nothing is mounted per chat). The lines are drawn from a `BackupJob`'s
rows, which only the engine's events change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tgtui.backup.job import BackupJob
from tgtui.backup.rows import ChatRow
from tgtui.i18n import N_, _, counted, ngettext, number
from tgtui.units import bar, duration, human_bytes, message_rate, sizes
from tgtui.untrusted import clean
from tgtui.widgets.lines import CursorLines

BAR_WIDTH = 8
MIN_NAME, GOOD_NAME, MAX_NAME = 12, 20, 32
COUNT_WIDTH = 14  # " 12,345/67,890"
FILES_WIDTH, RATE_WIDTH, ETA_WIDTH, ID_WIDTH = 27, 11, 13, 15  # "faltam 12:34"
STATUS_WIDTH = 15  # the least the status keeps ("em andamento", "esperando 23 s")
FIXED_WIDTH = 2 + 1 + BAR_WIDTH + COUNT_WIDTH + STATUS_WIDTH  # glyph, gap, bar, counts, status
# Columns a narrow screen gives up first: the id, the rate, the time left; the files last.
OPTIONAL = ("id", "rate", "eta", "files")
STATUS_STYLE = {
    "queued": "dim",
    "running": "cyan",
    "waiting": "yellow",
    "paused": "yellow",
    "done": "green",
    "partial": "yellow",
    "skipped": "yellow",
    "failed": "red",
}
GLYPH = {
    "queued": "·",
    "running": "▶",
    "waiting": "…",
    "paused": "‖",
    "done": "✓",
    "partial": "◐",
    "skipped": "⊘",
    "failed": "✗",
}


# A chat's status as shown (the words are the engine's; these are the user's).
STATUS_WORD = {
    "queued": N_("queued"),
    "running": N_("running"),
    "waiting": N_("waiting"),
    "paused": N_("paused"),
    "done": N_("done"),
    "partial": N_("partial"),
    "skipped": N_("skipped"),
    "failed": N_("failed"),
}


def status_of(job: BackupJob, row: ChatRow) -> tuple[str, str]:
    """(status word, text shown) of a chat, with a live countdown while it waits."""
    if not row.ended and job.running and job.is_paused(row.chat_id):
        return "paused", _("paused")
    if row.status == "waiting" and row.wait_until is not None:
        left = max(0, math.ceil(row.wait_until - job.clock()))
        return "waiting", _("waiting {seconds} s").format(seconds=left)
    shown = _(STATUS_WORD.get(row.status, row.status))
    if row.status in ("partial", "skipped", "failed") and row.reason:
        return row.status, f"{shown}: {clean(_(row.reason), limit=300)}"
    if row.status == "done" and row.media_failed:
        failed = counted(
            "done, {count} file failed", "done, {count} files failed", row.media_failed
        )
        return "partial", failed
    if row.status == "queued" and row.estimate is None and job.state == "ready":
        return "queued", _("estimating…")
    return row.status, shown


def files_of(job: BackupJob, row: ChatRow, room: int | None = None) -> str:
    """The chat's files: what its estimate expects before its files come, then how many of
    how many are saved and their bytes ("7/12 files 2.4/5.1 MB"); within ``room`` cells,
    the word "files" goes before a number would be cut ("200/779 80.4/303.3 MB")."""
    estimate = row.estimate
    if not row.media_started and not row.ended and estimate is not None:
        if not row.files_wanted:
            return ""
        count = estimate.media_files
        mark = "" if estimate.files_counted else "≈"
        files = ngettext("{mark}{count} file", "{mark}{count} files", count).format(
            count=number(count), mark=mark
        )
        if not count:
            return files
        mark = "" if estimate.bytes_exact else "≈"
        return f"{files} {mark}{human_bytes(estimate.media_bytes)}"
    if row.media_total or row.media_done or row.received:
        size = sizes(row.received, None if row.ended else row.bytes_total)
        done, total = number(row.media_done), number(row.media_total)
        files = ngettext("{done}/{total} file", "{done}/{total} files", row.media_total).format(
            done=done, total=total
        )
        whole = f"{files} {size}"
        if room is not None and cell_len(whole) > room:
            return f"{done}/{total} {size}"  # the values whole, without the word
        return whole
    return ""


def eta_of(job: BackupJob, row: ChatRow) -> str:
    """The chat's time left, at its own pace ("" when not running or not known)."""
    if not job.running or row.status != "running" or job.is_paused(row.chat_id):
        return ""
    left = row.eta(job.clock())
    return "" if left is None else _("ETA {time}").format(time=duration(left))


def row_text(job: BackupJob, row: ChatRow, width: int) -> Text:
    """One chat's line, fitted to ``width`` cells: narrow screens drop the chat's id, then
    the rate, then its time left, then the files, before the name gets short."""
    word, status = status_of(job, row)
    style = STATUS_STYLE[word]
    rate = rate_of(job, row)
    files = files_of(job, row, FILES_WIDTH - 1)
    eta = eta_of(job, row)
    columns = {"files": FILES_WIDTH, "eta": ETA_WIDTH, "rate": RATE_WIDTH, "id": ID_WIDTH}
    for optional in OPTIONAL:  # the name keeps room to be read; the files go last
        least = MIN_NAME if optional == "files" else GOOD_NAME
        if width - FIXED_WIDTH - sum(columns.values()) >= least:
            break
        del columns[optional]
    name_width = max(MIN_NAME, min(MAX_NAME, width - FIXED_WIDTH - sum(columns.values())))
    fraction = row.fraction()
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{GLYPH[word]} ", style=style)
    name = set_cell_size(clean(row.target.name, limit=name_width) or _("(no name)"), name_width)
    text.append(f"{name} ", style="bold" if word == "running" else "")
    if "id" in columns:
        text.append(f"{row.chat_id:>{ID_WIDTH - 1}} ", style="dim")
    text.append(bar(fraction, BAR_WIDTH), style=style)
    total = "?" if row.total is None else number(row.total)
    counts = f"{number(row.done)}/{total}"
    text.append(f" {counts:>{COUNT_WIDTH - 1}}")
    if "files" in columns:
        text.append(f" {set_cell_size(files, FILES_WIDTH - 1)}", style="dim")
    if "rate" in columns:
        text.append(f" {set_cell_size(rate.rjust(RATE_WIDTH - 1), RATE_WIDTH - 1)}", style="dim")
    if "eta" in columns:
        text.append(f" {set_cell_size(eta.rjust(ETA_WIDTH - 1), ETA_WIDTH - 1)}", style="dim")
    text.append(f" {status}", style=style)
    text.truncate(width, overflow="ellipsis")  # a long reason ends in "…" at the edge
    return text


def rate_of(job: BackupJob, row: ChatRow) -> str:
    """The chat's speed since it started: messages, or bytes once its files are coming."""
    if row.ended or row.started is None:
        return ""
    elapsed = max(job.clock() - row.started, 1e-3)
    if row.media_started:
        return f"{human_bytes(row.received / elapsed)}/s"
    return message_rate(row.new / elapsed)


class BackupRows(CursorLines):
    """One line per chat of a backup, with a cursor for the per-chat actions."""

    @dataclass
    class Moved(Message):
        """The cursor is on another chat."""

        rows: BackupRows

    def __init__(self, job: BackupJob, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.job = job
        self.order = list(job.rows)  # chat ids, in the order chosen

    def on_mount(self) -> None:
        """Size the list to the chats."""
        self.virtual_size = Size(self.size.width, len(self.order))

    @property
    def current(self) -> ChatRow | None:
        """The chat under the cursor."""
        if 0 <= self.cursor < len(self.order):
            return self.job.rows[self.order[self.cursor]]
        return None

    def render_line(self, y: int) -> Strip:
        """One screen line."""
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.order):
            return Strip.blank(width, self.rich_style)
        return self.line_strip(row_text(self.job, self.job.rows[self.order[index]], width), index)

    def watch_cursor(self) -> None:
        """Keep the cursor in view."""
        self.scroll_to_cursor()
        self.post_message(self.Moved(self))

    @property
    def line_count(self) -> int:
        """One line per chat."""
        return len(self.order)
