"""One big chat, fetched one page at a time against several id windows at once, side by side
in one run.

    python -m tests.bench.bench_windows [--messages 20000] [--latency-ms 50] [--rounds 2]

`tgtui sandbox` runs as its own process, answering each request ``--latency-ms`` late (the
round trip to Telegram); its biggest chat (a supergroup, and then a basic group, whose ids
are account-wide) is backed up whole, messages only, by the engine with 1, 4 and 8 windows
(best of ``--rounds``). A plain Telethon `iter_messages` loop is the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tests.sandbox_process import start_sandbox_process
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.media import MediaFilter
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.telegram.service import CLIENT_OPTIONS

NO_MEDIA = MediaFilter(frozenset(), None)


async def _client(info: dict[str, Any], home: Path) -> TelegramClient:
    session = shutil.copy(info["session"], home / f"bench{time.monotonic_ns()}.session")
    client = TelegramClient(str(session), info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    return client


async def one(messages: int, latency: float, rounds: int, supergroup: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        args = ["--dialogs", "2", "--messages", str(messages), "--seed", "8"]
        args += ["--latency-ms", str(latency), "--session-out", str(home / "s.session")]
        if supergroup:
            args.append("--biggest-supergroup")
        process, info = await start_sandbox_process(*args)
        try:
            client = await _client(info, home)
            rows = await all_dialogs(client)
            # The world's first chat is its biggest: the first basic group or channel id.
            target = next(
                target_of(r) for r in rows if r.peer_id in (-3_000_000, -1_001_500_000_000)
            )
            rates: dict[str, float] = {}
            start = time.perf_counter()
            count = 0
            async for _ in client.iter_messages(target.input_peer, limit=None, wait_time=0):
                count += 1
            rates["iter_messages"] = count / (time.perf_counter() - start)
            for windows in (1, 4, 8):
                best = 0.0
                for n in range(rounds):
                    out = home / f"w{windows}-{n}"
                    engine = BackupEngine(
                        client, BackupOptions(out, media=NO_MEDIA, windows=windows)
                    )
                    start = time.perf_counter()
                    result = await engine.run([target])
                    elapsed = time.perf_counter() - start
                    best = max(best, result.chats[0].messages / elapsed)
                rates[f"{windows} window{'s' if windows > 1 else ''}"] = best
            await client.disconnect()
            return rates
        finally:
            process.terminate()
            await process.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.messages:,} messages, {args.latency_ms:g} ms per request")
    print("| chat | contender | msg/s | vs 1 window |")
    print("|---|---|---:|---:|")
    for supergroup in (True, False):
        rates = await one(args.messages, args.latency_ms, args.rounds, supergroup)
        base = rates["1 window"]
        label = "supergroup" if supergroup else "basic group"
        for name, rate in rates.items():
            print(f"| {label} | {name} | {rate:,.0f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    asyncio.run(main())
