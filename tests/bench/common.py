"""What every benchmark shares: the quick mode, the check that its figures came out, sandboxes
started one after another in one process, and one cached backup for the benches that read a
big one (search, export, reader, open, and start-up's `tgtui search`).

Quick mode (``--quick``, or ``TGTUI_BENCH_QUICK=1`` in the environment) runs a bench's own
code on a tiny world in seconds and fails unless every figure came out (a finite number, not
negative); what the figures are is the full run's business. Options given on the command
line win over the quick sizes. `python -m tests.bench.run_quick` runs every bench that way,
and CI runs that.

The shared backup (`shared_backup`) is made by the sandbox and `BackupEngine`, messages only,
once per key (the world's size and seed, and tgtui's backup and sandbox sources), in
``$TGTUI_BENCH_CACHE`` when it is set (run_quick sets it to a folder of its own for its run;
set it yourself to share a big backup between full runs), else in a temporary folder that
goes when the bench ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.sandbox_process import start_sandbox_process

QUICK_ENV = "TGTUI_BENCH_QUICK"
CACHE_ENV = "TGTUI_BENCH_CACHE"


def quick_requested(argv: Sequence[str] | None = None) -> bool:
    """Whether this run is the quick one: ``--quick``, or ``TGTUI_BENCH_QUICK`` set (not 0)."""
    argv = sys.argv[1:] if argv is None else argv
    return "--quick" in argv or os.environ.get(QUICK_ENV, "") not in ("", "0")


def parse_args(
    parser: argparse.ArgumentParser,
    quick: Mapping[str, Any],
    argv: Sequence[str] | None = None,
) -> argparse.Namespace:
    """Parse the bench's options: its full defaults, or in quick mode ``quick``'s (options
    given on the command line win either way). ``args.quick`` says which."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a tiny world through the same code, in seconds (also {QUICK_ENV}=1); fails "
        "unless every figure came out",
    )
    known = {action.dest for action in parser._actions}
    unknown = set(quick) - known
    if unknown:
        raise ValueError(f"quick sizes for options the bench does not have: {sorted(unknown)}")
    if quick_requested(argv):
        parser.set_defaults(**quick, quick=True)
    args = parser.parse_args(argv)
    byte_compile_tgtui()
    return args


def add_keep_option(parser: argparse.ArgumentParser) -> None:
    """``--keep DIR``: the shared backup made in DIR, or the one there reused
    (`shared_backup`'s ``keep``)."""
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="make the backup here, or reuse the one there"
    )


def add_also_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--also DIR``: time ``what`` of another checkout too, in the same rounds."""
    parser.add_argument(
        "--also",
        type=Path,
        metavar="DIR",
        help=f"also time {what} of the checkout in DIR (another commit), same rounds",
    )


def byte_compile_tgtui() -> None:
    """Compile tgtui's modules to bytecode, as pip does when it installs a package.

    Benches time tgtui as users run it: installed. From a source checkout with
    PYTHONDONTWRITEBYTECODE set (this machine sets it), every process would compile each
    module it imports again (55 ms of `tgtui backup`'s start on 2026-12-06), a cost no
    installed copy pays and the scripts compared with (their Telethon is installed) do not.
    """
    import compileall

    import tgtui

    compileall.compile_dir(Path(tgtui.__file__).parent, quiet=1)


def _is_figure(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0


def check_figures(figures: Mapping[str, object]) -> None:
    """Fail unless the bench made every one of its figures: each a finite number, not
    negative. In quick mode, say how many there were."""
    wrong = {name: value for name, value in figures.items() if not _is_figure(value)}
    if not figures or wrong:
        raise SystemExit(f"figures missing or not numbers: {wrong or 'none made'}")
    if quick_requested():
        print(f"quick: {len(figures)} figures came out")


async def start_sandbox(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """`tgtui sandbox ARGS` as its own process, trusted in this one (tests.sandbox_process).

    Telethon keeps help.getConfig (the DC addresses) on the TelegramClient class for the
    whole process. A bench that starts a second sandbox would otherwise send its first
    download from the media DC (DC 1, another connection) to the previous sandbox's closed
    port: ConnectionError. (tests/conftest.py does the same before each test.)
    """
    from telethon import TelegramClient

    TelegramClient._config = None
    return await start_sandbox_process(*args)


async def stop_sandbox(process: asyncio.subprocess.Process) -> None:
    """End a sandbox started by `start_sandbox`."""
    if process.returncode is None:
        process.terminate()
    await process.wait()


@dataclass(frozen=True)
class BackupWorld:
    """A sandbox world to back up: ``dialogs`` chats, the biggest with ``messages``."""

    dialogs: int
    messages: int
    seed: int = 3


# The big backup that search, export, reader and open read (2,360,726 messages, 877 MB of JSONL);
# with $TGTUI_BENCH_CACHE set it is made once for all of them.
BIG = BackupWorld(dialogs=4, messages=1_000_000)
# The same shape, tiny: those benches' quick mode, and the backup start-up searches.
SMALL = BackupWorld(dialogs=4, messages=2_000)


async def _backup_all(info: dict[str, Any], out: Path) -> int:
    """Back up every chat of a running sandbox into ``out``, messages only."""
    from telethon import TelegramClient

    from tgtui.backup.engine import BackupEngine, BackupOptions
    from tgtui.backup.selection import all_dialogs, target_of
    from tgtui.telegram.service import CLIENT_OPTIONS

    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    try:
        targets = [target_of(r) for r in await all_dialogs(client) if r.peer is not None]
        result = await BackupEngine(
            client, BackupOptions(out, concurrency=4), account={"id": 77_777}
        ).run(targets)
        return sum(c.messages for c in result.chats)
    finally:
        await client.disconnect()


async def sandbox_backup(work: Path, out: Path, dialogs: int, messages: int, seed: int = 3) -> None:
    """Back up every chat of a sandbox world into ``out`` and say how long it took; the
    sandbox runs as its own process, its session file in ``work``."""
    process, info = await start_sandbox(
        "--dialogs", str(dialogs), "--messages", str(messages), "--seed", str(seed),
        "--session-out", str(work / "bench.session"),
    )  # fmt: skip
    try:
        started = time.perf_counter()
        total = await _backup_all(info, out)
        print(f"backup: {total:,} messages in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        await stop_sandbox(process)


def _sources_digest() -> str:
    """What a cached backup depends on besides its world: tgtui's backup and sandbox code."""
    import tgtui

    root = Path(tgtui.__file__).parent
    digest = hashlib.sha256()
    for part in ("backup", "sandbox"):
        for source in sorted((root / part).rglob("*.py")):
            digest.update(source.relative_to(root).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def _cache_slot(root: Path, world: BackupWorld) -> tuple[Path, str]:
    """The cache folder (made if need be) and the name of ``world``'s backup in it."""
    root.mkdir(parents=True, exist_ok=True)
    return root, f"backup-{world.dialogs}x{world.messages}-seed{world.seed}-{_sources_digest()}"


async def _make(world: BackupWorld, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as work:
        await sandbox_backup(Path(work), out, world.dialogs, world.messages, world.seed)


@contextlib.asynccontextmanager
async def shared_backup(world: BackupWorld, keep: Path | None = None) -> AsyncIterator[Path]:
    """The folder of a backup of ``world``: made once and reused.

    - ``keep`` (a bench's ``--keep DIR``): that folder, made there unless it holds one;
    - else, with ``$TGTUI_BENCH_CACHE`` set, a folder there named by the world and tgtui's
      backup and sandbox sources, made by the first bench that asks (under a lock) and kept;
    - else a temporary folder, removed when the bench is done.

    Benches only read it, except for the search index (``.index/``) that searching or the
    reader adds; a bench that times building the index removes it first.
    """
    if keep is not None:
        if not (keep / "manifest.json").exists():
            await _make(world, keep)
        yield keep
        return
    cache = os.environ.get(CACHE_ENV)
    if not cache:
        with tempfile.TemporaryDirectory(prefix="bench-backup-") as folder:
            out = Path(folder) / "backup"
            await _make(world, out)
            yield out
        return
    root, name = _cache_slot(Path(cache), world)
    out = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another bench making the same one: wait for it
        if not (out / "manifest.json").exists():
            partial = root / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            await _make(world, partial)
            partial.rename(out)  # whole or not at all
        else:
            print(f"backup: reused {out}", flush=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield out
