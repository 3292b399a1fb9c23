"""Scrolling through pictures in the reader: frame time and memory, pictures off and on.

    python -m tests.bench.bench_pictures [--pictures 1000] [--size 1280x960] [--quick]

A backup made by hand (no sandbox): one group of ``--pictures`` messages, each with a saved
photo, a real JPEG of ``--size`` (a different colour each, so none decodes like another),
with a line of text between, written by 20 people in turn, each with a saved userpic (so
every message starts a sender's run and has its userpic beside it). `ReaderApp` runs
headless at 100x40 and the chat is opened at its newest message; then the wheel scrolls it
from the newest to the oldest (three lines a turn, as a mouse wheel does), twice in a fresh
process each: pictures off (`images = "off"`), then on (half blocks). A frame is one wheel
turn: the scroll and every screen line drawn (`render_line`, what Textual asks for), while
the picture thread decodes beside it (the GIL is shared: its cost lands in the frames); the
app runs 10 ms between turns, as a fast wheel does. Figures: each run's frame time (median
and p95), pictures decoded, peak RSS of the process (`ru_maxrss`), and seconds for the
whole scroll.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.common import check_figures, parse_args
from tests.reader.stranger import Chat, line, message, write_backup

SIZE = (100, 40)
SENDERS = 20  # people writing in turn, each with a saved userpic


def make_backup(root: Path, pictures: int, size: tuple[int, int], senders: int = SENDERS) -> Path:
    """A backup of one group: ``pictures`` photos (JPEGs of ``size``), text between, written
    by ``senders`` people in turn, each with a userpic saved (`tgtui.widgets.userpics`)."""
    import json

    from PIL import Image

    chat = Chat(-100_7, "Pictures")
    avatars = root / "avatars"
    avatars.mkdir(parents=True)
    index = []
    for n in range(1, senders + 1):
        Image.new("RGB", (160, 160), ((n * 71) % 256, 90, (n * 29) % 256)).save(
            avatars / f"user{n}_{n}.jpg", "JPEG"
        )
        index.append({"peer": f"user{n}", "photo_id": str(n), "file": f"avatars/user{n}_{n}.jpg"})
    (avatars / "index.jsonl").write_text("".join(json.dumps(e) + "\n" for e in index))

    def sender(n: int) -> dict[str, str]:
        who = 1 + n % senders
        return {"from": f"Person {who}", "from_id": f"user{who}"}

    folder = root / chat.path / "media" / "photos"
    folder.mkdir(parents=True)
    for n in range(1, pictures + 1):
        name = f"media/photos/{n}.jpg"
        colour = ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256)
        picture = Image.new("RGB", size, colour)
        picture.paste((255 - colour[0], 200, 40), (0, size[1] // 3, size[0], size[1] // 2))
        picture.save(root / chat.path / name, "JPEG", quality=80)
        photo = message(
            2 * n,
            f"photo {n}",
            media_type="photo",
            file=name,
            width=size[0],
            height=size[1],
            file_size=(root / chat.path / name).stat().st_size,
            **sender(n + 1),
        )
        chat.lines.append(line(message(2 * n - 1, f"words before photo {n}", **sender(n))))
        chat.lines.append(line(photo))
    write_backup(root, [chat])
    return root


async def scroll(folder: Path, pictures_on: bool) -> dict[str, float]:
    """One run: open the chat, scroll it from the newest to the oldest; its figures."""
    from tgtui.archive.service import ArchiveService
    from tgtui.reader_app import ReaderApp
    from tgtui.screens.reader import ChatScreen
    from tgtui.widgets.message_view import MessageView
    from tgtui.widgets.picture_rows import PictureChoice

    choice = PictureChoice("blocks", "blocks") if pictures_on else PictureChoice("off", "off")
    app = ReaderApp(ArchiveService(folder), pictures=choice)
    frames: list[float] = []
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        chat = app.service.archive.chats[0]
        await app.push_screen(ChatScreen(app.service, chat))
        view = app.screen.query_one(MessageView)
        while view.chat_log is None or not view.chat_log.complete:
            await pilot.pause(0.01)
        await pilot.pause(0.1)
        started = time.perf_counter()
        while True:
            before = (view.top, view.top_skip)
            begin = time.perf_counter()
            view.scroll_lines(-3)
            for y in range(view.size.height):
                view.render_line(y)
            frames.append(time.perf_counter() - begin)
            if (view.top, view.top_skip) == before:
                break
            await pilot.pause(0.01)
        seconds = time.perf_counter() - started
        decoded = view.pictures.decoded
        cached = view.pictures.cache.used
    frames.sort()
    return {
        "frame_median_ms": 1000 * statistics.median(frames),
        "frame_p95_ms": 1000 * frames[int(0.95 * (len(frames) - 1))],
        "frames": len(frames),
        "decoded": decoded,
        "cache_mb": cached / 1e6,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "seconds": seconds,
    }


def child(folder: Path, pictures_on: bool) -> dict[str, float]:
    """One run in a fresh process (its memory its own)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_pictures", "--child", str(folder)]
        + (["--on"] if pictures_on else []),
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> None:
    """Make the backup, run both, print the table, check the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=1000)
    parser.add_argument("--size", default="1280x960")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--on", action="store_true", help=argparse.SUPPRESS)
    args = parse_args(parser, {"pictures": 30, "size": "320x240"}, argv)
    if args.child is not None:
        print(json.dumps(asyncio.run(scroll(args.child, args.on))))
        return
    width, height = (int(part) for part in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="tgtui-bench-pictures-") as temp:
        made = time.perf_counter()
        folder = make_backup(Path(temp) / "backup", args.pictures, (width, height))
        print(f"{args.pictures} photos of {args.size} made in {time.perf_counter() - made:.1f} s")
        results: dict[str, dict[str, Any]] = {
            "off": child(folder, False),
            "on": child(folder, True),
        }
    print(f"\nscrolling {args.pictures} photos at {SIZE[0]}x{SIZE[1]}, newest to oldest:\n")
    print("| pictures | frames | frame median | frame p95 | decoded | peak RSS | whole scroll |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, figures in results.items():
        print(
            f"| {name} | {figures['frames']:.0f} | {figures['frame_median_ms']:.2f} ms "
            f"| {figures['frame_p95_ms']:.2f} ms | {figures['decoded']:.0f} "
            f"| {figures['rss_mb']:.0f} MB | {figures['seconds']:.1f} s |"
        )
    check_figures(
        {
            f"{name}_{key}": value
            for name, figures in results.items()
            for key, value in figures.items()
        }
    )
    if results["on"]["decoded"] < 1:
        raise SystemExit("no picture was decoded")


if __name__ == "__main__":
    main()
