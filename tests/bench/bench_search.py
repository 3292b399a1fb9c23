"""Search in a backup: building the index, keeping it current, and answering, against a plain
scan of the JSONL, side by side in one run.

    python -m tests.bench.bench_search [--dialogs 20] [--messages 230000] [--queries 40]

`tgtui sandbox` runs as its own process; one `BackupEngine` run saves every chat (messages
only: about 4.4 times --messages in all, so the defaults give about a million). Then:

- build: `SearchIndex.update()` from nothing, in messages per second;
- update: the same with nothing new (every chat's file looked at, none read);
- search: `--queries` one- and two-word searches (count and the newest 50 hits), timed inside
  the process, median and p95;
- scan: the same words found by reading every line of every chat's JSONL (json.loads and a
  word match), the way a script without an index does it, for the first few queries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tests.sandbox_process import start_sandbox_process
from tgtui.archive.folder import Archive, open_archive
from tgtui.archive.index import SearchIndex
from tgtui.archive.search import Filters, search
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.sandbox.names import WORDS
from tgtui.telegram.service import CLIENT_OPTIONS

SCANNED = 3  # queries also answered by a plain scan (each reads everything)


async def backup_all(info: dict[str, Any], out: Path) -> int:
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    try:
        targets = [target_of(r) for r in await all_dialogs(client) if r.peer is not None]
        result = await BackupEngine(
            client, BackupOptions(out, concurrency=4), account={"id": 77_777}
        ).run(targets)
        return sum(c.messages for c in result.chats)
    finally:
        await client.disconnect()


def _scan(archive: Archive, words: list[str]) -> int:
    patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in words]
    found = 0
    for chat in archive.chats:
        with chat.jsonl.open("rb") as lines:
            for line in lines:
                text = str(json.loads(line).get("text", ""))
                if all(p.search(text) for p in patterns):
                    found += 1
    return found


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def sandbox_backup(work: Path, out: Path, dialogs: int, messages: int) -> None:
    """Back up every chat of a sandbox world (``--seed 3``) into ``out``, and say how long it
    took; the sandbox runs as its own process, its session file in ``work``."""
    process, info = await start_sandbox_process(
        "--dialogs", str(dialogs), "--messages", str(messages), "--seed", "3",
        "--session-out", str(work / "bench.session"),
    )  # fmt: skip
    try:
        started = time.perf_counter()
        total = await backup_all(info, out)
        print(f"backup: {total:,} messages in {time.perf_counter() - started:.1f} s")
    finally:
        process.terminate()
        await process.wait()


async def main(dialogs: int, messages: int, queries: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        await sandbox_backup(Path(folder), out, dialogs, messages)
        archive = open_archive(out)
        with SearchIndex(archive) as index:
            started = time.perf_counter()
            stats = index.update()
            build = time.perf_counter() - started
            print(f"build:  {stats.messages:,} messages in {build:.2f} s, "
                  f"{stats.messages / build:,.0f} messages/s")  # fmt: skip
            started = time.perf_counter()
            again = index.update()
            print(f"update with nothing new: {time.perf_counter() - started:.3f} s "
                  f"({again.messages} messages read)")  # fmt: skip
            rng = random.Random(5)
            asked = [rng.sample(WORDS, rng.choice((1, 2))) for _ in range(queries)]
            times, counts = [], []
            for words in asked:
                started = time.perf_counter()
                found = search(index, archive, " ".join(words), Filters())
                times.append(time.perf_counter() - started)
                counts.append(found.count)
            print(f"search: {queries} queries, median {statistics.median(times) * 1000:.1f} ms, "
                  f"p95 {_percentile(times, 0.95) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms; matches per query: median "
                  f"{statistics.median(counts):,.0f}")  # fmt: skip
            scans = []
            for words, count in zip(asked[:SCANNED], counts[:SCANNED], strict=True):
                started = time.perf_counter()
                scanned = _scan(archive, words)
                scans.append(time.perf_counter() - started)
                print(f"scan of {' '.join(words)!r}: {scans[-1]:.2f} s, {scanned:,} found "
                      f"(index: {count:,})")  # fmt: skip
            ratio = statistics.median(scans) / statistics.median(times[:SCANNED])
            print(f"plain scan / index: {ratio:,.0f}x (medians of the first {SCANNED} queries)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=20)
    parser.add_argument("--messages", type=int, default=230_000)
    parser.add_argument("--queries", type=int, default=40)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.dialogs, arguments.messages, arguments.queries))
