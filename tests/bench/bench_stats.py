"""`tgtui stats` of a backup (whole processes, cold and warm) against a plain scan of its
JSONL, side by side in one run.

    python -m tests.bench.bench_stats [--dialogs 4] [--messages 1000000] [--rounds 3]
                                      [--keep DIR] [--quick]

The backup is the shared one (`tests.bench.common.shared_backup`; the defaults give
2,360,726 messages), made once when ``$TGTUI_BENCH_CACHE`` is set. Timed, as users time a
command, from spawn to exit, output to /dev/null, best of ``--rounds`` (with the CPU time it
used, its worker processes' included: the machine is shared):

- cold: `tgtui stats --in BACKUP --json` with its aggregates file removed first (every
  chat read and added up, by a worker process a core);
- warm: the same with the aggregates current (each chat's files looked at, none read);
- a range: `--since` / `--until` cutting months (their messages read again);
- the plain scan: a Python process reading every line of every chat's messages.jsonl with
  `json.loads` and counting messages and words by month, the least a script without the
  aggregates does (the reference for correctness is tests/flows/test_stats.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.bench_search import bytecode_env, load
from tests.bench.common import (
    BIG,
    CACHE_ENV,
    SMALL,
    BackupWorld,
    add_keep_option,
    check_figures,
    parse_args,
    shared_backup,
)
from tgtui.stats.store import stats_path

QUICK = {"dialogs": SMALL.dialogs, "messages": SMALL.messages, "rounds": 1}

SCAN = """
import json, re, sys, datetime as dt
from collections import Counter
from pathlib import Path
word = re.compile(r"\\w+")
months, words = Counter(), Counter()
for path in Path(sys.argv[1]).glob("chats/*/messages.jsonl"):
    with path.open("rb") as lines:
        for line in lines:
            record = json.loads(line)
            date = int(record.get("date_unixtime") or 0)
            month = dt.datetime.fromtimestamp(date).strftime("%Y-%m")
            months[month] += 1
            text = record.get("text")
            words[month] += len(word.findall(text)) if isinstance(text, str) else 0
print(sum(months.values()))
"""


def _cpu() -> float:
    """CPU seconds (user and system) of the children ended so far, and of their own."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of a command (the CPU of its worker processes included)."""
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command[:5])} ...` failed: {done.stderr[-2000:]!r}")
    return seconds, _cpu() - cpu


def _messages(backup: Path, env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCAN, str(backup)], capture_output=True, text=True, env=env
    )
    return int(done.stdout.strip())


def _timed(out: Path, rounds: int) -> tuple[int, dict[str, tuple[float, float]]]:
    """The messages of the backup, and each command's best time (wall, and its CPU)."""
    stats = [sys.executable, "-m", "tgtui", "stats", "--in", str(out), "--json"]
    ranged = [*stats, "--since", "2025-02-10", "--until", "2025-09-20T12:00"]
    scan = [sys.executable, "-c", SCAN, str(out)]
    with tempfile.TemporaryDirectory(
        prefix="bench-pycache-", dir=os.environ.get(CACHE_ENV)
    ) as pycache:
        env = bytecode_env(Path(pycache))
        _run(stats, env)  # untimed: bytecode written
        total = _messages(out, env)
        best = dict.fromkeys(("cold", "warm", "range", "scan"), (math.inf, math.inf))
        for _ in range(rounds):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{stats_path(out)}{suffix}").unlink(missing_ok=True)
            for key, command in (("cold", stats), ("warm", stats), ("range", ranged)):
                best[key] = min(best[key], _run(command, env))
            best["scan"] = min(best["scan"], _run(scan, env))
    return total, best


async def main(dialogs: int, messages: int, rounds: int, keep: Path | None) -> None:
    print(f"load average at the start: {load()}")
    async with shared_backup(BackupWorld(dialogs, messages), keep) as out:
        total, best = _timed(out, rounds)
    print(f"\n{total:,} messages; whole processes, best of {rounds} (load {load()}):")
    print("| command | best | its CPU | vs plain scan |")
    print("|---|---:|---:|---:|")
    names = {
        "cold": "`tgtui stats --json`, cold (no aggregates)",
        "warm": "`tgtui stats --json`, warm",
        "range": "`tgtui stats --json --since --until`, warm",
        "scan": "plain scan (json.loads, by month)",
    }
    scan = best["scan"][0]
    for key, name in names.items():
        wall, cpu = best[key]
        print(f"| {name} | {wall * 1000:,.0f} ms | {cpu:,.1f} s | {wall / scan:.2f}x |")
    check_figures({f"process: {key}": seconds for key, (seconds, _cpu) in best.items()})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=BIG.dialogs)
    parser.add_argument("--messages", type=int, default=BIG.messages, help="the biggest chat")
    parser.add_argument("--rounds", type=int, default=3)
    add_keep_option(parser)
    arguments = parse_args(parser, QUICK)
    asyncio.run(main(arguments.dialogs, arguments.messages, arguments.rounds, arguments.keep))
