"""What keeping the archive true costs an incremental run, in requests (not seconds).

    python -m tests.bench.bench_catch_up [--chats 1000] [--big 100000] [--changes 50] [--quick]

On an in-process sandbox, with the engine as it ships (messages only):

1. ``--chats`` chats backed up once; then an incremental run with nothing changed: the
   requests it sends, by method.
2. One ``--big``-message chat backed up once, then ``--changes`` edits and ``--changes``
   deletions spread through its history; the incremental run's requests, and whether every
   edit and deletion was found. Once for a supergroup (its own update box: channel
   difference) and once for a basic group (the account's box: account difference).
3. The same big chat re-checked (`--recheck`, and what a backup from before tgtui followed
   edits costs once): the saved range read again, page by page.

Request counts do not depend on the machine, so the table is exact.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from collections import Counter
from pathlib import Path

from telethon import TelegramClient

from tests.bench.common import check_figures, parse_args
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import ChatTarget, all_dialogs, target_of
from tgtui.format.media_paths import MediaFilter
from tgtui.sandbox import API_HASH, API_ID, SandboxOptions, WorldOptions, running_sandbox
from tgtui.sandbox import demo_session as make_session
from tgtui.sandbox.server import SandboxServer
from tgtui.telegram.service import CLIENT_OPTIONS

OPTIONS = MediaFilter(frozenset(), None)
QUICK = {"chats": 30, "big": 2_000, "changes": 5}


def _count(server: SandboxServer) -> Counter[str]:
    return Counter(entry.method for entry in server.log.entries)


async def _targets(client: TelegramClient) -> list[ChatTarget]:
    rows = await all_dialogs(client)
    return [target_of(r) for r in rows if r.peer is not None and not r.is_self]


async def _backup(
    client: TelegramClient, out: Path, chats: list[ChatTarget], recheck: bool = False
) -> list[int]:
    options = BackupOptions(out, media=OPTIONS, recheck=recheck)
    result = await BackupEngine(client, options).run(chats)
    assert result.all_complete, [c.reason for c in result.chats]
    return [c.edits + c.deletions for c in result.chats]


async def unchanged(chats: int) -> tuple[int, Counter[str]]:
    world = WorldOptions(seed=31, dialogs=chats, messages=200, media=False)
    TelegramClient._config = None  # the DC addresses of an earlier sandbox (common.py)
    async with running_sandbox(SandboxOptions(world=world)) as server:
        client = TelegramClient(make_session(server), API_ID, API_HASH, **CLIENT_OPTIONS)
        await client.connect()
        try:
            targets = await _targets(client)
            with tempfile.TemporaryDirectory() as folder:
                await _backup(client, Path(folder), targets)
                server.log.clear()
                await _backup(client, Path(folder), targets)
                return len(targets), _count(server)
        finally:
            await client.disconnect()


async def big_chat(
    size: int, changes: int, supergroup: bool, forget: bool
) -> tuple[Counter[str], int, int]:
    world = WorldOptions(
        seed=32, dialogs=2, messages=size, media=False, biggest_is_supergroup=supergroup
    )
    TelegramClient._config = None  # the DC addresses of an earlier sandbox (common.py)
    async with running_sandbox(SandboxOptions(world=world)) as server:
        client = TelegramClient(make_session(server), API_ID, API_HASH, **CLIENT_OPTIONS)
        await client.connect()
        try:
            chat = server.world.chat(0)
            targets = [t for t in await _targets(client) if t.chat_id == chat.marked_id]
            with tempfile.TemporaryDirectory() as folder:
                out = Path(folder)
                await _backup(client, out, targets)
                rng = random.Random(7)
                view = server.history.view(chat)
                picked = rng.sample(range(1, len(view)), 2 * changes)
                ids = [view[j] for j in picked]
                for msg_id in ids[:changes]:
                    server.living.edit(chat, msg_id, f"edited {msg_id}")
                server.living.delete(chat, ids[changes:])
                server.log.clear()
                found = await _backup(client, out, targets, recheck=forget)
                return _count(server), sum(found), 2 * changes
        finally:
            await client.disconnect()


def _methods(counts: Counter[str]) -> str:
    return ", ".join(f"{method} {n:,}" for method, n in sorted(counts.items()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=50)
    args = parse_args(parser, QUICK)
    figures: dict[str, float] = {}
    print("| incremental run | requests | by method | edits + deletions found |")
    print("|---|---:|---|---|")
    count, counts = await unchanged(args.chats)
    print(f"| {count:,} unchanged chats | {sum(counts.values()):,} | {_methods(counts)} | - |")
    figures["unchanged requests"] = sum(counts.values())
    for supergroup, forget, label in (
        (True, False, "supergroup"),
        (False, False, "basic group"),
        (True, True, "supergroup, --recheck"),
    ):
        counts, found, made = await big_chat(args.big, args.changes, supergroup, forget)
        print(
            f"| {args.big:,}-message {label}, {args.changes} edits + {args.changes} deletions "
            f"| {sum(counts.values()):,} | {_methods(counts)} | {found} of {made} |"
        )
        figures.update({f"{label} requests": sum(counts.values()), f"{label} found": found})
    check_figures(figures)


if __name__ == "__main__":
    asyncio.run(main())
