"""The chats of a backup, one line each: bar, messages, files, rate and status.

A ScrollView on the Line API: 200 chats cost what the visible lines cost, and a redraw
reuses the widget (nothing is mounted per chat). The lines are drawn from a `BackupJob`'s
rows, which only the engine's events change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tgtui.backup.job import BackupJob
from tgtui.backup.rows import ChatRow
from tgtui.i18n import N_, _, counted, ngettext, number
from tgtui.units import bar, human_bytes, message_rate
from tgtui.untrusted import clean
from tgtui.widgets.lines import CursorLines

BAR_WIDTH = 12
MIN_NAME, MAX_NAME = 16, 32
FILES_WIDTH, RATE_WIDTH, ID_WIDTH = 32, 11, 15
FIXED_WIDTH = 2 + 1 + BAR_WIDTH + 20 + 16  # glyph, gap, bar, counts, status
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


def row_text(job: BackupJob, row: ChatRow, width: int) -> Text:
    """One chat's line, fitted to ``width`` cells: narrow screens drop the chat's id, then
    the rate, then the files, before the name gets short."""
    word, status = status_of(job, row)
    style = STATUS_STYLE[word]
    rate = rate_of(job, row)
    if job.state == "ready" and row.estimate is not None:
        count = row.estimate.media_files
        files = ngettext("≈{count} file {size}", "≈{count} files {size}", count).format(
            count=number(count), size=human_bytes(row.estimate.media_bytes)
        )
    elif row.media_total:
        size = human_bytes(row.received)
        if row.media_bytes and not row.ended:
            size = f"{size}/{human_bytes(row.media_bytes)}"
        files = _("{done}/{total} files {size}").format(
            done=number(row.media_done), total=number(row.media_total), size=size
        )
    else:
        files = ""
    columns = {"files": FILES_WIDTH, "rate": RATE_WIDTH, "id": ID_WIDTH}
    for optional in ("id", "rate", "files"):
        if width - FIXED_WIDTH - sum(columns.values()) >= MIN_NAME:
            break
        del columns[optional]
    name_width = max(MIN_NAME, min(MAX_NAME, width - FIXED_WIDTH - sum(columns.values())))
    fraction = None if row.total is None else (row.done / row.total if row.total else 1.0)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{GLYPH[word]} ", style=style)
    name = set_cell_size(clean(row.target.name, limit=name_width) or _("(no name)"), name_width)
    text.append(f"{name} ", style="bold" if word == "running" else "")
    if "id" in columns:
        text.append(f"{row.chat_id:>{ID_WIDTH - 1}} ", style="dim")
    text.append(bar(None if fraction is None else min(1.0, fraction), BAR_WIDTH), style=style)
    total = "?" if row.total is None else number(row.total)
    text.append(f" {number(row.done):>9}/{total:<9}")
    if "files" in columns:
        text.append(f" {files:<{FILES_WIDTH - 1}}", style="dim")
    if "rate" in columns:
        text.append(f" {rate:>{RATE_WIDTH - 1}}", style="dim")
    text.append(f" {status}", style=style)
    return text


def rate_of(job: BackupJob, row: ChatRow) -> str:
    """The chat's speed since it started: messages, or bytes once its files are coming."""
    if row.ended or row.started is None:
        return ""
    elapsed = max(job.clock() - row.started, 1e-3)
    if row.media_total:
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
            return Strip.blank(width)
        return self.line_strip(row_text(self.job, self.job.rows[self.order[index]], width), index)

    def watch_cursor(self) -> None:
        """Keep the cursor in view."""
        self.scroll_to_cursor()
        self.post_message(self.Moved(self))

    @property
    def line_count(self) -> int:
        """One line per chat."""
        return len(self.order)
