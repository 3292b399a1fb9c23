"""The terminal's bars (`tgtui backup` on a terminal) are drawn a frame at a time, not at
every event: each frame adds up every chat's row, so drawing at every event was quadratic
(about 50 s of CPU for a run of 3,000 chats). The last events are drawn too, with the frame
after them."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

from rich.console import Console

from tgtui.backup import console as console_module
from tgtui.backup.console import ConsoleProgress
from tgtui.backup.job import BackupJob
from tgtui.backup.options import BackupOptions
from tgtui.backup.progress import ChatProgress, ChatStarted
from tgtui.backup.rows import Totals
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter

CHATS = 300


async def test_a_burst_of_events_is_drawn_in_a_few_frames_ending_on_its_last_counts() -> None:
    targets = [ChatTarget(n, f"chat {n}", "personal_chat", None, None) for n in range(1, CHATS + 1)]
    options = BackupOptions(out=Path("unused"), media=MediaFilter(frozenset(), None))
    job = BackupJob(None, targets, options)
    job.state = "running"  # as `run` leaves it: only the drawing is under test
    frames: list[Totals] = []
    totals = job.totals

    def counted_totals() -> Totals:
        frames.append(totals())
        return frames[-1]

    job.totals = counted_totals  # type: ignore[method-assign]
    bars = ConsoleProgress(Console(file=io.StringIO(), force_terminal=True, width=120), CHATS)
    bars.watch(job)
    job.listener = bars
    began = time.monotonic()
    with bars:
        for chat in range(1, CHATS + 1):
            job.on_event(ChatStarted(chat, f"chat {chat}", 0))
            for page in (1, 2, 3):
                job.on_event(ChatProgress(chat, 100 * page, 300, 100 * page))
        burst = time.monotonic() - began
        for _ in range(500):  # the frame after the burst, however loaded the machine
            if frames and frames[-1].new == CHATS * 300:
                break
            await asyncio.sleep(0.01)
    assert frames[-1].new == CHATS * 300  # the last counts were drawn
    assert len(frames) <= 2 + burst / console_module.DRAW_EVERY  # not one a 1,200 events
