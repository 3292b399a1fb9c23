"""What an unattended `tgtui backup` writes: a line per chat start and end, waits, and a
heartbeat that keeps its pace while nothing happens (a long FLOOD_WAIT); JSON events that
parse and carry the exact names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tgtui.backup.json_progress import JsonProgress
from tgtui.backup.progress import ChatFinished, ChatProgress, ChatStarted, MediaProgress, Waiting
from tgtui.backup.reporters import LineProgress
from tgtui.backup.selection import ChatTarget


def finished(chat_id: int, name: str, *outcome: Any, **more: Any) -> ChatFinished:
    """A chat's end as the engine sends it (its target and folder made up)."""
    target = ChatTarget(chat_id, name, "personal_chat", None, None)
    return ChatFinished(target, Path("chats") / str(chat_id), *outcome, **more)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lines_tell_each_chat_and_beat_through_a_long_wait() -> None:
    clock = Clock()
    out: list[str] = []
    report = LineProgress(out.append, 2, every=30, clock=clock)
    report(ChatStarted(7, "Hidden \x1b[2JHikers", already=120))
    report(ChatProgress(7, 620, 1000, new=500))
    report(Waiting(7, "messages.getHistory", 300.0, "flood", "FLOOD_WAIT_300"))
    report(Waiting(None, "messages.getHistory", 300.0, "flood", "FLOOD_WAIT_300"))  # same wait
    assert out == [
        "backing up 2 chats",
        "started: Hidden ␛[2JHikers (7), 120 saved before",
        "waiting 300 s: Telegram asks for a pause (messages.getHistory); every chat goes on "
        "after it",
    ]
    for _ in range(95):  # the wait goes on: no event, but the clock ticks
        clock.now += 1
        report.tick()
    beats = [line for line in out if line.startswith("progress:")]
    assert len(beats) == 3  # at 30, 60 and 90 s
    assert beats[-1] == (
        "progress: 0 of 2 chats done, 1 running, 500 new messages (6/s), 0.0 MB of files, "
        "1 min 30 s so far"
    )
    report(finished(7, "Hidden Hikers", "complete", None, 1000, 880, media_done=3))
    report(finished(9, "Kofi", "skipped", "the chat is private now", 0, 0))
    assert out[-2] == "complete: Hidden Hikers (7): 1,000 messages (880 new), 3 files"
    report(finished(5, "News", "complete", None, 10, 0, edits=2, deletions=1))
    assert out[-1] == (
        "complete: News (5): 10 messages (0 new), 0 files; 2 edited, 1 deleted on Telegram"
    )
    out.pop()
    assert out[-1] == "skipped: Kofi (9): 0 messages (0 new), 0 files; the chat is private now"


def test_no_heartbeat_when_asked_for_none() -> None:
    clock = Clock()
    out: list[str] = []
    report = LineProgress(out.append, 1, every=0, clock=clock)
    clock.now += 3600
    report.tick()
    assert out == ["backing up 1 chat"]


def test_json_events_parse_keep_exact_names_and_pace_progress() -> None:
    clock = Clock()
    out: list[str] = []
    report = JsonProgress(out.append, 1, every=10, clock=clock)
    name = "Zoë \u202e\x9b31m"
    report(ChatStarted(-100123, name, already=0))
    for done in range(0, 1000, 100):  # ten progress events within one second
        report(ChatProgress(-100123, done, 1000, new=done))
    clock.now += 1.5
    report(MediaProgress(-100123, 1, 4, 0, 2048, 8192))
    clock.now += 10
    report.tick()
    report(finished(-100123, name, "complete", None, 1000, 1000, media_done=4))
    report.finished(0, None, "/backups")
    for line in out:
        assert "\u202e" not in line  # escaped, so a terminal showing the stream is safe
        assert "\x9b" not in line
    events = [json.loads(line) for line in out]
    kinds = [e["event"] for e in events]
    assert kinds == [
        "start",
        "chat_started",
        "chat_progress",
        "media_progress",
        "heartbeat",
        "chat_finished",
        "finished",
    ]
    assert events[1]["name"] == name  # the real name, for scripts
    assert events[3] == {**events[3], "done": 1, "total": 4, "bytes": 2048}
    assert events[4]["new_messages"] == 900  # every event counted, if not every one shown
    assert events[5]["files"] == 4
    assert events[6]["exit_code"] == 0
