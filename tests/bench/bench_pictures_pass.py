"""What saving the pictures (thumbnails, chats' pictures, senders' userpics) costs a backup,
as a user times it: `tgtui backup` with and without them, whole processes, side by side.

    python -m tests.bench.bench_pictures_pass [--dialogs 1000] [--messages 5000]
        [--latencies 0,50] [--rounds 1] [--also DIR] [--quick]

`tgtui sandbox` runs the demo's world (seed 1: 1,000 chats, 61,679 messages) as its own
process with ``--request-log``. Each contender is `tgtui backup --all --no-media --no-account
--session S --out DIR`, started cold into a fresh folder: **messages only** with
``--no-pictures``, **with pictures** as a plain run does (the default). Figures: wall seconds
from spawn to exit; **messages on disk**: spawn to the answer of the command's last
`messages.getHistory` (its last page is written at once: what a user waits for before every
message is safe); `upload.getFile` requests and the most in flight at once; CPU; peak RSS.
With ``--also DIR`` the same commands of another checkout run in the same rounds.
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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.bench_backup_process import ROOT, _environment
from tests.bench.common import (
    add_also_option,
    check_figures,
    parse_args,
    start_sandbox,
    stop_sandbox,
)

QUICK = {"dialogs": 12, "messages": 300, "latencies": "0", "rounds": 1}
GET_FILE = "upload.getFile"


@dataclass
class Run:
    seconds: float
    messages_on_disk: float  # spawn to the last getHistory's answer
    files: int  # upload.getFile requests
    most_in_flight: int
    cpu: float
    rss_mb: float


def _in_flight(rows: list[dict[str, Any]]) -> int:
    edges = sorted(
        [(row["at"], 1) for row in rows] + [(row["answered"], -1) for row in rows],
        key=lambda edge: (edge[0], edge[1]),
    )
    now = most = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def _run(command: list[str], env: dict[str, str], log: Path) -> Run:
    with tempfile.TemporaryFile() as said:
        spawned = time.time()
        where = env.get("PYTHONPATH") or str(ROOT)  # -m finds tgtui in its folder first
        process = subprocess.Popen(command, env=env, stdout=said, stderr=said, cwd=where)
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.time()
        if os.waitstatus_to_exitcode(status) != 0:
            said.seek(0)
            raise SystemExit(f"{command[2:4]} failed:\n{said.read().decode(errors='replace')}")
    time.sleep(0.05)  # the sandbox writes a request's line once it is answered
    cpu, rss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    rows = [row for row in rows if spawned <= row["at"] <= ended]
    history = [row["answered"] for row in rows if row["method"] == "messages.getHistory"]
    files = [row for row in rows if row["method"] == GET_FILE]
    return Run(
        seconds=ended - spawned,
        messages_on_disk=(max(history) - spawned) if history else 0.0,
        files=len(files),
        most_in_flight=_in_flight(files),
        cpu=cpu,
        rss_mb=rss,
    )


async def measure(
    dialogs: int, messages: int, latency: float, rounds: int, also: Path | None
) -> dict[str, Run]:
    with tempfile.TemporaryDirectory(prefix="bench-pictures-pass-") as folder:
        work = Path(folder)
        log = work / "requests.jsonl"
        process, info = await start_sandbox(
            "--dialogs", str(dialogs), "--messages", str(messages), "--seed", "1",
            "--latency-ms", str(latency), "--session-out", str(work / "sandbox.session"),
            "--request-log", str(log),
        )  # fmt: skip
        env = _environment(work, info)
        out = work / "out"
        base = [sys.executable, "-m", "tgtui", "backup", "--all", "--no-media", "--no-account"]
        base += ["--session", str(work / "s.session"), "--out", str(out)]
        contenders: dict[str, tuple[list[str], dict[str, str]]] = {
            "messages only": ([*base, "--no-pictures"], {}),
            "with pictures": (base, {}),
        }
        if also is not None:
            for name, (command, _) in list(contenders.items()):
                contenders[f"base: {name}"] = (command, {"PYTHONPATH": str(also)})
        best: dict[str, Run] = {}
        try:
            for _ in range(rounds):
                for name, (command, added) in contenders.items():
                    shutil.rmtree(out, ignore_errors=True)
                    shutil.copy(info["session"], work / "s.session")
                    run = await asyncio.to_thread(_run, command, env | added, log)
                    if name not in best or run.seconds < best[name].seconds:
                        best[name] = run
        finally:
            await stop_sandbox(process)
    return best


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogs", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5000, help="the biggest chat")
    parser.add_argument("--latencies", default="0,50", help="ms, comma-separated")
    parser.add_argument("--rounds", type=int, default=1)
    add_also_option(parser, "`tgtui backup`")
    args = parse_args(parser, QUICK)
    also = args.also.resolve() if args.also else None
    print(
        f"Whole processes, cold, best of {args.rounds}; load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    figures: dict[str, float] = {}
    for latency in (float(x) for x in args.latencies.split(",")):
        runs = await measure(args.dialogs, args.messages, latency, args.rounds, also)
        print(
            f"\n{args.dialogs} chats, the biggest {args.messages:,}; {latency:g} ms\n\n"
            "| contender | seconds | messages on disk | getFile | most in flight | CPU s | "
            "peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|"
        )
        for name, run in runs.items():
            print(
                f"| {name} | {run.seconds:.2f} | {run.messages_on_disk:.2f} | {run.files:,} | "
                f"{run.most_in_flight} | {run.cpu:.2f} | {run.rss_mb:.0f} |",
                flush=True,
            )
        alone, pictures = runs["messages only"], runs["with pictures"]
        late = pictures.messages_on_disk / alone.messages_on_disk
        whole = pictures.seconds / alone.seconds
        print(
            f"\n{latency:g} ms: with pictures, every message on disk {late:.2f}x as late as "
            f"without, the whole backup {whole:.2f}x as long",
            flush=True,
        )
        figures[f"{latency:g} ms messages late"] = late
        figures[f"{latency:g} ms whole"] = whole
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
