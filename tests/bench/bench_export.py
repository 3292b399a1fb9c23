"""`tgtui export` on a big backup as a user times it: the whole `tgtui export` process against
the orjson floor (a script that parses every line with `orjson.loads` and writes it again
with `orjson.dumps`, one process, over the same lines), side by side in one run, with the
ratio, and the peak memory of each.

    python -m tests.bench.bench_export [--messages 1000000] [--rounds 3] [--keep DIR]
                                       [--before TREE] [--quick]

The backup is the one search and reader read (`tests.bench.common.shared_backup`: 4 chats,
the biggest with --messages, saved by one `BackupEngine` run, messages only), made once when
``$TGTUI_BENCH_CACHE`` is set (or in ``--keep DIR``). Then, each a fresh process, timed from
its start to its exit:

- **floor**: `python` running the floor script over every chat's messages.jsonl;
- **tde**, **html**, **both**: `python -m tgtui export BACKUP --format F --out NEW` (its
  worker processes included);
- **tde, one chat**: the smallest chat only (`--chat`), to show that memory does not grow
  with the number of messages;
- with ``--before TREE`` (another checkout's folder holding `tgtui/`), **tde (before)** and
  **html (before)**: that tree's `tgtui export`, in the same rounds.

Round after round, every contender runs once (alternated: a noisy moment on a shared machine
hits them all); the best time of each is kept. Peak RSS is the biggest process of the run
(the exporter or one of its workers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.common import (
    BIG,
    SMALL,
    BackupWorld,
    add_keep_option,
    check_figures,
    parse_args,
    shared_backup,
)

QUICK = {"messages": SMALL.messages, "rounds": 1}

# The floor: what any export must at least do with every line (parse it, write it again).
FLOOR = """\
import json, sys
from pathlib import Path
import orjson
source, out = Path(sys.argv[1]), sys.argv[2]
loads, dumps = orjson.loads, orjson.dumps
count = 0
with open(out, "wb") as sink:
    for chat in json.loads((source / "manifest.json").read_bytes())["chats"]:
        with open(source / chat["path"] / "messages.jsonl", "rb") as lines:
            for line in lines:
                sink.write(dumps(loads(line)) + b"\\n")
                count += 1
print(count)
"""

# Runs a command as its own child: its wall time (start to exit) and the peak RSS of the
# biggest process of its tree that was waited for (the exporter and its workers).
TIMER = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.buffer.write(done.stderr[-3000:])
print(json.dumps({"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024,
                  "cpu": usage.ru_utime + usage.ru_stime, "code": done.returncode}))
"""


def _timed(command: list[str], env: dict[str, str], where: Path) -> dict[str, float]:
    """``command`` run by the timer, in ``where`` (not this checkout: `python -m tgtui` finds
    tgtui in its current folder first, whatever PYTHONPATH says)."""
    done = subprocess.run(
        [sys.executable, "-c", TIMER, *command], capture_output=True, text=True, env=env, cwd=where
    )
    if done.returncode != 0:
        raise SystemExit(f"the timer failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"{command} exited {figures['code']}:\n{done.stderr[-3000:]}")
    return {key: figures[key] for key in ("seconds", "rss_mb", "cpu")}


def _env(tree: Path | None, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env["HOME"] = str(home)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    else:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def _contenders(
    folder: Path, work: Path, before: Path | None
) -> dict[str, tuple[list[str], dict[str, str], int]]:
    """name -> (command, environment, messages it handles)."""
    manifest = json.loads((folder / "manifest.json").read_bytes())
    total = sum(int(chat["messages"]) for chat in manifest["chats"])
    smallest = min(manifest["chats"], key=lambda chat: int(chat["messages"]))
    home = work / "home"
    home.mkdir(exist_ok=True)
    ours = _env(None, home)
    python = sys.executable
    floor = [python, "-c", FLOOR, str(folder), str(work / "floor.jsonl")]

    def export(fmt: str, *extra: str) -> list[str]:
        out = work / "out"
        where = [str(folder), "--format", fmt, "--out", str(out), *extra]
        return [python, "-m", "tgtui", "export", *where]

    runs = {
        "floor": (floor, ours, total),
        "tde": (export("tde"), ours, total),
        "html": (export("html"), ours, total),
        "both": (export("both"), ours, total),
        "tde, one chat": (
            export("tde", "--chat", str(smallest["id"])),
            ours,
            int(smallest["messages"]),
        ),
    }
    if before is not None:
        theirs = _env(before, home)
        runs["tde (before)"] = (export("tde"), theirs, total)
        runs["html (before)"] = (export("html"), theirs, total)
    return runs


def _rounds(
    folder: Path, work: Path, rounds: int, before: Path | None
) -> dict[str, dict[str, float]]:
    """Round after round, every contender once a round; the best time of each is kept (on a
    shared machine the slower runs measure the neighbours)."""
    runs: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        for name, (command, env, messages) in _contenders(folder, work, before).items():
            run = {**_timed(command, env, work / "home"), "messages": messages}
            if name not in runs or run["seconds"] < runs[name]["seconds"]:
                runs[name] = run
            shutil.rmtree(work / "out", ignore_errors=True)
            (work / "floor.jsonl").unlink(missing_ok=True)
    return runs


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


async def main(messages: int, keep: Path | None, rounds: int, before: Path | None) -> None:
    world = BackupWorld(BIG.dialogs, messages)
    async with shared_backup(world, keep) as folder:
        with tempfile.TemporaryDirectory(prefix="bench-export-", dir=folder.parent) as work:
            print(f"load average at the start: {_load()}", flush=True)
            runs = _rounds(folder, Path(work), rounds, before)
    floor = runs["floor"]["messages"] / runs["floor"]["seconds"]
    print(f"backup: {runs['floor']['messages']:,.0f} messages in 4 chats; best of {rounds}")
    print(f"load average at the end: {_load()}")
    cpu = runs["floor"]["messages"] / runs["floor"]["cpu"]
    print(
        "| run | messages | seconds | messages/s | vs the orjson floor | CPU seconds "
        "| CPU vs the floor | peak RSS |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, run in runs.items():
        rate = run["messages"] / run["seconds"]
        print(
            f"| {name} | {run['messages']:,.0f} | {run['seconds']:.2f} | {rate:,.0f} | "
            f"**{rate / floor:.2f}x** | {run['cpu']:.1f} | "
            f"{run['messages'] / run['cpu'] / cpu:.2f}x | {run['rss_mb']:.0f} MB |"
        )
    check_figures(
        {f"{name} {key}": value for name, run in runs.items() for key, value in run.items()}
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    add_keep_option(parser)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (the best is kept)")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="TREE",
        help="also time the tgtui in TREE (a folder holding tgtui/), in the same rounds",
    )
    arguments = parse_args(parser, QUICK)
    asyncio.run(main(arguments.messages, arguments.keep, arguments.rounds, arguments.before))
