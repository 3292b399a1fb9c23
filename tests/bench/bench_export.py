"""`tgtui export` on a big backup: messages per second for each format, against a plain copy
of the same lines (`json.loads` then `json.dumps`, one process), and memory, side by side in
one run.

    python -m tests.bench.bench_export [--messages 1000000] [--rounds 3] [--keep DIR] [--quick]

The backup is the one search and reader read (`tests.bench.common.shared_backup`: 4 chats,
the biggest with --messages, saved by one `BackupEngine` run, messages only), made once when
``$TGTUI_BENCH_CACHE`` is set. Then, each in a fresh process so that time and memory are its
own:

- **plain**: every line of every chat read, parsed and written again as JSON, one process;
- **tde**, **html**, **both**: `export_backup` into a new folder (worker processes as
  `tgtui export` uses them), timed from start to the folder renamed into place;
- **tde, one tenth**: the smallest chats only, to show that memory does not grow with the
  number of messages.

Every contender runs once a round, `--rounds` times; the best time of each is kept. Peak RSS
is given for the exporting process and for its biggest worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import BIG, SMALL, BackupWorld, check_figures, parse_args, shared_backup
from tgtui.archive.folder import ArchiveChat, open_archive

QUICK = {"messages": SMALL.messages, "rounds": 1}


def _rss() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_mb": own, "worker_rss_mb": workers}


def plain(folder: Path, out: Path) -> dict[str, float]:
    """Read, parse and write again every line of every chat, one process."""
    manifest = json.loads((folder / "manifest.json").read_text())
    started = time.perf_counter()
    count = 0
    with out.open("w", encoding="utf-8") as sink:
        for chat in manifest["chats"]:
            with (folder / chat["path"] / "messages.jsonl").open("rb") as lines:
                for line in lines:
                    sink.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")
                    count += 1
    return {"seconds": time.perf_counter() - started, "messages": count, **_rss()}


def export(folder: Path, out: Path, fmt: str, smallest: bool) -> dict[str, float]:
    """One export, as `tgtui export` runs it."""
    from tgtui.export.run import export_backup

    archive = open_archive(folder)
    chats = sorted(archive.chats, key=lambda c: c.messages)
    if smallest:
        total = sum(c.messages for c in chats)
        chosen: list[ArchiveChat] = []
        count = 0
        for chat in chats:
            if count + chat.messages > total // 10 and chosen:
                break
            chosen.append(chat)
            count += chat.messages
        chats = chosen
    started = time.perf_counter()
    summary = export_backup(archive, out, fmt, chats)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "messages": summary.messages, **_rss()}


def _child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_export", "--child", *args],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


async def main(messages: int, keep: Path | None, rounds: int) -> None:
    world = BackupWorld(BIG.dialogs, messages)
    with tempfile.TemporaryDirectory() as work:
        async with shared_backup(world, keep) as folder:
            runs = _rounds(folder, Path(work), rounds)
        base = runs["plain"]["messages"] / runs["plain"]["seconds"]
        print(f"backup: {runs['plain']['messages']:,.0f} messages in 4 chats; best of {rounds}")
        print("| run | messages | seconds | messages/s | vs plain copy | peak RSS | worker RSS |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, run in runs.items():
            rate = run["messages"] / run["seconds"]
            workers = "—" if name == "plain" else f"{run['worker_rss_mb']:.0f} MB"
            print(
                f"| {name} | {run['messages']:,.0f} | {run['seconds']:.2f} | {rate:,.0f} | "
                f"{rate / base:.2f}x | {run['rss_mb']:.0f} MB | {workers} |"
            )
        check_figures(
            {f"{name} {key}": value for name, run in runs.items() for key, value in run.items()}
        )


def _rounds(folder: Path, work: Path, rounds: int) -> dict[str, dict[str, float]]:
    """Round after round, every contender once a round; the best time of each is kept (on a
    shared machine the slower runs measure the neighbours)."""
    runs: dict[str, dict[str, float]] = {}

    def keep_best(name: str, run: dict[str, float]) -> None:
        if name not in runs or run["seconds"] < runs[name]["seconds"]:
            runs[name] = run

    for _ in range(rounds):
        keep_best("plain", _child("plain", str(folder), str(work / "plain.jsonl")))
        for fmt in ("tde", "html", "both"):
            keep_best(fmt, _child(fmt, str(folder), str(work / fmt)))
            shutil.rmtree(work / fmt)
        small = work / "small"
        keep_best("tde, one tenth", _child("tde-small", str(folder), str(small)))
        shutil.rmtree(small)
    return runs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="make the backup here, or reuse the one there"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (the best is kept)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SRC", "OUT"), help=argparse.SUPPRESS)
    arguments = parse_args(parser, QUICK)
    if arguments.child:
        mode, source, target = arguments.child
        if mode == "plain":
            result = plain(Path(source), Path(target))
        else:
            fmt = mode.removesuffix("-small")
            result = export(Path(source), Path(target), fmt, mode.endswith("-small"))
        print(json.dumps(result))
    else:
        asyncio.run(main(arguments.messages, arguments.keep, arguments.rounds))
