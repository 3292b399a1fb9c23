"""How fast the command line answers: whole processes, cold, side by side in one run,
alternated (each round runs every command once), best of N, wall clock.

    python -m tests.bench.bench_startup [--rounds 15] [--command-rounds 5] [--quick]

Two tables:

- start-up: `python -c pass` is the floor, the rest is what tgtui adds. `tgtui --help` and
  `--version` import neither Telethon nor Textual (tests/unit/test_layering.py checks that);
  a command's `--help` imports that command only;
- the commands against `tgtui --version`: `search --help`, `export --help`, `open --help`,
  `chats --help`, `backup --help`, and `tgtui search WORD --in BACKUP` on a small backup (the
  benches' shared one, `tests.bench.common.SMALL`: 4,720 messages; a first, untimed search
  makes its index, so each timed one only finds it current, as every search after the
  first). Issues 27 and 30's target: every `--help` within 1.5x of `--version` (printed, not
  asserted).

Every command is its own process (`python -m tgtui ...`): the bench imports no command module
of tgtui, so it measures whatever the command line loads.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.common import SMALL, check_figures, parse_args, shared_backup

QUICK = {"rounds": 1, "command_rounds": 1}


def tgtui(*args: str) -> list[str]:
    """A tgtui command, as its own process."""
    return [sys.executable, "-m", "tgtui", *args]


STARTUP = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "tgtui --version": tgtui("--version"),
    "tgtui --help": tgtui("--help"),
    "tgtui chats --help": tgtui("chats", "--help"),
    "tgtui backup --help": tgtui("backup", "--help"),
}


def offline_commands(backup: Path, word: str) -> dict[str, list[str]]:
    """The offline commands' cases, `tgtui --version` first (the reference)."""
    return {
        "tgtui --version": tgtui("--version"),
        "tgtui search --help": tgtui("search", "--help"),
        "tgtui export --help": tgtui("export", "--help"),
        "tgtui open --help": tgtui("open", "--help"),
        "tgtui chats --help": tgtui("chats", "--help"),
        "tgtui backup --help": tgtui("backup", "--help"),
        f"tgtui search {word} --in BACKUP": tgtui("search", word, "--in", str(backup)),
    }


def once(command: list[str]) -> float:
    """Seconds from start to exit of one run; the bench fails if the command does."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        shown = " ".join(command[1:])
        raise SystemExit(f"`{shown}` failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def best_alternated(cases: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """Best time of each command over ``rounds`` rounds, each round running every command once
    in turn (a noisy moment on a shared machine hits them all alike)."""
    best = dict.fromkeys(cases, math.inf)
    for _ in range(rounds):
        for name, command in cases.items():
            best[name] = min(best[name], once(command))
    return best


def common_word(backup: Path) -> str:
    """A word many messages of the backup's biggest chat have (so the search finds some)."""
    manifest = json.loads((backup / "manifest.json").read_text())
    biggest = max(manifest["chats"], key=lambda chat: chat["messages"])
    words: collections.Counter[str] = collections.Counter()
    with (backup / biggest["path"] / "messages.jsonl").open("rb") as lines:
        for _, line in zip(range(1000), lines, strict=False):
            text = json.loads(line).get("text")
            if isinstance(text, str):
                words.update(re.findall(r"\b[a-z]{5,}\b", text.lower()))
    if not words:
        raise SystemExit(f"no words to search for in {biggest['path']}")
    return words.most_common(1)[0][0]


def table(results: dict[str, float], rounds: int, reference: str) -> None:
    floor = results[reference]
    print(f"| command | best of {rounds} | ratio to `{reference}` |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| `{name}` | {seconds * 1000:.0f} ms | {seconds / floor:.2f}x |", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="of the start-up table")
    parser.add_argument(
        "--command-rounds", type=int, default=5, help="of the offline commands' table"
    )
    args = parse_args(parser, QUICK)
    startup = best_alternated(STARTUP, args.rounds)
    table(startup, args.rounds, "python -c pass")
    async with shared_backup(SMALL) as backup:
        word = common_word(backup)
        cases = offline_commands(backup, word)
        once(cases[f"tgtui search {word} --in BACKUP"])  # makes the index, untimed
        offline = best_alternated(cases, args.command_rounds)
    print()
    table(offline, args.command_rounds, "tgtui --version")
    print(
        "\n(issue 27's and 30's target: every command's `--help` within 1.5x of `--version`; "
        "`backup` and `chats` since 2026-12-06, when their options moved apart from their work)"
    )
    check_figures(
        {
            **{f"start-up: {name}": seconds for name, seconds in startup.items()},
            **{f"offline: {name}": seconds for name, seconds in offline.items()},
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
