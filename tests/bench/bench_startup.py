"""How fast the command line answers, side by side in one run (best of N, wall clock).

    python -m tests.bench.bench_startup [--rounds 15]

`python -c pass` is the floor: the rest is what tgtui adds. `tgtui --help` and `--version`
import neither Telethon nor Textual (tests/unit/test_layering.py checks that); a command's
`--help` imports that command only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "tgtui --version": [sys.executable, "-m", "tgtui", "--version"],
    "tgtui --help": [sys.executable, "-m", "tgtui", "--help"],
    "tgtui chats --help": [sys.executable, "-m", "tgtui", "chats", "--help"],
    "tgtui backup --help": [sys.executable, "-m", "tgtui", "backup", "--help"],
}


def best(command: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    results = {name: best(command, args.rounds) for name, command in CASES.items()}
    floor = results["python -c pass"]
    print(f"| command | best of {args.rounds} | ratio to `python -c pass` |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| `{name}` | {seconds * 1000:.0f} ms | {seconds / floor:.1f}x |")


if __name__ == "__main__":
    main()
