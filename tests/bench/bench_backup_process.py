"""`tgtui backup` as a user times it: whole processes, cold, against plain Telethon scripts,
side by side in one run, alternated, best of N.

    python -m tests.bench.bench_backup_process [--chats 50] [--messages 2000]
        [--latencies 0,50] [--cpu-messages 8000] [--big-chat 20000] [--rounds 3] [--quick]

`tgtui sandbox` runs as its own process with ``--request-log``: the arrival of every request
it answers, as wall-clock time. Every contender is a command of its own, started cold, given a
copy of one signed-in session, messages only, into a fresh folder:

- **connect + dialogs**: a plain script that imports Telethon, connects and lists the dialogs
  (`get_dialogs`), then exits: the floor of any backup;
- **script, all at once**: the same, then `iter_messages(wait_time=0)` for every chat at the
  same time, each chat's messages written as JSON lines (id, date, sender, text, reply) to a
  file of its own: the fastest plain script, with one request in flight per chat;
- **script, 8 ranges** (one big chat only): the chat's ids cut in 8 ranges read at the same
  time (`min_id`/`max_id`): the ceiling for one chat;
- **tgtui backup**: `tgtui backup --all --no-media --no-pictures --no-account --out DIR
  --session S`: messages only, as the scripts save;
- **tgtui backup, nothing new**: the same command again, into the folder it just made (an
  incremental run that finds nothing to fetch).

Figures, each a command's own (`os.wait4`): wall seconds from spawn to exit; **to first
history**: spawn to the sandbox's arrival of the command's first `messages.getHistory`;
user+system CPU; peak RSS; requests it sent. Issue 30's goals, printed, not asserted:

- many chats: tgtui's speed at least 0.9x the all-at-once script's;
- start: tgtui's spawn to first history within 1.2x the script's;
- CPU per message at 0 ms within 1.1x the script's, as a whole process and marginal (the
  difference between a world of ``--messages`` and one of ``--cpu-messages``);
- one big chat (``--big-chat`` messages, at the highest latency): at least 0.95x 8 ranges;
- an incremental run with nothing new within 1.3x connect + dialogs;
- memory: `tgtui backup` of one chat of ``--memory-chat`` messages (1,000,000) at 0 ms
  stays under 100 MB of peak RSS.
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

from tests.bench.common import (
    add_also_option,
    check_figures,
    parse_args,
    start_sandbox,
    stop_sandbox,
)

QUICK = {
    "chats": 5,
    "messages": 300,
    "latencies": "0",
    "cpu_messages": 3000,  # a difference well above the noise of a loaded machine
    "big_chat": 1000,
    "memory_chat": 2000,
    "rounds": 1,
}

# The plain scripts a user would write (not tgtui code): argv is session, api_id, api_hash,
# out folder, and what to do: "dialogs", "all" or "ranges".
SCRIPT = """
import asyncio, json, sys
from pathlib import Path
from telethon import TelegramClient

def line(m):
    return json.dumps({"id": m.id, "date": m.date.isoformat(), "from": m.sender_id,
                       "text": m.message, "reply_to": m.reply_to_msg_id},
                      ensure_ascii=False) + "\\n"

async def chat(client, entity, out, **bounds):
    with open(out, "w", encoding="utf-8") as f:
        async for m in client.iter_messages(entity, wait_time=0, **bounds):
            f.write(line(m))

async def main(session, api_id, api_hash, out, what):
    client = TelegramClient(session, int(api_id), api_hash)
    await client.connect()
    dialogs = await client.get_dialogs()
    out = Path(out)
    if what == "all":
        await asyncio.gather(*(chat(client, d.entity, out / f"{d.id}.jsonl") for d in dialogs))
    elif what == "ranges":
        biggest = max(dialogs, key=lambda d: d.message.id if d.message else 0)
        top = biggest.message.id + 1
        cuts = [top * i // 8 for i in range(9)]
        await asyncio.gather(*(
            chat(client, biggest.entity, out / f"{i}.jsonl", min_id=max(cuts[i] - 1, 0),
                 max_id=cuts[i + 1])
            for i in range(8)))
    await client.disconnect()

asyncio.run(main(*sys.argv[1:]))
"""


@dataclass(frozen=True)
class Run:
    """One command, start to exit."""

    seconds: float
    to_first_history: float
    cpu: float
    rss_mb: float
    requests: int
    messages: int


def _requests(log: Path, since: float, until: float) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [row for row in rows if since <= row["at"] <= until]


def _messages(out: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in out.rglob("*.jsonl") if p.is_file())


ROOT = Path(__file__).resolve().parents[2]  # this checkout


def run_command(command: list[str], env: dict[str, str], log: Path, count: Path) -> Run:
    """Spawn ``command``, wait for it, and measure it (``count``: where its messages are).
    It runs in the checkout its PYTHONPATH names (this one without): `python -m tgtui`
    finds tgtui in its current folder first, whatever PYTHONPATH says."""
    with tempfile.TemporaryFile() as said:
        spawned = time.time()
        where = env.get("PYTHONPATH") or str(ROOT)
        process = subprocess.Popen(command, env=env, stdout=said, stderr=said, cwd=where)
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            said.seek(0)
            tail = said.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{command[2:4]} failed ({process.returncode}):\n{tail}")
    time.sleep(0.05)  # the sandbox writes a request's line once it is answered
    requests = _requests(log, spawned, ended)
    history = [row["at"] for row in requests if row["method"] == "messages.getHistory"]
    return Run(
        seconds=ended - spawned,
        to_first_history=(min(history) - spawned) if history else 0.0,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        requests=len(requests),
        messages=_messages(count) if count.exists() else 0,
    )


AGAIN = "tgtui backup, nothing new"  # into the folder the run before it made
BASE = "base: "  # the contenders of the tree --also names are these names with this before


def contenders(
    info: dict[str, Any], work: Path, big_chat: bool, also: Path | None = None
) -> dict[str, tuple[list[str], Path, dict[str, str]]]:
    """Each contender's command, the folder it writes into (made fresh per run, but for
    `AGAIN`) and what it adds to the environment, in the order they run."""
    script = work / "plain_script.py"
    script.write_text(SCRIPT)
    keys = [str(info["api_id"]), info["api_hash"]]

    def plain(what: str, out: Path) -> list[str]:
        return [sys.executable, str(script), str(work / "s.session"), *keys, str(out), what]

    out = work / "out"
    # Messages only, as the scripts save: no files, no previews or userpics, not the
    # account's own data (which --all keeps by default).
    tgtui = [sys.executable, "-m", "tgtui", "backup", "--all", "--no-media", "--no-pictures"]
    tgtui += ["--no-account"]
    tgtui += ["--session", str(work / "s.session"), "--out", str(out)]
    chosen: dict[str, tuple[list[str], Path, dict[str, str]]] = {
        "connect + dialogs": (plain("dialogs", out), out, {}),
        "script, all at once": (plain("all", out), out, {}),
        "tgtui backup": (tgtui, out, {}),
        AGAIN: (tgtui, out, {}),
    }
    if also is not None:  # the same commands, run from the other tree, into a folder of its own
        base_out = work / "out-base"
        base = [*tgtui[:-1], str(base_out)]
        chosen[BASE + "tgtui backup"] = (base, base_out, {"PYTHONPATH": str(also)})
        chosen[BASE + AGAIN] = (base, base_out, {"PYTHONPATH": str(also)})
    if big_chat:
        chosen["script, 8 ranges"] = (plain("ranges", out), out, {})
    return chosen


def _environment(work: Path, info: dict[str, Any]) -> dict[str, str]:
    # PYTHONPATH too: it names the checkout a contender runs (`run_command`).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TGTUI_", "XDG_")) and k != "PYTHONPATH"
    }
    env.update(
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_STATE_HOME=str(work / "state"),
        XDG_DATA_HOME=str(work / "data"),
        XDG_CACHE_HOME=str(work / "cache"),
        TGTUI_API_ID=str(info["api_id"]),
        TGTUI_API_HASH=info["api_hash"],
    )
    return env


async def measure(
    dialogs: int,
    messages: int,
    latency: float,
    rounds: int,
    big_chat: bool = False,
    only: frozenset[str] | None = None,
    also: Path | None = None,
) -> dict[str, Run]:
    """Every contender (or those ``only`` names) against one sandbox, ``rounds`` turns each;
    the best run of each."""
    with tempfile.TemporaryDirectory(prefix="bench-backup-process-") as folder:
        work = Path(folder)
        log = work / "requests.jsonl"
        shape = ["--biggest-supergroup"] if big_chat else []
        process, info = await start_sandbox(
            "--dialogs", str(dialogs), "--messages", str(messages), "--seed", "3", *shape,
            "--latency-ms", str(latency), "--session-out", str(work / "sandbox.session"),
            "--request-log", str(log),
        )  # fmt: skip
        best: dict[str, Run] = {}
        try:
            env = _environment(work, info)
            for _ in range(rounds):
                for name, (command, out, added) in contenders(info, work, big_chat, also).items():
                    if only is not None and name not in only:
                        continue
                    if name not in (AGAIN, BASE + AGAIN):
                        shutil.rmtree(out, ignore_errors=True)
                        out.mkdir()
                    shutil.copy(info["session"], work / "s.session")
                    run = await asyncio.to_thread(run_command, command, env | added, log, out)
                    if name not in best or run.seconds < best[name].seconds:
                        best[name] = run
        finally:
            await stop_sandbox(process)
    return best


def _table(title: str, runs: dict[str, Run], reference: str) -> None:
    print(
        f"\n{title}\n\n| contender | messages | seconds | to first history | CPU s | "
        f"CPU µs/msg | peak RSS MB | requests | speed vs {reference} |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for name, run in runs.items():
        counted = run.messages and not name.endswith(AGAIN)
        per = f"{run.cpu / run.messages * 1e6:.0f}" if counted else "-"
        print(
            f"| {name} | {run.messages:,} | {run.seconds:.2f} | {run.to_first_history:.2f} | "
            f"{run.cpu:.2f} | {per} | {run.rss_mb:.0f} | {run.requests} | "
            f"{runs[reference].seconds / run.seconds:.2f}x |",
            flush=True,
        )


def _ratios(
    label: str, runs: dict[str, Run], script: str, figures: dict[str, float], prefix: str = ""
) -> None:
    tgtui, plain = runs[prefix + "tgtui backup"], runs[script]
    label = prefix + label
    floor = runs["connect + dialogs"]
    speed = plain.seconds / tgtui.seconds
    start = tgtui.to_first_history / plain.to_first_history if plain.to_first_history else 0.0
    cpu = (tgtui.cpu / tgtui.messages) / (plain.cpu / plain.messages) if plain.messages else 0.0
    print(
        f"\n{label}: speed {speed:.2f}x {script} (goal >= 0.9); spawn to first history "
        f"{start:.2f}x the script's (goal <= 1.2; connect + dialogs alone: "
        f"{floor.seconds:.2f} s); whole-process CPU per message {cpu:.2f}x (goal <= 1.1)",
        flush=True,
    )
    if tgtui.messages != plain.messages:
        print(f"  (messages differ: tgtui {tgtui.messages:,}, script {plain.messages:,})")
    again = runs[prefix + AGAIN].seconds / floor.seconds
    print(
        f"{label}: an incremental run with nothing new {again:.2f}x connect + dialogs "
        f"(goal <= 1.3), {runs[prefix + AGAIN].requests} requests",
        flush=True,
    )
    figures.update(
        {
            f"{label} speed": speed,
            f"{label} start": start,
            f"{label} cpu": cpu,
            f"{label} nothing new": again,
        }
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=2000, help="the biggest chat")
    parser.add_argument("--latencies", default="0,50", help="ms, comma-separated")
    parser.add_argument(
        "--cpu-messages", type=int, default=8000, help="the bigger world for marginal CPU"
    )
    parser.add_argument("--big-chat", type=int, default=20000, help="one chat of N (0: none)")
    parser.add_argument(
        "--memory-chat", type=int, default=1_000_000, help="tgtui alone, peak RSS (0: none)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    add_also_option(parser, "`tgtui backup`")
    args = parse_args(parser, QUICK)
    also = args.also.resolve() if args.also else None
    print(
        f"Whole processes, cold, best of {args.rounds} (alternated); "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    figures: dict[str, float] = {}
    small: dict[str, Run] = {}
    for latency in (float(x) for x in args.latencies.split(",")):
        runs = await measure(args.chats, args.messages, latency, args.rounds, also=also)
        if latency == 0:
            small = runs
        title = f"{args.chats} chats, the biggest {args.messages:,}; {latency:g} ms"
        _table(title, runs, "script, all at once")
        _ratios(f"{latency:g} ms", runs, "script, all at once", figures)
        if also is not None:
            _ratios(f"{latency:g} ms", runs, "script, all at once", figures, BASE)
    if small and args.cpu_messages > args.messages:
        big = await measure(args.chats, args.cpu_messages, 0, args.rounds)
        _table(
            f"{args.chats} chats, the biggest {args.cpu_messages:,}; 0 ms",
            big,
            "script, all at once",
        )
        marginal = {}
        for name in ("script, all at once", "tgtui backup"):
            added = big[name].messages - small[name].messages
            marginal[name] = (big[name].cpu - small[name].cpu) / added * 1e6 if added else 0.0
        said = (
            f"\nmarginal CPU per message at 0 ms: tgtui {marginal['tgtui backup']:.0f} µs, "
            f"script {marginal['script, all at once']:.0f} µs"
        )
        if min(marginal.values()) > 0:
            ratio = marginal["tgtui backup"] / marginal["script, all at once"]
            print(f"{said}: {ratio:.2f}x (goal <= 1.1)", flush=True)
            figures["marginal cpu"] = ratio
        else:  # the bigger world cost less CPU than the smaller: the machine's noise won
            print(f"{said}: below the noise, no ratio (use a bigger --cpu-messages)", flush=True)
    if args.big_chat:
        latency = max(float(x) for x in args.latencies.split(","))
        runs = await measure(1, args.big_chat, latency, args.rounds, big_chat=True)
        _table(f"one chat of {args.big_chat:,}; {latency:g} ms", runs, "script, 8 ranges")
        speed = runs["script, 8 ranges"].seconds / runs["tgtui backup"].seconds
        print(f"\none big chat: {speed:.2f}x 8 ranges (goal >= 0.95)", flush=True)
        figures["big chat speed"] = speed
    if args.memory_chat:
        runs = await measure(
            1, args.memory_chat, 0, 1, big_chat=True, only=frozenset({"tgtui backup"})
        )
        rss = runs["tgtui backup"].rss_mb
        print(
            f"\nmemory: tgtui backup of one chat of {runs['tgtui backup'].messages:,} "
            f"messages, 0 ms: peak RSS {rss:.0f} MB (goal <= 100) in "
            f"{runs['tgtui backup'].seconds:.1f} s",
            flush=True,
        )
        figures["memory chat rss"] = rss
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
