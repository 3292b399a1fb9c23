"""What the check of what is on disk costs an incremental run, side by side in one run.

    python -m tests.bench.bench_check [--chats 300] [--messages 20000] [--rounds 3]
                                      [--latency-ms 0] [--quick]

`tgtui sandbox` runs as its own process. One full backup (messages and media files up to
64 KB) is made first; then incremental runs with nothing new alternate, round after round:

- unchecked: the engine with the check of each chat's files left out (a bench-only patch:
  what an incremental run cost before the check existed);
- shipped: the engine as it ships, files untouched since the last run: the lines naming a
  media file are parsed and every recorded file looked at (each messages.jsonl is unchanged
  since tgtui wrote it, which its size, mtime and inode show);
- whole: every messages.jsonl touched before the run (as a sync tool or an editor would),
  so every line of every chat is parsed and its ids checked.

Also the check alone (`tgtui.backup.integrity.scan`) over the whole backup, in messages per
second, for a sense of what a 1,000,000-message archive costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from telethon import TelegramClient

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tgtui.backup import chat_copy
from tgtui.backup.engine import BackupEngine, BackupOptions, Repair
from tgtui.backup.integrity import scan
from tgtui.backup.selection import ChatTarget, all_dialogs, target_of
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.telegram.service import CLIENT_OPTIONS

MEDIA = MediaFilter(ALL_KINDS, max_size=64 * 1024)
QUICK = {"chats": 10, "messages": 300, "rounds": 1}


async def _client(info: dict[str, Any]) -> TelegramClient:
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    return client


def _touch_every_chat(out: Path) -> None:
    for jsonl in out.glob("chats/*/messages.jsonl"):
        os.utime(jsonl)


async def _run(client: TelegramClient, chats: list[ChatTarget], out: Path, mode: str) -> float:
    engine = BackupEngine(client, BackupOptions(out, media=MEDIA), account={"id": 77_777})

    async def no_check(*_: object, **__: object) -> Repair:
        return Repair()

    unchecked = mock.patch.object(chat_copy, "check_chat", no_check)
    if mode == "whole":
        _touch_every_chat(out)
    started = time.perf_counter()
    with unchecked if mode == "unchecked" else contextlib.nullcontext():
        result = await engine.run(chats)
    seconds = time.perf_counter() - started
    assert result.all_complete
    assert sum(c.new for c in result.chats) == 0
    return seconds


async def main(chats: int, messages: int, rounds: int, latency_ms: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        process, info = await start_sandbox(
            "--dialogs", str(chats), "--messages", str(messages), "--seed", "3",
            "--latency-ms", str(latency_ms),
            "--session-out", str(Path(folder) / "bench.session"),
        )  # fmt: skip
        try:
            client = await _client(info)
            targets = [target_of(r) for r in await all_dialogs(client) if r.peer is not None]
            out = Path(folder) / "out"
            started = time.perf_counter()
            first = await BackupEngine(
                client, BackupOptions(out, media=MEDIA), account={"id": 77_777}
            ).run(targets)
            total = sum(c.messages for c in first.chats)
            files = sum(c.media_done for c in first.chats)
            print(
                f"full backup: {len(targets)} chats, {total:,} messages, {files:,} files "
                f"in {time.perf_counter() - started:.1f} s"
            )
            modes = ("unchecked", "shipped", "whole")
            times: dict[str, list[float]] = {mode: [] for mode in modes}
            figures: dict[str, float] = {"messages": total, "files": files}
            for _ in range(rounds):
                for mode in modes:
                    times[mode].append(await _run(client, targets, out, mode))
            plain = statistics.median(times["unchecked"])
            for mode in modes:
                median = statistics.median(times[mode])
                print(
                    f"incremental, {mode:>9}: median {median:.2f} s of {rounds}, "
                    f"{median / plain:.2f}x unchecked"
                )
                figures[f"incremental {mode}"] = median
            started = time.perf_counter()
            scanned = sum(scan(c.path / "messages.jsonl", c.path).records for c in first.chats)
            seconds = time.perf_counter() - started
            print(
                f"scan alone: {scanned:,} messages in {seconds:.2f} s, {scanned / seconds:,.0f}/s"
            )
            await client.disconnect()
            figures.update(scanned=scanned, scan_seconds=seconds)
            check_figures(figures)
        finally:
            await stop_sandbox(process)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0, help="sandbox answer delay")
    arguments = parse_args(parser, QUICK)
    asyncio.run(main(arguments.chats, arguments.messages, arguments.rounds, arguments.latency_ms))
