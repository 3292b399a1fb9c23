"""Media download speed: tgtui's parallel downloads against Telethon's download_media.

    python -m tests.bench.bench_media [--latency 50] [--large-mb 50] [--small 200]
                                      [--parts 4,8,16] [--quick]

`tgtui sandbox` runs as its own process with the latency injected on every answer; its
biggest chat starts with one large document and then the small files. Side by side in one
run, through one Telethon client with cryptg:

- large file: `client.download_media` (sequential parts) against tgtui's `MediaDownloader`
  (16 precise 1 MiB parts in flight, written in order through *.part);
- small files: `download_media` one after the other, against `BackupEngine` backing up the
  chat with a 1 MB size cap (messages too: its figure includes fetching the history), files
  in Telegram's small download queue.

Every file is checked byte for byte against the first contender's, and the FLOOD_WAITs tgtui
met are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient

from tests.bench.common import check_figures, parse_args, start_sandbox, stop_sandbox
from tgtui.backup.engine import BackupEngine, BackupOptions, chat_folder
from tgtui.backup.media import MediaDownloader, file_source
from tgtui.backup.progress import BackupEvent, Waiting
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.format.media_paths import MediaFilter
from tgtui.retry import FloodGate
from tgtui.telegram.service import CLIENT_OPTIONS

MB = 1024 * 1024
QUICK = {"latency": 20.0, "large_mb": 3, "small": 6, "parts": "4,8"}


def small_sizes(count: int) -> list[int]:
    """Photo-like sizes, 30 KB to 600 KB, spread evenly (the same every run)."""
    return [30_000 + (i * 7_919) % 570_000 for i in range(count)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=50.0, help="ms added to each answer")
    parser.add_argument("--large-mb", type=int, default=50)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--parts", default="4,8,16", help="parts in flight to compare")
    args = parse_args(parser, QUICK)
    logger.remove()  # figures only on the terminal
    sizes = [args.large_mb * MB, *small_sizes(args.small)]
    work = Path(tempfile.mkdtemp(prefix="bench-media-"))
    process, info = await start_sandbox(
        "--dialogs",
        "4",
        "--messages",
        str(len(sizes)),
        "--file-sizes",
        ",".join(map(str, sizes)),
        "--latency-ms",
        str(args.latency),
        "--session-out",
        str(work / "bench.session"),
    )
    client = TelegramClient(info["session"], info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    try:
        rows = [r for r in await all_dialogs(client) if r.peer is not None]
        messages: list[Any] = []
        target = None
        for row in rows:
            found = [m async for m in client.iter_messages(row.peer, reverse=True, wait_time=0)]
            if len(found) >= len(sizes):
                target, messages = target_of(row), found
                break
        assert target is not None, "the benchmark chat was not found"
        with_files = [m for m in messages if m.file is not None]
        large, small = with_files[0], with_files[1:]
        assert large.file.size == sizes[0], "the large file is not where it should be"
        assert len(small) == len(sizes) - 1, f"{len(small)} small files, not {len(sizes) - 1}"
        out = work / "out"
        figures: dict[str, float] = {}
        lines = [
            f"Latency {args.latency:.0f} ms; one {args.large_mb} MB file and {len(small)} files "
            f"of {min(sizes[1:]) // 1000}-{max(sizes[1:]) // 1000} KB "
            f"({sum(sizes[1:]) / 1e6:.1f} MB)",
            "",
            "| files | contender | seconds | MB/s | vs download_media |",
            "|---|---|---:|---:|---:|",
        ]

        # The large file.
        started = time.perf_counter()
        plain = Path(await client.download_media(large, file=str(out / "plain.bin")))
        plain_time = time.perf_counter() - started
        source = file_source(large.media)
        assert source is not None
        started = time.perf_counter()

        async def no_refresh() -> None:
            return None

        await MediaDownloader(client, gate=FloodGate()).download(
            source, out / "tgtui.bin", no_refresh
        )
        ours_time = time.perf_counter() - started
        assert digest(out / "tgtui.bin") == digest(plain), "the large file differs"
        for name, seconds in (("download_media", plain_time), ("tgtui", ours_time)):
            lines.append(
                f"| 1 x {args.large_mb} MB | {name} | {seconds:.2f} | "
                f"{sizes[0] / 1e6 / seconds:.1f} | {plain_time / seconds:.2f}x |"
            )
            figures[f"large {name}"] = seconds

        # Parts of the large file in flight at once.
        parts_lines = [
            "",
            f"| parts of 1 MiB in flight (1 x {args.large_mb} MB) | seconds | MB/s | vs 8 |",
            "|---:|---:|---:|---:|",
        ]
        timings: dict[int, float] = {}
        for parts in (int(n) for n in args.parts.split(",")):
            target_file = out / f"parts{parts}.bin"
            started = time.perf_counter()
            await MediaDownloader(client, gate=FloodGate(), parts=parts).download(
                source, target_file, no_refresh
            )
            timings[parts] = time.perf_counter() - started
            assert digest(target_file) == digest(plain), f"the file differs with {parts} parts"
            target_file.unlink()
            figures[f"large, {parts} parts"] = timings[parts]
        for parts, seconds in timings.items():
            parts_lines.append(
                f"| {parts} | {seconds:.2f} | {sizes[0] / 1e6 / seconds:.1f} | "
                f"{timings.get(8, seconds) / seconds:.2f}x |"
            )

        # The small files.
        folder = out / "plain"
        started = time.perf_counter()
        for message in small:
            await client.download_media(message, file=str(folder / f"{message.id}.bin"))
        plain_time = time.perf_counter() - started
        floods: list[BackupEvent] = []

        def on_event(event: BackupEvent) -> None:
            if isinstance(event, Waiting) and event.kind == "flood":
                floods.append(event)

        options = BackupOptions(out / "tgtui", media=MediaFilter(max_size=MB))
        started = time.perf_counter()
        result = await BackupEngine(client, options, on_event=on_event).run([target])
        ours_time = time.perf_counter() - started
        assert result.all_complete
        chat = chat_folder(options.out, target)
        saved = sorted(p for p in (chat / "media").rglob("*") if p.is_file())
        assert len(saved) == len(small), f"{len(saved)} files saved, expected {len(small)}"
        for message in small:
            mine = next(p for p in saved if p.name.startswith(f"{message.id}_"))
            assert digest(mine) == digest(folder / f"{message.id}.bin"), f"{mine.name} differs"
        total = sum(sizes[1:]) / 1e6
        for name, seconds in (("download_media", plain_time), ("tgtui", ours_time)):
            lines.append(
                f"| {len(small)} small | {name} | {seconds:.2f} | {total / seconds:.1f} | "
                f"{plain_time / seconds:.2f}x |"
            )
            figures[f"small {name}"] = seconds
        lines += ["", f"FLOOD_WAITs met by tgtui: {len(floods)}"]
        print("\n".join(lines + parts_lines))
        check_figures({**figures, "FLOOD_WAITs": len(floods)})
    finally:
        await client.disconnect()
        await stop_sandbox(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
