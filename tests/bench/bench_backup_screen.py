"""The backup screen's cost: 200 chats backing up in the real app, headless.

    python -m tests.bench.bench_backup_screen [--chats 200] [--latency 20] [--messages 1500]
                                              [--keys 40] [--quick]

`tgtui sandbox` runs as its own process. Side by side in one run, on the same chats:

- engine: `BackupEngine` alone (no screen), the reference speed (after a warm-up run, as
  the sandbox builds messages on first read);
- TUI: the real TgtuiApp with the backup screen open on the same chats (a fresh folder),
  messages and files up to 0.2 MB. Meanwhile: the time each redraw of the screen takes
  (overall line, banner, and the visible rows), the longest the event loop was blocked, and
  the slowest of ``--keys`` key presses (from the key event posted to the cursor moved).

The ratio of the two backup times is what the screen costs the backup.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient
from textual import events
from textual.message import Message
from textual.widgets import Input

from tests.bench.bench_browser import StallMonitor
from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tests.tui.helpers import settings_for, wait_for
from tgtui.app import AppContext, TgtuiApp
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import ChatTarget, all_dialogs, target_of
from tgtui.config import DEFAULT_CONCURRENCY
from tgtui.format.media_paths import MediaFilter
from tgtui.screens.backup import BackupScreen
from tgtui.telegram.service import CLIENT_OPTIONS, ClientSpec, TelegramService
from tgtui.widgets.backup_rows import BackupRows

SIZE = (160, 50)
MAX_MB = 0.2
MEDIA = MediaFilter(max_size=int(MAX_MB * 1024 * 1024))
QUICK = {"chats": 10, "messages": 200, "keys": 6}


async def engine_alone(info: dict[str, Any], targets: list[ChatTarget], out: Path) -> float:
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    try:
        started = time.perf_counter()
        result = await BackupEngine(client, BackupOptions(out, media=MEDIA)).run(targets)
        assert result.all_complete
        return time.perf_counter() - started
    finally:
        await client.disconnect()


async def in_the_app(
    info: dict[str, Any], chats: int, folder: Path, keys: int = 40
) -> dict[str, Any]:
    spec = ClientSpec(Path(info["session"]), info["api_id"], info["api_hash"], user_folder=True)
    service = TelegramService(spec)
    service.open()
    # The user's concurrency, as the engine alone has it (the tests' settings keep 4 in
    # flight: with many small chats this bench then timed 4 requests against 16).
    settings = replace(settings_for(folder), concurrency=DEFAULT_CONCURRENCY)
    app = TgtuiApp(AppContext(service=service, settings=settings))
    frames: list[float] = []
    figures: dict[str, Any] = {}
    try:
        moved = asyncio.Event()

        def hook(message: Message) -> None:
            if isinstance(message, BackupRows.Moved):
                moved.set()

        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            await wait_for(pilot, lambda: app.signed_in, within=60)
            rows = [r for r in await all_dialogs(service.client) if r.peer is not None]
            targets = [target_of(r) for r in rows][:chats]
            app.open_backup(targets)
            await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
            screen = app.screen
            assert isinstance(screen, BackupScreen)
            job = screen.job
            await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()), within=300)
            # The options as a user types them (pasted: one Changed event each).
            screen.query_one("#backup-out", Input).value = str(folder / "tui")
            screen.query_one("#backup-max-size", Input).value = str(MAX_MB)
            await pilot.pause()
            assert job.options.media == MEDIA
            assert job.options.out == folder / "tui"
            assert job.options.concurrency == DEFAULT_CONCURRENCY  # as the engine alone
            draw = screen._draw

            def timed_draw() -> None:
                started = time.perf_counter()
                draw()
                frames.append(time.perf_counter() - started)

            screen._draw = timed_draw  # type: ignore[method-assign]
            started = time.perf_counter()
            with StallMonitor() as stalls:
                await pilot.press("ctrl+s")
                # Started (a small backup may be over by the first look).
                await wait_for(pilot, lambda: job.state != "ready", within=30)
                slowest = 0.0
                for i in range(keys):
                    # Pilot.press waits for the process to go idle, which a running backup
                    # never is: post the key and time until the cursor has moved.
                    moved.clear()
                    pressed = time.perf_counter()
                    app.post_message(events.Key("up" if i % 2 else "down", None))
                    await moved.wait()
                    slowest = max(slowest, time.perf_counter() - pressed)
                    await asyncio.sleep(0.05)
                await wait_for(pilot, lambda: job.state == "finished", within=600)
            figures["seconds"] = time.perf_counter() - started
            figures["stall"] = stalls.longest
            figures["key"] = slowest
            assert job.result is not None
            assert job.result.all_complete
            figures["chats"] = len(job.rows)
            figures["messages"] = job.totals().done
    finally:
        service.close()
    figures["frames"] = frames
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--latency", type=float, default=20.0, help="ms added to each answer")
    parser.add_argument("--messages", type=int, default=1500, help="the biggest chat")
    parser.add_argument("--keys", type=int, default=40, help="arrow keys timed")
    args = parse_args(parser, QUICK)
    logger.remove()
    folder = Path(tempfile.mkdtemp(prefix="bench-screen-"))
    process, info = await start_sandbox(
        "--dialogs",
        str(args.chats + 20),
        "--messages",
        str(args.messages),
        "--latency-ms",
        str(args.latency),
        "--session-out",
        str(folder / "bench.session"),
    )
    try:
        client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
        await client.connect()
        rows = [r for r in await all_dialogs(client) if r.peer is not None]
        await client.disconnect()
        targets = [target_of(r) for r in rows][: args.chats]
        # The sandbox builds messages on first read: warm it up, then measure in turn.
        await engine_alone(info, targets, folder / "warm-up")
        alone = await engine_alone(info, targets, folder / "engine")
        ui = await in_the_app(info, args.chats, folder, args.keys)
    finally:
        await stop_sandbox(process)
        shutil.rmtree(folder, ignore_errors=True)
    frames = sorted(ui["frames"])
    p95 = frames[int(len(frames) * 0.95)] if frames else 0.0
    print(
        f"{ui['chats']} chats, {ui['messages']:,} messages, files up to 0.2 MB, "
        f"latency {args.latency:.0f} ms\n\n"
        "| contender | backup seconds | vs engine alone |\n|---|---:|---:|\n"
        f"| engine alone | {alone:.1f} | 1.00x |\n"
        f"| TUI (backup screen open) | {ui['seconds']:.1f} | {alone / ui['seconds']:.2f}x |\n\n"
        "| screen redraws | median | p95 | slowest | longest loop stall | slowest key handled |\n"
        "|---:|---:|---:|---:|---:|---:|\n"
        f"| {len(frames):,} | {statistics.median(frames) * 1000:.1f} ms | "
        f"{p95 * 1000:.1f} ms | {frames[-1] * 1000:.1f} ms | {ui['stall'] * 1000:.0f} ms | "
        f"{ui['key'] * 1000:.0f} ms |"
    )
    check_figures(
        {
            "engine seconds": alone,
            "TUI seconds": ui["seconds"],
            "redraws": len(frames),
            "median redraw": statistics.median(frames),
            "slowest redraw": frames[-1],
            "longest stall": ui["stall"],
            "slowest key": ui["key"],
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
