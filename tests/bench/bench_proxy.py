"""`tgtui backup` through a proxy against the same backup straight to Telegram, whole
processes, side by side in one run, alternated, best of N.

    python -m tests.bench.bench_proxy [--chats 20] [--messages 1000] [--latency-ms 50]
        [--rounds 3] [--mtproxy] [--quick]

`tgtui sandbox` runs as its own process, every answer ``--latency-ms`` late (Telegram is far
away; the proxy is on this machine, as a user's SSH tunnel or a proxy next door would be).
Each contender is `tgtui backup --all --out FRESH --session COPY --max-file-size 0.3`, with
media (their files live on another DC: a second connection through the proxy):

- **direct**: no proxy;
- **socks5**: through a SOCKS5 server on loopback, with a user name and password: pproxy
  (PyPI), or with ``--server microsocks`` Debian's microsocks (C; `apt install microsocks`),
  which leaves Nagle's algorithm on its own sockets (15 ms a round trip on loopback, where
  pproxy takes 0.3 ms and no proxy 0.2 ms), so it times microsocks more than tgtui;
- **mtproxy ee** (``--mtproxy``): through the sandbox's own fake-TLS MTProxy listener.

Figures: wall seconds per contender (best of the rounds) and each proxy's speed as a share of
direct's (direct seconds / proxy seconds). Issue 31's goal, printed, not asserted: socks5 at
50 ms is at least 0.9x direct.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tests.flows.cli_process import cli_env
from tests.proxy_process import running_microsocks, running_proxy

QUICK = {"chats": 3, "messages": 100, "latency_ms": 0.0, "rounds": 1, "mtproxy": True}
FAKE_TLS = "ee" + "5f" * 16 + b"example.com".hex()


async def backup(info: dict[str, Any], work: Path, proxy: str | None) -> float:
    """One cold `tgtui backup` of every chat (media too), through ``proxy``: wall seconds."""
    out = Path(tempfile.mkdtemp(dir=work))
    session = out.with_suffix(".session")
    shutil.copy(info["session"], session)
    command = [
        sys.executable, "-m", "tgtui", "backup", "--all", "--out", str(out / "backup"),
        "--session", str(session), "--max-file-size", "0.3", "--progress", "none",
    ]  # fmt: skip
    if proxy is not None:
        command += ["--proxy", proxy]
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        env=cli_env(work, info),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = await process.communicate()
    took = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"tgtui backup (proxy {proxy!r}) failed: {err.decode()[-2000:]}")
    shutil.rmtree(out)
    return took


@contextlib.asynccontextmanager
async def socks5_server(name: str) -> AsyncIterator[int]:
    """A SOCKS5 server with a password on loopback: its port."""
    if name == "microsocks":
        async with running_microsocks("bench:b3nch") as port:
            yield port
    else:
        async with running_proxy("socks5", "bench:b3nch") as proxy:
            yield proxy.port


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mtproxy", action="store_true", help="time a fake-TLS MTProxy too")
    parser.add_argument(
        "--server",
        choices=("microsocks", "pproxy"),
        default="pproxy",
        help="the SOCKS5 server (default: %(default)s)",
    )
    args = parse_args(parser, QUICK)
    work = Path(tempfile.mkdtemp(prefix="tgtui-bench-proxy-"))
    sandbox_args = [
        "--dialogs", str(args.chats), "--messages", str(args.messages),
        "--latency-ms", str(args.latency_ms), "--session-out", str(work / "sandbox.session"),
    ]  # fmt: skip
    if args.mtproxy:
        sandbox_args += ["--mtproxy-secret", FAKE_TLS]
    process, info = await start_sandbox(*sandbox_args)
    times: dict[str, list[float]] = {}
    try:
        async with socks5_server(args.server) as port:
            contenders: dict[str, str | None] = {
                "direct": None,
                "socks5": f"socks5://bench:b3nch@127.0.0.1:{port}",
            }
            if args.mtproxy:
                contenders["mtproxy ee"] = info["mtproxy_link"]
            for _ in range(args.rounds):  # alternated: the machine's load falls on each alike
                for name, proxy in contenders.items():
                    times.setdefault(name, []).append(await backup(info, work, proxy))
    finally:
        await stop_sandbox(process)
        shutil.rmtree(work, ignore_errors=True)
    best = {name: min(runs) for name, runs in times.items()}
    load = os.getloadavg()[0]
    print(
        f"tgtui backup --all, {args.chats} chats up to {args.messages} messages, media up to "
        f"300 KB, {args.latency_ms:.0f} ms, best of {args.rounds}, SOCKS5 by {args.server} "
        f"(load {load:.1f})"
    )
    figures: dict[str, float] = {}
    for name, seconds in best.items():
        share = best["direct"] / seconds
        print(f"  {name:<12} {seconds:7.2f} s   {share:5.2f}x direct's speed")
        figures[f"{name} s"] = seconds
        figures[f"{name} share"] = share
    goal = "met" if figures["socks5 share"] >= 0.9 else "NOT met"
    print(f"goal (socks5 at least 0.9x direct): {goal}")
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
