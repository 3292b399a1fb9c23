"""Search in a backup: building the index, keeping it current, and answering, against a plain
scan of the JSONL, side by side in one run.

    python -m tests.bench.bench_search [--dialogs 4] [--messages 1000000] [--queries 40]
                                       [--keep DIR] [--quick]

The backup is the one export and reader read (`tests.bench.common.shared_backup`: the
sandbox's world backed up by one `BackupEngine` run, messages only; the defaults give
2,360,726 messages), made once when ``$TGTUI_BENCH_CACHE`` is set. Its search index is removed
first. Then:

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
import shutil
import statistics
import time
from pathlib import Path

from tests.bench.common import BIG, SMALL, BackupWorld, check_figures, parse_args, shared_backup
from tgtui.archive.folder import Archive, open_archive
from tgtui.archive.index import SearchIndex
from tgtui.archive.index_file import INDEX_DIR
from tgtui.archive.search import Filters, search
from tgtui.sandbox.names import WORDS

SCANNED = 3  # queries also answered by a plain scan (each reads everything)
QUICK = {"dialogs": SMALL.dialogs, "messages": SMALL.messages, "queries": 5}


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


async def main(dialogs: int, messages: int, queries: int, keep: Path | None) -> None:
    async with shared_backup(BackupWorld(dialogs, messages), keep) as out:
        shutil.rmtree(out / INDEX_DIR, ignore_errors=True)  # built from nothing
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
    check_figures(
        {
            "build seconds": build,
            "build messages": stats.messages,
            "search median": statistics.median(times),
            "search p95": _percentile(times, 0.95),
            "scan median": statistics.median(scans),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=BIG.dialogs)
    parser.add_argument("--messages", type=int, default=BIG.messages, help="the biggest chat")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="make the backup here, or reuse the one there"
    )
    arguments = parse_args(parser, QUICK)
    asyncio.run(main(arguments.dialogs, arguments.messages, arguments.queries, arguments.keep))
