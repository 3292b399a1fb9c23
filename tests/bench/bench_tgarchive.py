"""tgtui backup against tg-archive, both pointed at the sandbox, side by side in one run.

    python -m tests.bench.bench_tgarchive --tg-archive /tmp/tga/bin/tg-archive

tg-archive (https://github.com/knadh/tg-archive) syncs one group per run into SQLite. It
lives in its own virtualenv (see tests/bench/README.md): it pins an older Telethon whose layer
the sandbox does not speak, so that venv gets the same Telethon as tgtui.

For each latency, `tgtui sandbox` runs as its own process, and each contender is a command,
timed from start to exit, messages only:

- tgtui: one `tgtui backup --session S --out DIR --no-media CHAT ...` for all the chats;
- tg-archive: one `tg-archive --sync` per chat (as it works), with its shipped settings
  (batches of 2,000, `fetch_wait: 5` seconds between batches) and with `fetch_wait: 0`.

Both are given a copy of one session file (the sandbox's address, the demo account's key and
the chats' entities, so tg-archive can name a chat by its id). The message counts are checked
against each other.
"""

from __future__ import annotations

import argparse
import asyncio
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

from tests.sandbox_process import start_sandbox_process
from tgtui.backup.selection import all_dialogs
from tgtui.telegram.service import CLIENT_OPTIONS


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
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=1800, env=env)
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
            f"download_media: False\nfetch_wait: {wait}\nfetch_batch_size: 2000\n"
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
        database = sqlite3.connect(work / "data.sqlite")
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
    seconds = run([*command, "--out", str(out), "--no-media", *chosen], env)
    saved = sum(len(p.read_bytes().splitlines()) for p in out.rglob("messages.jsonl"))
    return seconds, saved


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tg-archive", type=Path, required=True, help="tg-archive's command")
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--messages", type=int, default=2000, help="the biggest chat")
    parser.add_argument("--latencies", default="0,50", help="ms, comma-separated")
    args = parser.parse_args()
    print(
        f"The {args.chats} biggest chats (the biggest {args.messages:,} messages); "
        "messages only; each contender timed from start to exit\n\n"
        "| latency | contender | messages | seconds | vs tg-archive (shipped) |\n"
        "|---:|---|---:|---:|---:|"
    )
    for latency in (float(x) for x in args.latencies.split(",")):
        folder = Path(tempfile.mkdtemp(prefix="bench-tga-"))
        process, info = await start_sandbox_process(
            "--dialogs",
            "50",
            "--messages",
            str(args.messages),
            "--latency-ms",
            str(latency),
            "--session-out",
            str(folder / "sandbox.session"),
        )
        try:
            chats = await biggest_chats(info, args.chats)
            shipped = tg_archive(args.tg_archive, info, chats, folder, wait=5)
            no_wait = tg_archive(args.tg_archive, info, chats, folder, wait=0)
            ours = tgtui(info, chats, folder)
        finally:
            process.terminate()
            await process.wait()
        assert shipped[1] == no_wait[1] == ours[1], (shipped, no_wait, ours)
        for name, (seconds, messages) in (
            ("tg-archive (fetch_wait 5)", shipped),
            ("tg-archive (fetch_wait 0)", no_wait),
            ("tgtui backup", ours),
        ):
            print(
                f"| {latency:.0f} ms | {name} | {messages:,} | {seconds:.1f} | "
                f"{shipped[0] / seconds:.2f}x |"
            )


if __name__ == "__main__":
    asyncio.run(main())
