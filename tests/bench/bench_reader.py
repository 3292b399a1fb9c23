"""Reading a big chat in the TUI: opening at the newest message, jumps, and memory, against a
plain reader that loads the whole JSONL first, side by side in one run.

    python -m tests.bench.bench_reader [--messages 1000000] [--jumps 30] [--keep DIR] [--quick]

The backup is the one search and export read (`tests.bench.common.shared_backup`: 4 chats,
the biggest with --messages, saved by one `BackupEngine` run, messages only), made once when
``$TGTUI_BENCH_CACHE`` is set. Then, each in a fresh process so memory is its own:

- **plain**: what a reader without an index does: read every line of the biggest chat's JSONL
  and parse it (`json.loads`), keeping only the last screenful, then show it; the time to its
  first screen, its peak RSS;
- **tgtui**: `ReaderApp` headless at 100x34, the chat opened (`ChatScreen`): the time until the
  newest messages are laid out; then Home, End and `--jumps` date jumps to random days (the
  actions the keys run), each timed until the target is laid out on screen; the longest stall
  of the event loop (a 5 ms timer that notes how late it fires) while opening, and while
  jumping; peak RSS of the whole process.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.common import (
    BIG,
    SMALL,
    BackupWorld,
    add_keep_option,
    check_figures,
    parse_args,
    shared_backup,
)

QUICK = {"messages": SMALL.messages, "jumps": 3}


async def _poll(condition: Any) -> None:
    """Wait until ``condition()`` holds, looking every millisecond (the reader's state has no
    event to wait on, and a finer look would only add its own cost)."""
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.001)


def _at(view: Any) -> object:
    current = view.current
    return None if current is None else current.get("id")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain(jsonl: Path) -> dict[str, float]:
    """Parse every message, keeping the last screenful: then the newest are ready."""
    started = time.perf_counter()
    with jsonl.open("rb") as handle:
        newest = collections.deque((json.loads(line) for line in handle), maxlen=30)
    assert newest
    return {"open_s": time.perf_counter() - started, "rss_mb": _peak_rss_mb()}


async def tgtui_reader(folder: Path, jumps: int) -> dict[str, float]:
    """The real reader, headless."""
    from tgtui.archive.service import ArchiveService
    from tgtui.reader_app import ReaderApp
    from tgtui.screens.reader import ChatScreen
    from tgtui.widgets.message_view import MessageView

    app = ReaderApp(ArchiveService(folder))
    figures: dict[str, float] = {}
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        chat = max(app.service.archive.chats, key=lambda c: c.messages)
        lag = [0.0]
        loop = asyncio.get_running_loop()
        expected = [loop.time() + 0.005]

        def tick() -> None:
            lag[0] = max(lag[0], loop.time() - expected[0])
            expected[0] = loop.time() + 0.005
            loop.call_later(0.005, tick)

        loop.call_later(0.005, tick)
        started = time.perf_counter()
        screen = ChatScreen(app.service, chat)
        await app.push_screen(screen)
        view = app.screen.query_one(MessageView)
        await _poll(lambda: bool(view.rows))
        figures["open_s"] = time.perf_counter() - started
        log = screen.chat_log
        assert log is not None
        await _poll(lambda: log.complete)
        figures["count_all_s"] = time.perf_counter() - started

        figures["stall_open_s"] = lag[0]
        lag[0] = 0.0  # from here on: jumps, with every line placed

        async def timed(act: Any, until: Any) -> float:
            began = time.perf_counter()
            act()
            await _poll(until)
            return time.perf_counter() - began

        oldest = log.at(log.count - 1)["id"]
        newest = log.at(0)["id"]
        figures["home_s"] = await timed(
            view.action_oldest, until=lambda: _at(view) == oldest and view.rows
        )
        figures["end_s"] = await timed(
            view.action_newest, until=lambda: _at(view) == newest and view.rows
        )
        first = int(log.at(log.count - 1)["date_unixtime"])
        last = int(log.at(0)["date_unixtime"])
        rng = random.Random(9)
        times = []
        for _ in range(jumps):
            day = dt.datetime.fromtimestamp(rng.randrange(first, last), dt.UTC).date()
            when = dt.datetime.combine(day, dt.time(), dt.UTC)
            target = log.find_date(when)
            assert target is not None
            wanted = log.at(target)["id"]
            times.append(
                await timed(
                    lambda w=when: screen.go_to_date(w),
                    until=lambda w=wanted: _at(view) == w and view.rows,
                )
            )
        times.sort()
        figures["jump_median_s"] = times[len(times) // 2]
        figures["jump_max_s"] = times[-1]
        figures["stall_max_s"] = lag[0]
        figures["rss_mb"] = _peak_rss_mb()
        app.exit()
    return figures


def _child(mode: str, folder: Path, jumps: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_reader", "--child", mode, str(folder),
         "--jumps", str(jumps)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


async def main(messages: int, jumps: int, keep: Path | None) -> None:
    async with shared_backup(BackupWorld(BIG.dialogs, messages), keep) as out:
        manifest = json.loads((out / "manifest.json").read_text())
        big = max(manifest["chats"], key=lambda c: c["messages"])
        jsonl = out / big["path"] / "messages.jsonl"
        print(f"chat: {big['messages']:,} messages, {jsonl.stat().st_size / 1e6:,.0f} MB")
        naive = _child("plain", jsonl, jumps)
        ours = _child("tgtui", out, jumps)
        print(f"plain: newest shown after {naive['open_s']:.2f} s, peak RSS "
              f"{naive['rss_mb']:.0f} MB")  # fmt: skip
        print(f"tgtui: newest shown after {ours['open_s']:.3f} s "
              f"({naive['open_s'] / ours['open_s']:,.0f}x sooner), every line placed after "
              f"{ours['count_all_s']:.2f} s; Home {ours['home_s'] * 1000:.0f} ms, End "
              f"{ours['end_s'] * 1000:.0f} ms, {jumps} date jumps median "
              f"{ours['jump_median_s'] * 1000:.0f} ms max {ours['jump_max_s'] * 1000:.0f} ms; "
              f"longest event-loop stall while opening {ours['stall_open_s'] * 1000:.0f} ms, "
              f"while jumping {ours['stall_max_s'] * 1000:.0f} ms; "
              f"peak RSS {ours['rss_mb']:.0f} MB (plain: {naive['rss_mb']:.0f} MB)")  # fmt: skip
        check_figures(
            {
                **{f"plain {key}": value for key, value in naive.items()},
                **{f"tgtui {key}": value for key, value in ours.items()},
            }
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--jumps", type=int, default=30)
    add_keep_option(parser)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    arguments = parse_args(parser, QUICK)
    if arguments.child:
        mode, path = arguments.child
        if mode == "plain":
            result = plain(Path(path))
        else:
            result = asyncio.run(tgtui_reader(Path(path), arguments.jumps))
        print(json.dumps(result))
    else:
        asyncio.run(main(arguments.messages, arguments.jumps, arguments.keep))
