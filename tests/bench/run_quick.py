"""Every benchmark in its quick mode, each as its own process, one after another: a bench that
breaks fails like a test. CI runs this after the suite.

    python -m tests.bench.run_quick [NAME ...] [--timeout 300] [--verbose]

Every `tests/bench/bench_*.py` runs (a new bench is in without being listed) with
``--quick`` and ``TGTUI_BENCH_QUICK=1``: a tiny world through the bench's own code, failing
unless its figures came out. ``TGTUI_BENCH_CACHE`` points at a folder of this run, so the
benches that read a backup share one, made once. Each bench's outcome and time is printed,
its output too when it failed (or with ``--verbose``); the exit status is 1 if any failed.
A bench still running after ``--timeout`` seconds fails, and its processes are ended.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import CACHE_ENV, QUICK_ENV

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def benches() -> list[str]:
    """Every bench module's name, in order."""
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def run_one(name: str, env: dict[str, str], timeout: float) -> tuple[str, float, str]:
    """Run one bench quick in a process group of its own; its outcome, seconds and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", f"tests.bench.{name}", "--quick"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its sandbox and children too, to end them on a time-out
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        outcome = "ok" if process.returncode == 0 else f"FAILED (exit {process.returncode})"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        outcome = f"FAILED (still running after {timeout:.0f} s)"
    else:
        # Whatever it left running in its group (it should have ended it all).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return outcome, time.perf_counter() - started, output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these (bench_x or x)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per bench")
    parser.add_argument("--verbose", action="store_true", help="every bench's output")
    args = parser.parse_args(argv)
    every = benches()
    chosen = every
    if args.names:
        wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in args.names]
        unknown = [n for n in wanted if n not in every]
        if unknown:
            parser.error(f"no such bench: {', '.join(unknown)} (there are {', '.join(every)})")
        chosen = wanted
    failed: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tgtui-bench-") as cache:
        env = {**os.environ, QUICK_ENV: "1", CACHE_ENV: cache}
        for name in chosen:
            outcome, seconds, output = run_one(name, env, args.timeout)
            print(f"{outcome:<12} {name:<22} {seconds:6.1f} s", flush=True)
            if outcome != "ok" or args.verbose:
                print("    " + output.rstrip().replace("\n", "\n    "), flush=True)
            if outcome != "ok":
                failed.append(name)
    print(f"quick benchmarks took {time.perf_counter() - started:.0f} s in all")
    if failed:
        print(f"failed: {', '.join(failed)}")
    print(f"benchmarks: {len(chosen) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
