"""Search in a backup: building the index, keeping it current, and answering, against a plain
scan of the JSONL and against ripgrep, side by side in one run.

    python -m tests.bench.bench_search [--dialogs 4] [--messages 1000000] [--queries 40]
                                       [--rounds 5] [--keep DIR] [--also DIR] [--quick]

The backup is the one export and reader read (`tests.bench.common.shared_backup`: the
sandbox's world backed up by one `BackupEngine` run, messages only; the defaults give
2,360,726 messages), made once when ``$TGTUI_BENCH_CACHE`` is set. Its search index is removed
first. Then:

- build: `SearchIndex.update()` from nothing, in messages per second;
- update: the same with nothing new (every chat's file looked at, none read);
- search: `--queries` one- and two-word searches (count and the newest 50 hits), timed inside
  the process, median and p95;
- scan: the same words found by reading every line of every chat's JSONL (json.loads and a
  word match), the way a script without an index does it, for the first few queries;
- tgtui against ripgrep, as a user times them (issue 30): `tgtui search WORD --in BACKUP`
  (and with `--json`) as cold processes, the index current, against `rg -c -i -w WORD` over
  every chat's messages.jsonl, for a common word and a rare one (the most and the least
  frequent words of four letters or more in the index), alternated, best of `--rounds`,
  wall clock from spawn to exit, output to /dev/null. `tgtui --version` is there as the
  floor of any tgtui command. Without rg on the PATH that comparison is skipped (said so);
  the rest runs. tgtui runs from its bytecode, as installed (pip compiles it): the processes
  keep theirs in a folder of their own (``PYTHONPYCACHEPREFIX``), written by an untimed first
  run, even where ``PYTHONDONTWRITEBYTECODE`` is set. ``--also DIR`` times the tgtui of
  another checkout in DIR (say, the commit before a change) beside this one, in the same
  rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
from tgtui.archive.folder import Archive, open_archive
from tgtui.archive.index import SearchIndex
from tgtui.archive.index_file import INDEX_DIR, INDEX_FILE
from tgtui.archive.search import Filters, search
from tgtui.sandbox.names import WORDS

SCANNED = 3  # queries also answered by a plain scan (each reads everything)
QUICK = {"dialogs": SMALL.dialogs, "messages": SMALL.messages, "queries": 5, "rounds": 1}


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


def common_and_rare(backup: Path) -> tuple[str, str]:
    """The most and the least frequent words of four letters or more in the backup's index
    (by the messages that have them), leaving out the words of senders' names: rg would
    find those in the "from" of every message of the sender, where the index has its
    text only ("Bulletin": one message says it, the 25,000 posts of "Rusty Climbers
    Bulletin" are from it)."""
    db = sqlite3.connect(backup / INDEX_DIR / INDEX_FILE)
    try:
        db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, 'row')")
        found = db.execute(
            "SELECT term FROM temp.vocab WHERE term GLOB '[a-z][a-z][a-z][a-z]*' "
            "AND term NOT GLOB '*[^a-z]*' ORDER BY doc, term"
        ).fetchall()
        names = {
            word
            for (sender,) in db.execute("SELECT DISTINCT sender FROM docs")
            for word in re.findall(r"\w+", sender.lower())
        }
    finally:
        db.close()
    words = [word for (word,) in found if word not in names]
    if not words:
        raise SystemExit(f"no words of four letters or more in the index of {backup}")
    return words[-1], words[0]


def whole_processes(backup: Path, words: dict[str, str], also: Path | None) -> dict[str, list[str]]:
    """The commands timed as whole processes (rg only when it is installed); with ``also``,
    the search of the tgtui checked out there too (`run_once` runs it from there)."""
    tgtui = [sys.executable, "-m", "tgtui"]
    jsonl = sorted(str(p) for p in (backup / "chats").glob("*/messages.jsonl"))
    rg = shutil.which("rg")
    cases = {"tgtui --version": [*tgtui, "--version"]}
    for kind, word in words.items():
        search = [*tgtui, "search", word, "--in", str(backup)]
        cases[f"tgtui search ({kind}: {word})"] = search
        cases[f"tgtui search --json ({kind}: {word})"] = [*search, "--json"]
        if also is not None:
            cases[f"{also.name}: tgtui search ({kind}: {word})"] = [*search, f"@{also}"]
        if rg is not None:
            cases[f"rg -c -i -w ({kind}: {word})"] = [rg, "-c", "-i", "-w", word, *jsonl]
    return cases


def bytecode_env(folder: Path) -> dict[str, str]:
    """The environment of the timed processes: tgtui's bytecode kept (in ``folder``), as an
    installed tgtui has it; no TGTUI_ settings of this shell."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TGTUI_") and k not in ("PYTHONDONTWRITEBYTECODE", "FORCE_COLOR")
    }
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    return env


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawn to exit, and stderr; the bench fails if the command does (rg and
    tgtui search exit 1 when nothing matched: a failure here, the words are in the index).
    A command ending in ``@DIR`` runs the tgtui checked out in DIR."""
    where = None
    if command[-1].startswith("@"):
        where = command[-1][1:]
        command = command[:-1]
        env = {**env, "PYTHONPATH": where}
    started = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=where
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command[:6])} ...` failed ({done.returncode}):\n"
                         f"{done.stderr[-2000:]}")  # fmt: skip
    return seconds, done.stderr


def against_ripgrep(backup: Path, rounds: int, also: Path | None) -> dict[str, float]:
    """Whole processes, alternated, best of ``rounds``: the table, and its figures."""
    words = dict(zip(("common", "rare"), common_and_rare(backup), strict=True))
    cache = os.environ.get(CACHE_ENV)
    with tempfile.TemporaryDirectory(prefix="bench-pycache-", dir=cache) as pycache:
        env = bytecode_env(Path(pycache))
        cases = whole_processes(backup, words, also)
        for command in cases.values():  # untimed: bytecode written, index found current
            run_once(command, env)
        best = dict.fromkeys(cases, math.inf)
        for _ in range(rounds):
            for name, command in cases.items():
                best[name] = min(best[name], run_once(command, env)[0])
        matched = {kind: run_once(cases[f"tgtui search ({kind}: {word})"], env)[1]
                   for kind, word in words.items()}  # fmt: skip
        lines = {kind: ripgrep_lines(cases.get(f"rg -c -i -w ({kind}: {word})"))
                 for kind, word in words.items()}  # fmt: skip
    print(f"\nwhole processes, alternated, best of {rounds} (load {load()}):")
    print("| command | best | vs rg, same word |")
    print("|---|---:|---:|")
    for name, seconds in best.items():
        word = name.split("(")[-1]
        rg = best.get(f"rg -c -i -w ({word}")
        ratio = f"{seconds / rg:.2f}x" if rg is not None else "—"
        print(f"| `{name}` | {seconds * 1000:.0f} ms | {ratio} |")
    for kind, said in matched.items():
        counted = "" if lines[kind] is None else f"; rg counts {lines[kind]:,} lines"
        print(f"{kind} word, tgtui says: {said.strip().splitlines()[-1]}{counted}")
    if shutil.which("rg") is None:
        print("rg (ripgrep) is not installed: the comparison with it is skipped "
              "(apt-get install ripgrep, brew install ripgrep)")  # fmt: skip
    return {f"process: {name}": seconds for name, seconds in best.items()}


def ripgrep_lines(command: list[str] | None) -> int | None:
    """How many lines `rg -c` counts, over every file (None without rg)."""
    if command is None:
        return None
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return sum(int(line.rpartition(":")[2]) for line in done.stdout.splitlines())


def load() -> str:
    """The load average (1, 5, 15 minutes), as `uptime` says it."""
    try:
        return ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    except OSError:
        return "unknown"


async def main(
    dialogs: int, messages: int, queries: int, rounds: int, keep: Path | None, also: Path | None
) -> None:
    print(f"load average at the start: {load()}")
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
        processes = against_ripgrep(out, rounds, also)
    check_figures(
        {
            "build seconds": build,
            "build messages": stats.messages,
            "search median": statistics.median(times),
            "search p95": _percentile(times, 0.95),
            "scan median": statistics.median(scans),
            **processes,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=BIG.dialogs)
    parser.add_argument("--messages", type=int, default=BIG.messages, help="the biggest chat")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument(
        "--rounds", type=int, default=5, help="of the whole processes against ripgrep"
    )
    add_keep_option(parser)
    add_also_option(parser, "the tgtui search")
    arguments = parse_args(parser, QUICK)
    asyncio.run(
        main(
            arguments.dialogs,
            arguments.messages,
            arguments.queries,
            arguments.rounds,
            arguments.keep,
            arguments.also.resolve() if arguments.also else None,
        )
    )
