"""One big chat: the engine against a one-request-at-a-time loop, speed and peak memory,
side by side in one run.

    python -m tests.bench.bench_big_chat [--sizes 20000] [--latencies 0,50] [--rounds 3]
                                         [--contenders ...] [--quick]

For each size and latency, `tgtui sandbox` runs as its own process with one big chat (a
supergroup) answering every request ``latency`` ms late. Each contender runs in a process of
its own (so its peak RSS is its own), reading the whole chat, messages only:

- plain loop: Telethon's `iter_messages` (`wait_time=0`) keeping nothing: the CPU floor of
  reading the chat with Telethon (CPU per message is compared with it);
- one at a time: the same loop, one request in flight, each message turned into its record
  and written with tgtui's batch writer, as a careful script would (speed is compared with
  it);
- tgtui 1: `BackupEngine` with `--concurrency 1` (one page at a time);
- tgtui: `BackupEngine` as it ships (`--concurrency 16`).

Each prints messages/s, user+system CPU per message and its peak RSS (ru_maxrss); with
``--rounds N`` the contenders take turns N times and the best speed, the median CPU and the
highest RSS are shown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.common import check_figures, parse_args

CONTENDERS = ("plain loop", "one at a time", "tgtui 1", "tgtui")
QUICK = {"sizes": "1000", "latencies": "0,20", "rounds": 1}


async def _contender(name: str, info: dict[str, Any], home: Path) -> dict[str, float]:
    """Run one contender in this process; its figures."""
    from telethon import TelegramClient
    from telethon.crypto import rsa

    from tgtui.backup.engine import BackupEngine, BackupOptions
    from tgtui.backup.schema import Names, to_record
    from tgtui.backup.selection import all_dialogs, target_of
    from tgtui.backup.writer import BatchWriter
    from tgtui.format.media_paths import MediaFilter
    from tgtui.telegram.service import CLIENT_OPTIONS

    rsa.add_key(info["rsa_public_key"], old=False)
    session = shutil.copy(info["session"], home / "contender.session")
    client = TelegramClient(str(session), info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    rows = await all_dialogs(client)
    target = next(target_of(r) for r in rows if r.peer_id == -1_001_500_000_000)
    out = home / "out"
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if name == "plain loop":
        count = 0
        async for _ in client.iter_messages(
            target.input_peer, limit=None, reverse=True, wait_time=0
        ):
            count += 1
    elif name == "one at a time":
        writer = BatchWriter(out / "messages.jsonl")
        writer.open()
        names = Names([], [])
        count = 0
        async for message in client.iter_messages(
            target.input_peer, limit=None, reverse=True, wait_time=0
        ):
            if writer.add(to_record(message, names)):
                writer.flush()
            count += 1
        writer.close()
    else:
        options = BackupOptions(
            out, media=MediaFilter(frozenset(), None), concurrency=1 if name == "tgtui 1" else 16
        )
        result = await BackupEngine(client, options).run([target])
        count = result.chats[0].messages
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    await client.disconnect()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "messages": count,
        "rate": count / seconds,
        "cpu_us": cpu / count * 1e6,
        "rss_mb": after.ru_maxrss / 1024,  # KiB on Linux
    }


async def _in_child(name: str, info: dict[str, Any], home: Path) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.bench_big_chat", "--child", name,
        "--info", json.dumps(info), "--home", str(home),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"contender {name!r} failed ({process.returncode})")
    figures: dict[str, float] = json.loads(stdout.decode().strip().splitlines()[-1])
    return figures


async def _one(
    size: int, latency: float, contenders: list[str], rounds: int
) -> dict[str, dict[str, float]]:
    from tests.bench.common import start_sandbox, stop_sandbox

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        process, info = await start_sandbox(
            "--dialogs", "2", "--messages", str(size), "--seed", "8", "--biggest-supergroup",
            "--latency-ms", str(latency), "--session-out", str(home / "s.session"),
        )  # fmt: skip
        try:
            tries: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}
            for _ in range(rounds):  # interleaved, so a noisy moment hits every contender
                for name in contenders:
                    run_home = home / name.replace(" ", "-")
                    run_home.mkdir(exist_ok=True)
                    tries[name].append(await _in_child(name, info, run_home))
                    shutil.rmtree(run_home / "out", ignore_errors=True)
            return {
                name: {
                    "messages": runs[0]["messages"],
                    "rate": max(r["rate"] for r in runs),
                    "cpu_us": statistics.median(r["cpu_us"] for r in runs),
                    "rss_mb": max(r["rss_mb"] for r in runs),
                }
                for name, runs in tries.items()
            }
        finally:
            await stop_sandbox(process)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--latencies", default="0,50")
    parser.add_argument(
        "--contenders", default=",".join(CONTENDERS), help="which to run (comma-separated)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="best speed, median CPU")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parse_args(parser, QUICK)
    if args.child:
        from loguru import logger

        logger.remove()
        mine = await _contender(args.child, json.loads(args.info), Path(args.home))
        print(json.dumps(mine))
        return
    print(
        "| messages | latency | contender | msg/s | vs one at a time | CPU per message "
        "| vs plain loop | peak RSS |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    figures: dict[str, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        for latency in (float(x) for x in args.latencies.split(",")):
            runs = await _one(size, latency, args.contenders.split(","), args.rounds)
            base = runs.get("one at a time", runs[next(iter(runs))])
            floor = runs.get("plain loop", base)
            for name, run in runs.items():
                print(
                    f"| {int(run['messages']):,} | {latency:g} ms | {name} | {run['rate']:,.0f} | "
                    f"{run['rate'] / base['rate']:.2f}x | {run['cpu_us']:.0f} µs | "
                    f"{run['cpu_us'] / floor['cpu_us']:.2f}x | {run['rss_mb']:.0f} MB |",
                    flush=True,
                )
                for key in ("rate", "cpu_us", "rss_mb"):
                    figures[f"{size} {latency:g} ms {name} {key}"] = run[key]
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
