"""Backup speed: tgtui's engine against simpler loops, side by side in one run.

    python -m tests.bench.bench_backup [--chats 50] [--messages 2000] [--latencies 0,20,50]
                                       [--flood-limit 30/10] [--writer-lines 100000]
                                       [--memory-sizes 5000,50000]
                                       [--quick]

`tgtui sandbox` runs as its own process. Every contender reads every chat whole, messages
only, through a Telethon client on the same session:

- naive: `iter_messages` chat after chat, opening the output file once per message;
- iter+batch: `iter_messages` chat after chat, written with tgtui's batch writer;
- all at once: `iter_messages` for every chat at the same time, each with its own batch
  writer: the latency ceiling of fetching chat by chat (one request in flight per chat);
- tgtui: `BackupEngine` as it ships (one budget of 16 requests in flight across chats and
  the windows of big chats, one flood gate, fsynced batches, checkpoints).

Then, under a flood limit on messages.getHistory, tgtui's share of the limit and its FLOOD_WAIT
count; the batch writer alone against opening the file per message; and tracemalloc's peak
for a small and a ten times bigger chat (memory must not grow with chat size).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.progress import BackupEvent, Waiting
from tgtui.backup.schema import Names, to_record
from tgtui.backup.selection import ChatTarget, all_dialogs, target_of
from tgtui.backup.writer import BatchWriter
from tgtui.telegram.service import CLIENT_OPTIONS

QUICK = {
    "chats": 5,
    "messages": 300,
    "latencies": "0,20",
    "writer_lines": 2_000,
    "memory_sizes": "200,2000",
    "flood_limit": "8/1",  # met by the quick world's 14 requests too
}


@dataclass
class Run:
    """One contender's result."""

    name: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self.messages / self.seconds


async def _client(info: dict[str, Any]) -> TelegramClient:
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    return client


async def _targets(client: TelegramClient) -> list[ChatTarget]:
    return [target_of(r) for r in await all_dialogs(client) if r.peer is not None]


async def naive(client: TelegramClient, chats: list[ChatTarget], out: Path) -> int:
    """The loop many scripts use: one open/append/close per message."""
    count = 0
    names = Names([], [])
    for chat in chats:
        path = out / f"{chat.chat_id}.jsonl"
        async for message in client.iter_messages(chat.input_peer, reverse=True, wait_time=0):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(to_record(message, names), ensure_ascii=False) + "\n")
            count += 1
    return count


async def _one_chat(client: TelegramClient, chat: ChatTarget, out: Path) -> int:
    """One chat through iter_messages into tgtui's batch writer."""
    writer = BatchWriter(out / f"{chat.chat_id}.jsonl")
    writer.open()
    names = Names([], [])
    count = 0
    async for message in client.iter_messages(chat.input_peer, reverse=True, wait_time=0):
        if writer.add(to_record(message, names)):
            writer.flush()
        count += 1
    writer.close()
    return count


async def iter_batch(client: TelegramClient, chats: list[ChatTarget], out: Path) -> int:
    """Telethon's plain iter_messages loop with tgtui's batch writer, chat after chat."""
    return sum([await _one_chat(client, chat, out) for chat in chats])


async def all_at_once(client: TelegramClient, chats: list[ChatTarget], out: Path) -> int:
    """Every chat's iter_messages loop at the same time, each with a batch writer."""
    return sum(await asyncio.gather(*(_one_chat(client, chat, out) for chat in chats)))


async def engine(
    client: TelegramClient,
    chats: list[ChatTarget],
    out: Path,
    events: list[BackupEvent] | None = None,
    answered: list[int] | None = None,
) -> int:
    """tgtui's backup engine as it ships."""
    sink = events.append if events is not None else None
    backup = BackupEngine(client, BackupOptions(out), on_event=sink)
    result = await backup.run(chats)
    if answered is not None:
        answered.append(backup.budget.answers)
    return sum(c.messages for c in result.chats)


async def timed(name: str, job: Any, client: TelegramClient, chats: list[ChatTarget]) -> Run:
    """Run one contender into a fresh folder and time it."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        count = await job(client, chats, Path(out))
        return Run(name, count, time.perf_counter() - started)


async def by_latency(chats: int, messages: int, latency: float, folder: Path) -> list[Run]:
    """The three contenders against one sandbox with ``latency`` ms per answer."""
    process, info = await start_sandbox(
        "--dialogs", str(chats), "--messages", str(messages), "--latency-ms", str(latency),
        "--session-out", str(folder / f"l{latency}.session"),
    )  # fmt: skip
    client = await _client(info)
    try:
        targets = await _targets(client)
        return [
            await timed("naive", naive, client, targets),
            await timed("iter+batch", iter_batch, client, targets),
            await timed("all at once", all_at_once, client, targets),
            await timed("tgtui", engine, client, targets),
        ]
    finally:
        await client.disconnect()
        await stop_sandbox(process)


async def flood_bound(
    chats: int, messages: int, folder: Path, limit: str
) -> tuple[Run, int, float, int]:
    """tgtui under a limit of getHistory calls (``COUNT/SECONDS``): history requests answered
    (the budget's count), share of the limit, FLOOD_WAITs met."""
    count, window = (int(n) for n in limit.split("/"))
    process, info = await start_sandbox(
        "--dialogs", str(chats), "--messages", str(messages),
        "--fault", f"flood:messages.getHistory={count}/{window}",
        "--session-out", str(folder / "flood.session"),
    )  # fmt: skip
    client = await _client(info)
    try:
        targets = await _targets(client)
        events: list[BackupEvent] = []
        answered: list[int] = []
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            done = await engine(client, targets, Path(out), events, answered)
            seconds = time.perf_counter() - started
        pages = answered[0]
        waits = sum(1 for e in events if isinstance(e, Waiting) and e.kind == "flood")
        share = pages / seconds / (count / window)
        return Run("tgtui", done, seconds), pages, share, waits
    finally:
        await client.disconnect()
        await stop_sandbox(process)


def writer_alone(records: int, folder: Path) -> tuple[float, float]:
    """Seconds to write ``records`` lines: batch writer vs open/append/close per line."""
    record = {"id": 0, "type": "message", "text": "x" * 120, "date_unixtime": "1700000000"}
    started = time.perf_counter()
    writer = BatchWriter(folder / "batch.jsonl")
    writer.open()
    for i in range(records):
        record["id"] = i
        if writer.add(record):
            writer.flush()
    writer.close()
    batch = time.perf_counter() - started
    started = time.perf_counter()
    path = folder / "naive.jsonl"
    for i in range(records):
        record["id"] = i
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return batch, time.perf_counter() - started


async def memory_by_chat_size(sizes: list[int], folder: Path) -> list[tuple[int, float]]:
    """tracemalloc peak (MB) while tgtui backs up a single chat of each size."""
    peaks = []
    for size in sizes:
        process, info = await start_sandbox(
            "--dialogs", "1", "--messages", str(size),
            "--session-out", str(folder / f"m{size}.session"),
        )  # fmt: skip
        client = await _client(info)
        try:
            targets = await _targets(client)
            with tempfile.TemporaryDirectory() as out:
                tracemalloc.start()
                done = await engine(client, targets, Path(out))
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            peaks.append((done, peak / 1e6))
        finally:
            await client.disconnect()
            await stop_sandbox(process)
    return peaks


async def main() -> None:
    """Measure everything and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latencies", default="0,20,50")
    parser.add_argument("--flood-limit", default="30/10", help="getHistory calls/seconds")
    parser.add_argument("--writer-lines", type=int, default=100_000, help="the writer alone")
    parser.add_argument("--memory-sizes", default="5000,50000", help="one chat of each")
    args = parse_args(parser, QUICK)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{args.chats} chats, the biggest {args.messages:,} messages; messages only\n")
        print(
            "| latency | contender | messages | seconds | messages/s | vs naive | vs all at once |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|")
        for latency in (float(x) for x in args.latencies.split(",")):
            runs = await by_latency(args.chats, args.messages, latency, folder)
            base = runs[0].rate
            ceiling = next(r.rate for r in runs if r.name == "all at once")
            for run in runs:
                print(
                    f"| {latency:g} ms | {run.name} | {run.messages:,} | {run.seconds:.2f} | "
                    f"{run.rate:,.0f} | {run.rate / base:.2f}x | {run.rate / ceiling:.2f}x |",
                    flush=True,
                )
                figures[f"{latency:g} ms {run.name} messages/s"] = run.rate
        run, pages, share, waits = await flood_bound(
            args.chats, args.messages, folder, args.flood_limit
        )
        count, window = args.flood_limit.split("/")
        print(
            "\n| flood limit | messages | requests | seconds | share of the limit | FLOOD_WAITs |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        print(
            f"| {count} getHistory / {window} s | {run.messages:,} | {pages} | {run.seconds:.1f} | "
            f"{share:.2f} | {waits} |"
        )
        figures.update(flood_seconds=run.seconds, flood_share=share, flood_waits=waits)
        batch, per_line = writer_alone(args.writer_lines, folder)
        print(f"\n| {args.writer_lines:,} lines | seconds | vs per-message open |")
        print("|---|---:|---:|")
        print(f"| open, append, close per message | {per_line:.2f} | 1.00x |")
        print(f"| batch writer (fsync per 500) | {batch:.2f} | {per_line / batch:.1f}x faster |")
        figures.update(writer_batch_s=batch, writer_per_line_s=per_line)
        peaks = await memory_by_chat_size([int(n) for n in args.memory_sizes.split(",")], folder)
        print("\n| one chat of | tracemalloc peak |")
        print("|---:|---:|")
        for done, peak in peaks:
            print(f"| {done:,} messages | {peak:.1f} MB |")
            figures[f"peak MB, {done} messages"] = peak
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
