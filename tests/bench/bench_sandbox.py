"""Loopback figures of the sandbox: history and file throughput, with and without latency.

Runs `tgtui sandbox` as a separate process (as benchmarks of tgtui will) and drives it with
a plain Telethon client. All configurations run in one invocation, so the figures can be
compared as ratios on a shared, noisy machine.

    python -m tests.bench.bench_sandbox [--messages 20000] [--latencies 0,20,50] [--quick]

Media live on the sandbox's DC 1, another connection than the account's: each latency's
sandbox is new, so the DC addresses Telethon keeps for the process are forgotten in between
(`tests.bench.common.start_sandbox`).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass

from telethon import TelegramClient

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox

QUICK = {"messages": 300, "latencies": "0,20"}


@dataclass
class Figures:
    """One configuration's measurements."""

    latency_ms: float
    history_requests_per_s: float
    messages_per_s: float
    file_mb_per_s: float


async def measure(messages: int, latency_ms: float, session: str) -> Figures:
    """Read the biggest chat whole, then download its largest documents."""
    process, info = await start_sandbox(
        "--dialogs",
        "20",
        "--messages",
        str(messages),
        "--latency-ms",
        str(latency_ms),
        "--session-out",
        session,
    )
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"])
    try:
        await client.connect()
        dialogs = await client.get_dialogs()
        biggest = max(dialogs, key=lambda d: d.message.id if d.is_group else 0)
        started = time.perf_counter()
        documents = []
        count = 0
        async for message in client.iter_messages(biggest.entity, wait_time=0):
            count += 1
            if message.document:
                documents.append(message.document)
        history_time = time.perf_counter() - started
        largest = sorted(documents, key=lambda d: d.size, reverse=True)[:3]
        started = time.perf_counter()
        total = 0
        for document in largest:
            data = await client.download_media(document, file=bytes)
            total += len(data)
        file_time = time.perf_counter() - started
        return Figures(
            latency_ms=latency_ms,
            history_requests_per_s=-(-count // 100) / history_time,
            messages_per_s=count / history_time,
            file_mb_per_s=total / file_time / 1e6,
        )
    finally:
        await client.disconnect()
        await stop_sandbox(process)


async def main() -> None:
    """Measure every latency and print a Markdown table with ratios to the first row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latencies", default="0,20,50")
    args = parse_args(parser, QUICK)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for latency in (float(x) for x in args.latencies.split(",")):
            rows.append(await measure(args.messages, latency, f"{tmp}/bench-{latency}.session"))
    base = rows[0]
    print("| latency | getHistory req/s | messages/s | getFile MB/s | msgs/s vs 0 ms |")
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.latency_ms:g} ms | {row.history_requests_per_s:,.0f} | "
            f"{row.messages_per_s:,.0f} | {row.file_mb_per_s:,.1f} | "
            f"{row.messages_per_s / base.messages_per_s:.2f}x |"
        )
    check_figures(
        {
            f"{row.latency_ms:g} ms {name}": getattr(row, name)
            for row in rows
            for name in ("history_requests_per_s", "messages_per_s", "file_mb_per_s")
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
