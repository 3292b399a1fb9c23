"""tgtui backup against tg-archive, both pointed at the sandbox, side by side in one run.

    python -m tests.bench.bench_tgarchive [--tg-archive PATH] [--chats 10] [--latencies 0,50]
                                          [--fetch-waits 5,0] [--quick]

tg-archive (https://github.com/knadh/tg-archive) syncs one group per run into SQLite. It
lives in its own virtualenv: it pins an older Telethon whose layer the sandbox does not speak,
so that venv gets the same Telethon as tgtui. Without --tg-archive (or $TGTUI_BENCH_TG_ARCHIVE)
the bench makes that venv itself, once, from PyPI with pip, in
``~/.cache/tgtui-bench/tg-archive-1.3.1-telethon-VERSION`` (CI does so too).

For each latency, `tgtui sandbox` runs as its own process, and each contender is a command,
timed from start to exit, messages only:

- tgtui: one `tgtui backup --session S --out DIR --no-media CHAT ...` for all the chats;
- tg-archive: one `tg-archive --sync` per chat (as it works), with its shipped settings
  (batches of 2,000, `fetch_wait: 5` seconds after each batch) and with `fetch_wait: 0`
  (``--fetch-waits``; the first is the reference). Messages only: media and avatars off.
  (Avatars live on the sandbox's media DC, whose connection tg-archive's process cannot make:
  it does not trust the sandbox's key, and it would retry that for ever.)

Both are given a copy of one session file (the sandbox's address, the demo account's key and
the chats' entities, so tg-archive can name a chat by its id). The message counts are checked
against each other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tgtui.backup.selection import all_dialogs
from tgtui.telegram.service import CLIENT_OPTIONS

TG_ARCHIVE = "1.3.1"
QUICK = {"chats": 2, "messages": 300, "latencies": "0", "fetch_waits": "1,0"}


def installed_tg_archive() -> Path:
    """tg-archive's command, in a virtualenv of its own made once with pip (kept in the
    user's cache folder). tg-archive pins Telethon 1.39, whose layer the sandbox does not
    speak: the venv gets this process's Telethon instead; nothing else of it is changed."""
    from telethon import version

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tgtui-bench"
    venv = cache / f"tg-archive-{TG_ARCHIVE}-telethon-{version.__version__}"
    binary = venv / "bin" / "tg-archive"
    done = venv / "installed"  # written last: a venv half made is made again
    if done.exists():
        return binary
    print(f"installing tg-archive {TG_ARCHIVE} into {venv} (pip, once)", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"tg-archive=={TG_ARCHIVE}", "cryptg"], check=True)
    # pip warns that tg-archive wants Telethon 1.39: that is the point.
    subprocess.run([*pip, f"telethon=={version.__version__}"], check=True)
    done.write_text(f"tg-archive {TG_ARCHIVE}, telethon {version.__version__}\n")
    return binary


async def biggest_chats(info: dict[str, Any], count: int) -> list[int]:
    """Peer ids of the biggest chats. The client's session file keeps their entities, so a
    copy of it lets tg-archive find them by id."""
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    try:
        found = []
        for row in await all_dialogs(client):
            if row.peer is not None:
                total = (await client.get_messages(row.peer, limit=0)).total
                found.append((row.peer_id, int(total)))
    finally:
        await client.disconnect()  # saves the entities into the session file
    return [peer for peer, _ in sorted(found, key=lambda item: -item[1])[:count]]


def run(command: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds from start to exit; what it said on stderr if it failed."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def tg_archive(
    binary: Path, info: dict[str, Any], chats: list[int], folder: Path, wait: int
) -> tuple[float, int]:
    """Seconds for one tg-archive sync per chat, and the messages they stored."""
    seconds = 0.0
    stored = 0
    for chat in chats:
        work = folder / f"{chat}-{wait}"
        work.mkdir(parents=True)
        shutil.copy(info["session"], work / "session.session")
        (work / "config.yaml").write_text(
            f'api_id: {info["api_id"]}\napi_hash: "{info["api_hash"]}"\ngroup: {chat}\n'
            "download_media: False\ndownload_avatars: False\n"
            f"fetch_wait: {wait}\nfetch_batch_size: 2000\n"
            f'media_dir: "{work / "media"}"\n'
        )
        seconds += run(
            [
                str(binary),
                "--sync",
                "-c",
                str(work / "config.yaml"),
                "-d",
                str(work / "data.sqlite"),
                "-se",
                str(work / "session.session"),
            ]
        )
        with contextlib.closing(sqlite3.connect(work / "data.sqlite")) as database:
            stored += int(database.execute("select count(*) from messages").fetchone()[0])
    return seconds, stored


def tgtui(info: dict[str, Any], chats: list[int], folder: Path) -> tuple[float, int]:
    """Seconds for one `tgtui backup` of every chat, and the messages it saved."""
    out = folder / "tgtui"
    session = folder / "tgtui.session"
    shutil.copy(info["session"], session)
    command = [sys.executable, "-m", "tgtui", "backup", "--session", str(session)]
    env = {
        **os.environ,
        "TGTUI_API_ID": str(info["api_id"]),
        "TGTUI_API_HASH": info["api_hash"],
    }
    chosen = (str(c) for c in chats)
    # Messages only, as tg-archive is set up here (no media, no avatars).
    seconds = run([*command, "--out", str(out), "--no-media", "--no-pictures", *chosen], env)
    saved = sum(len(p.read_bytes().splitlines()) for p in out.rglob("messages.jsonl"))
    return seconds, saved


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tg-archive",
        type=Path,
        default=os.environ.get("TGTUI_BENCH_TG_ARCHIVE"),
        help="tg-archive's command (default: $TGTUI_BENCH_TG_ARCHIVE, else installed once)",
    )
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--messages", type=int, default=2000, help="the biggest chat")
    parser.add_argument("--latencies", default="0,50", help="ms, comma-separated")
    parser.add_argument(
        "--fetch-waits", default="5,0", help="tg-archive's fetch_wait, seconds (the first: 1.00x)"
    )
    args = parse_args(parser, QUICK)
    binary: Path = args.tg_archive or installed_tg_archive()
    waits = [int(w) for w in args.fetch_waits.split(",")]
    print(
        f"The {args.chats} biggest chats (the biggest {args.messages:,} messages); "
        "messages only; each contender timed from start to exit\n\n"
        f"| latency | contender | messages | seconds | vs tg-archive (fetch_wait {waits[0]}) |\n"
        "|---:|---|---:|---:|---:|",
        flush=True,
    )
    figures: dict[str, float] = {}
    for latency in (float(x) for x in args.latencies.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-tga-") as work:
            folder = Path(work)
            process, info = await start_sandbox(
                "--dialogs", "50", "--messages", str(args.messages),
                "--latency-ms", str(latency), "--session-out", str(folder / "sandbox.session"),
            )  # fmt: skip
            try:
                chats = await biggest_chats(info, args.chats)
                runs = [
                    (
                        f"tg-archive (fetch_wait {wait})",
                        tg_archive(binary, info, chats, folder, wait),
                    )
                    for wait in waits
                ]
                runs.append(("tgtui backup", tgtui(info, chats, folder)))
            finally:
                await stop_sandbox(process)
        counts = {messages for _, (_, messages) in runs}
        if len(counts) != 1:
            raise SystemExit(f"the contenders stored different message counts: {runs}")
        reference = runs[0][1][0]
        for name, (seconds, messages) in runs:
            print(
                f"| {latency:.0f} ms | {name} | {messages:,} | {seconds:.1f} | "
                f"{reference / seconds:.2f}x |",
                flush=True,
            )
            figures[f"{latency:g} ms {name} seconds"] = seconds
            figures[f"{latency:g} ms {name} messages"] = messages
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
