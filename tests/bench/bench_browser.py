"""The chat browser at 10,000+ chats: tgtui's virtual list against a naive OptionList.

    python -m tests.bench.bench_browser [--dialogs 10000,100000] [--keys 40] [--quick]

`tgtui sandbox` runs as its own process (so tracemalloc counts the app, not the server). For
each size, side by side in one run:

- tgtui: the real TgtuiApp, headless, signed in: time until the first rows show, time for
  End to reach the last chat, the longest the event loop was blocked meanwhile (a key
  pressed then waits that long), the slowest of 40 key presses once idle (a Pilot round
  trip: the key, its handling, the next screen update and Pilot's wait for the process to
  go idle), the slowest of 40 keys from the key event posted to the cursor moved, and
  tracemalloc's peak (measured in a second, traced pass: tracing slows everything);
- naive: an app that fetches every dialog (client.get_dialogs) and fills an OptionList,
  then the same End and key presses.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from telethon import TelegramClient
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tests.tui.helpers import chats_loaded, settings_for, wait_for
from tgtui.app import AppContext, TgtuiApp
from tgtui.telegram.service import CLIENT_OPTIONS, ClientSpec, TelegramService
from tgtui.widgets.dialog_list import DialogList

SIZE = (120, 40)
LIMIT = 300.0  # seconds one contender may take
QUICK = {"dialogs": "300", "keys": 5}


class NaiveBrowser(App[None]):
    """Fetch every dialog, then show them all in an OptionList."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__()
        self.info = info
        self.filled = False

    def compose(self) -> ComposeResult:
        yield OptionList()

    async def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_worker(self._load(), exclusive=True)

    async def _load(self) -> None:
        info = self.info
        client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
        await client.connect()
        dialogs = await client.get_dialogs(limit=None)
        self.query_one(OptionList).add_options(d.name or "(no name)" for d in dialogs)
        self.query_one(OptionList).focus()
        self.filled = True
        await client.disconnect()


class StallMonitor:
    """The longest time the event loop was blocked (a key pressed then waits that long)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            self.longest = max(self.longest, time.perf_counter() - started - 0.005)

    def __enter__(self) -> StallMonitor:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def _keys(pilot: Any, keys: int) -> float:
    """The slowest of ``keys`` up/down presses, in seconds."""
    slowest = 0.0
    for i in range(keys):
        started = time.perf_counter()
        await pilot.press("up" if i % 2 else "down")
        slowest = max(slowest, time.perf_counter() - started)
    return slowest


async def _keys_handled(app: App[Any], position: Callable[[], object], keys: int) -> float:
    """The slowest of ``keys`` up/down keys, from the key event posted to the cursor moved.

    Unlike Pilot.press, this does not wait for the whole process to go idle.
    """
    slowest = 0.0
    for i in range(keys):
        before = position()
        started = time.perf_counter()
        app.post_message(events.Key("down" if i % 2 else "up", None))
        while position() == before:  # noqa: ASYNC110 - the list posts nothing to wait on
            await asyncio.sleep(0.0005)
        slowest = max(slowest, time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return slowest


async def run_tgtui(
    info: dict[str, Any], folder: Path, keys: int, *, trace: bool
) -> dict[str, float]:
    """tgtui's figures."""
    spec = ClientSpec(Path(info["session"]), info["api_id"], info["api_hash"], user_folder=True)
    service = TelegramService(spec)
    service.open()
    app = TgtuiApp(AppContext(service=service, settings=settings_for(folder)))
    figures: dict[str, float] = {}
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: chats_loaded(app), within=LIMIT)
            figures["first rows"] = time.perf_counter() - started
            listing = app.screen.query_one(DialogList)
            end_started = time.perf_counter()
            with StallMonitor() as stalls:
                await pilot.press("end")
                await wait_for(
                    pilot,
                    lambda: listing.done and listing.cursor == len(listing.rows) - 1,
                    within=LIMIT,
                )
            figures["End to last"] = time.perf_counter() - end_started
            figures["longest stall"] = stalls.longest
            figures["slowest key"] = await _keys(pilot, keys)
            figures["key handled"] = await _keys_handled(app, lambda: listing.cursor, keys)
    finally:
        if trace:
            figures["peak MB"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        service.close()
    return figures


async def run_naive(info: dict[str, Any], keys: int, *, trace: bool) -> dict[str, float]:
    """The naive browser's figures."""
    app = NaiveBrowser(info)
    figures: dict[str, float] = {}
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        async with app.run_test(size=SIZE) as pilot:
            with StallMonitor() as stalls:
                await wait_for(pilot, lambda: app.filled, within=LIMIT)
                await pilot.pause()
                figures["first rows"] = time.perf_counter() - started
                end_started = time.perf_counter()
                await pilot.press("end")
                await pilot.pause()
                figures["End to last"] = time.perf_counter() - end_started
            figures["longest stall"] = stalls.longest
            figures["slowest key"] = await _keys(pilot, keys)
            options = app.query_one(OptionList)
            figures["key handled"] = await _keys_handled(app, lambda: options.highlighted, keys)
    finally:
        if trace:
            figures["peak MB"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    return figures


async def main() -> None:
    """Measure each size and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dialogs", default="10000,100000")
    parser.add_argument("--keys", type=int, default=40, help="arrow keys timed")
    args = parse_args(parser, QUICK)
    made: dict[str, float] = {}
    print(
        "| chats | browser | first rows | End to last chat | longest UI stall "
        "| slowest key (idle, Pilot) | slowest key handled | peak memory |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for count in (int(x) for x in args.dialogs.split(",")):
            process, info = await start_sandbox(
                "--dialogs", str(count), "--messages", "20",
                "--session-out", str(folder / f"b{count}.session"),
            )  # fmt: skip
            try:
                contenders: tuple[tuple[str, Callable[..., Awaitable[dict[str, float]]]], ...] = (
                    ("tgtui", partial(run_tgtui, info, folder, args.keys)),
                    ("naive", partial(run_naive, info, args.keys)),
                )
                for name, job in contenders:
                    figures = await job(trace=False)  # times, untraced
                    figures["peak MB"] = (await job(trace=True))["peak MB"]  # memory, traced
                    print(
                        f"| {count:,} | {name} | {figures['first rows']:.2f} s | "
                        f"{figures['End to last']:.2f} s | "
                        f"{figures['longest stall'] * 1000:.0f} ms | "
                        f"{figures['slowest key'] * 1000:.0f} ms | "
                        f"{figures['key handled'] * 1000:.0f} ms | "
                        f"{figures['peak MB']:.0f} MB |",
                        flush=True,
                    )
                    made.update({f"{count} {name} {key}": v for key, v in figures.items()})
            finally:
                await stop_sandbox(process)
    check_figures(made)


if __name__ == "__main__":
    asyncio.run(main())
