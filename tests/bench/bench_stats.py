"""`tgtui stats` of a backup (whole processes, cold and warm) against a plain scan of its
JSONL, side by side in one run.

    python -m tests.bench.bench_stats [--dialogs 4] [--messages 1000000] [--rounds 3]
                                      [--keep DIR] [--also DIR] [--quick]

The backup is the shared one (`tests.bench.common.shared_backup`; the defaults give
2,360,726 messages), made once when ``$TGTUI_BENCH_CACHE`` is set. Timed, as users time a
command, from spawn to exit, output to /dev/null, best of ``--rounds`` (with the CPU time it
used, its worker processes' included: the machine is shared; and the peak RSS of the
biggest process of its tree):

- cold: `tgtui stats --in BACKUP --json` with its aggregates file removed first (every
  chat read and added up, by a worker process a core);
- warm: the same with the aggregates current (each chat's files looked at, none read);
- a range: `--since` / `--until` cutting months (their messages read again);
- the plain scan: a Python process reading every line of every chat's messages.jsonl with
  `json.loads` and counting messages and words by month, the least a script without the
  aggregates does (the reference for correctness is tests/flows/test_stats.py).

``--also DIR`` times the `tgtui stats` of another checkout in DIR (say, the commit before a
change: ``git worktree add DIR HEAD``) in the same rounds, each of its cold runs with the
aggregates file removed first, as this one's. ``--keep DIR`` with a backup cut by hand (the
first lines of each chat of the big one) times another size.
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
    add_also_option,
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


Timed = tuple[float, float, float]  # wall seconds, CPU seconds, peak RSS in MB


def _run(command: list[str], env: dict[str, str], where: Path | None = None) -> Timed:
    """Wall and CPU seconds of a command (the CPU of its worker processes included: those
    it waited for, as `tgtui stats` does) and the peak RSS of the biggest process of its
    tree; ``where``: the checkout whose tgtui runs (None: this one)."""
    if where is not None:
        env = {**env, "PYTHONPATH": str(where)}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=where
        )
        _pid, status, used = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            said = errors.read()[-2000:]
            raise SystemExit(f"`{' '.join(command[:5])} ...` failed: {said!r}")
    # ru_maxrss: kB on Linux, the biggest of the process and its descendants waited for
    return seconds, used.ru_utime + used.ru_stime, used.ru_maxrss / 1024


def _messages(backup: Path, env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCAN, str(backup)], capture_output=True, text=True, env=env
    )
    return int(done.stdout.strip())


def _timed(
    out: Path, rounds: int, also: Path | None
) -> tuple[int, dict[str, Timed], dict[str, float]]:
    """The messages of the backup, each command's best time (wall, its CPU and peak RSS,
    of the fastest run) and each one's highest peak RSS of all its runs."""
    stats = [sys.executable, "-m", "tgtui", "stats", "--in", str(out), "--json"]
    ranged = [*stats, "--since", "2025-02-10", "--until", "2025-09-20T12:00"]
    scan = [sys.executable, "-c", SCAN, str(out)]
    trees: list[tuple[str, Path | None]] = [("", None)]
    if also is not None:
        trees.append((f"{also.name}: ", also))
    with tempfile.TemporaryDirectory(
        prefix="bench-pycache-", dir=os.environ.get(CACHE_ENV)
    ) as pycache:
        env = bytecode_env(Path(pycache))
        for _name, where in trees:
            _run(stats, env, where)  # untimed: bytecode written
        total = _messages(out, env)
        best: dict[str, Timed] = {}
        peak: dict[str, float] = {}
        for number in range(rounds):
            # alternated: a tree's runs first in one round, second in the next
            for name, where in trees if number % 2 == 0 else trees[::-1]:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{stats_path(out)}{suffix}").unlink(missing_ok=True)
                for key, command in (("cold", stats), ("warm", stats), ("range", ranged)):
                    timed = _run(command, env, where)
                    best[name + key] = min(best.get(name + key, (math.inf,) * 3), timed)
                    peak[name + key] = max(peak.get(name + key, 0.0), timed[2])
            timed = _run(scan, env)
            best["scan"] = min(best.get("scan", (math.inf,) * 3), timed)
            peak["scan"] = max(peak.get("scan", 0.0), timed[2])
    return total, best, peak


async def main(
    dialogs: int, messages: int, rounds: int, keep: Path | None, also: Path | None
) -> None:
    print(f"load average at the start: {load()}")
    async with shared_backup(BackupWorld(dialogs, messages), keep) as out:
        total, best, peak = _timed(out, rounds, also)
    print(f"\n{total:,} messages; whole processes, best of {rounds} (load {load()}):")
    # A child's peak RSS starts at this process's (Linux counts it until the exec).
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(peak RSS: the highest of the command's runs, at least this bench's {own:.0f} MB)")
    print("| command | best | its CPU | peak RSS | vs plain scan |")
    print("|---|---:|---:|---:|---:|")
    names = {
        "cold": "`tgtui stats --json`, cold (no aggregates)",
        "warm": "`tgtui stats --json`, warm",
        "range": "`tgtui stats --json --since --until`, warm",
    }
    rows = [(key, name) for key, name in names.items()]
    if also is not None:
        rows += [(f"{also.name}: {key}", f"{name} ({also.name})") for key, name in names.items()]
    rows.append(("scan", "plain scan (json.loads, by month)"))
    scan = best["scan"][0]
    for key, name in rows:
        wall, cpu, _rss = best[key]
        print(
            f"| {name} | {wall * 1000:,.0f} ms | {cpu:,.1f} s | {peak[key]:,.0f} MB "
            f"| {wall / scan:.2f}x |"
        )
    figures = {f"process: {key}": seconds for key, (seconds, _cpu, _rss) in best.items()}
    figures |= {f"peak RSS MB: {key}": mb for key, mb in peak.items()}
    check_figures(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=BIG.dialogs)
    parser.add_argument("--messages", type=int, default=BIG.messages, help="the biggest chat")
    parser.add_argument("--rounds", type=int, default=3)
    add_keep_option(parser)
    add_also_option(parser, "`tgtui stats`")
    arguments = parse_args(parser, QUICK)
    also = arguments.also.resolve() if arguments.also else None
    asyncio.run(main(arguments.dialogs, arguments.messages, arguments.rounds, arguments.keep, also))
