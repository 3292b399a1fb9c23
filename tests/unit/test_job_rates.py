"""The rates a backup shows (messages and bytes a second, and so the time left) add up every
chat's counts, and an event costs the same with 10 chats as with 10,000: the sums are kept as
each event changes its chat, not added up again over every chat (which was quadratic: about
15 s of CPU for a run of 10,000 chats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tgtui.backup.job import BackupJob
from tgtui.backup.options import BackupOptions
from tgtui.backup.progress import ChatProgress, ChatStarted, MediaProgress
from tgtui.backup.rows import ChatRow
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountedRows(dict[int, ChatRow]):
    """The job's rows, counting how often all of them are gone through."""

    walks = 0

    def values(self) -> Any:
        self.walks += 1
        return super().values()


def _job(chats: int, clock: Clock) -> BackupJob:
    targets = [ChatTarget(n, f"chat {n}", "personal_chat", None, None) for n in range(1, chats + 1)]
    options = BackupOptions(out=Path("unused"), media=MediaFilter(frozenset({"photo"}), None))
    job = BackupJob(None, targets, options, clock=clock)
    job.state = "running"  # as `run` leaves it: only the events are under test
    return job


def test_the_rates_add_up_every_chat() -> None:
    clock = Clock()
    job = _job(3, clock)
    for chat in (1, 2, 3):
        job.on_event(ChatStarted(chat, f"chat {chat}", 0))
    clock.now += 1
    job.on_event(ChatProgress(1, 100, 300, 100))
    clock.now += 1
    job.on_event(ChatProgress(2, 50, 50, 50))
    job.on_event(ChatProgress(1, 200, 300, 200))  # chat 1 again: its count, not a second one
    clock.now += 1
    job.on_event(MediaProgress(3, 1, 2, 0, 4_000, 8_000))
    job.on_event(MediaProgress(3, 2, 2, 0, 6_000, 8_000))
    totals = job.totals()
    assert totals.new == 250
    assert totals.message_rate == pytest.approx(250 / 3)
    assert totals.byte_rate == pytest.approx(6_000 / 3)


def test_an_event_does_not_go_through_every_chat() -> None:
    clock = Clock()
    job = _job(1_000, clock)
    rows = job.rows = CountedRows(job.rows)
    for chat in range(1, 1_001):
        job.on_event(ChatStarted(chat, f"chat {chat}", 0))
        clock.now += 0.01
        job.on_event(ChatProgress(chat, 10, 10, 10))
    assert rows.walks == 0
    assert job.totals().new == 10_000
