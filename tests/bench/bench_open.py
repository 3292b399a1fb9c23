"""Opening a big chat as a user times it: `tgtui open` from launch until the chat's newest
messages are on screen, against `less +G` on the chat's JSONL, whole processes in a
pseudo-terminal, side by side in one run (issue 30).

    python -m tests.bench.bench_open [--messages 1000000] [--rounds 5] [--sizes 100x30,80x24]
                                     [--keep DIR] [--also DIR] [--quick]

The backup is the one search, export and reader read (`tests.bench.common.shared_backup`: 4
chats, the biggest with --messages), made once when ``$TGTUI_BENCH_CACHE`` is set; its search
index is brought up to date first, untimed (as after a first `tgtui open`: the next ones
build nothing). Then, for each terminal size, round after round (the order of the commands
turned every round, so a noisy moment on a shared machine hits each), every command a new
process on a pty of its own (its controlling terminal), TERM=xterm-256color, C.UTF-8 and a
fresh HOME (no config, no less options or history):

- **less**: `less +G messages.jsonl` of the biggest chat. ``newest``: from spawn until the
  start of the file's last line (``{"id":N,``: no other line has it) is on screen. Then `g`
  at once (the top of the file), and ``g``: until the file's first line is on screen. less
  draws the end of the file at once, then counts the file's lines ("Calculating line
  numbers...") and takes no key until it is done: ``g`` is when it answers one.
- **tgtui**: `python -m tgtui open BACKUP` (there is no option to name a chat: a user opens
  the backup and picks one). ``list``: until the chat list shows the biggest chat; then as a
  user does, at once: Down to it and Enter. ``newest``: until the first words of the chat's
  newest message, as the reader writes them, are on screen. Then `g` at once (the oldest
  message: the reader takes it once every line of the chat is placed), and ``g``: until the
  status line says "message 1 of N". Then Ctrl+Q.
- ``--also DIR`` times the tgtui checked out in DIR (say, the commit before a change) in the
  same rounds.

Times are from spawn. What a process drew is matched with its escape sequences and every
space, line end and control character taken out, so a line that wraps (less ends its rows
with a space and a backspace) or text drawn in pieces (colours, cursor moves) still matches;
only what was drawn after a key counts for what that key brings. Each process is ended once
its figures are taken (its key, then its process group; the reader's index child, in a
session of its own, by its pid). The files are in the page cache for both (an untimed run of
each first, which also writes tgtui's bytecode, kept as an installed tgtui keeps it: see
`bench_search.bytecode_env`). The table gives the best of the rounds and the median, and
each command against less.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from tests.bench.bench_search import bytecode_env, load
from tests.bench.common import (
    BIG,
    CACHE_ENV,
    SMALL,
    BackupWorld,
    add_also_option,
    add_keep_option,
    check_figures,
    parse_args,
    shared_backup,
)

ROOT = Path(__file__).resolve().parents[2]
QUICK = {"messages": SMALL.messages, "rounds": 1}
WITHIN = 120.0  # seconds a process may take to draw what it is waited for
DOWN, ENTER, CTRL_Q = b"\x1b[B", b"\r", b"\x11"
MARKER_CHARS = 24  # of the newest message's first words: well within its first line
NAME_CHARS = 12  # of a chat's name: the list shows at least this many at any width
NO_RATIO = {"newest": "—", "g": "—"}  # without less

# CSI, OSC (ended by BEL or ST), DCS, charset designations, and the other two-byte escapes.
ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1bP[^\x1b]*(?:\x1b\\)?"
    rb"|\x1b[()*+][0-9A-Za-z]|\x1b[ -/]*[0-~]"
)
BLANKS = re.compile(r"[\s\x00-\x1f\x7f]+")


def squeezed(text: str) -> str:
    """Text as it is matched on screen: no spaces, line ends or control characters."""
    return BLANKS.sub("", text)


class Pty:
    """A child process on a pseudo-terminal of its own (its controlling terminal), with what
    it drew kept."""

    def __init__(
        self, args: list[str], env: dict[str, str], size: tuple[int, int], cwd: Path
    ) -> None:
        self.master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            # The pty as its controlling terminal, as a shell gives it (less opens /dev/tty).
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.raw = bytearray()
        self.closed = False

    def _read(self, seconds: float) -> None:
        """Take what the process drew within ``seconds`` (``closed`` once it can draw no
        more)."""
        if self.closed:
            return
        ready, _, _ = select.select([self.master], [], [], max(0.0, seconds))
        if not ready:
            return
        try:
            chunk = os.read(self.master, 1 << 20)
        except OSError:  # EIO: the process, and whatever shared its pty, are gone
            chunk = b""
        if chunk:
            self.raw += chunk
        else:
            self.closed = True

    def screen_text(self, since: int = 0) -> str:
        """What was drawn from byte ``since`` on, escapes out, squeezed."""
        plain = ESCAPES.sub(b"", bytes(self.raw[since:])).decode("utf-8", "replace")
        return squeezed(plain)

    def wait_for(self, marker: str, since: int = 0, within: float = WITHIN) -> float:
        """Seconds from spawn until ``marker`` (squeezed) was drawn after byte ``since``."""
        wanted = squeezed(marker)
        end = time.monotonic() + within
        while wanted not in self.screen_text(since):
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                raise SystemExit(
                    f"{wanted!r} never drew within {within:.0f} s (exit code "
                    f"{self.process.poll()}); it drew: {self.screen_text()[-1500:]}"
                )
            self._read(min(left, 1.0))
        return time.perf_counter() - self.started

    def type(self, keys: bytes) -> int:
        """Type at the keyboard; how much had been drawn before."""
        drawn = len(self.raw)
        os.write(self.master, keys)
        return drawn

    def end(self, keys: bytes, within: float = 10.0) -> None:
        """Quit with ``keys`` (what is drawn meanwhile is read, so the process never blocks
        on a full pty); after ``within`` seconds, kill its group and what it started."""
        with contextlib.suppress(OSError):
            self.type(keys)
        end = time.monotonic() + within
        while self.process.poll() is None and time.monotonic() < end:
            self._read(0.05)
        if self.process.poll() is None:
            for pid in descendants(self.process.pid):  # the index child: a session of its own
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        os.close(self.master)


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs, as Linux lists them (none elsewhere)."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for thread in threads:
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{pid}/task/{thread}/children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


@dataclass(frozen=True)
class Target:
    """The chat opened, and what tells that its newest and its oldest are on screen."""

    name: str
    place: int  # in the chat list, from 0
    jsonl: Path
    last_line: str  # the start of the file's last line, as less shows it: ``{"id":N,``
    first_line: str  # ... and of its first line
    newest: str  # the first words of the newest message, as the reader writes them
    oldest: str  # the reader's status line on the oldest message


def _line_start(line: bytes) -> str:
    text = line.decode("utf-8", "replace")
    return text[: text.index(",") + 1] if "," in text[:40] else text[:40]


def find_target(backup: Path) -> Target:
    """The biggest chat of ``backup``: its place in the chat list, the start of its file's
    first and last lines, the first words of its newest message's text (its time and sender
    when it has none), and its number of messages as the reader counts them."""
    from tgtui.archive.chat_log import ChatLog, record_date
    from tgtui.archive.folder import open_archive
    from tgtui.untrusted import clean
    from tgtui.widgets.message_text import message_text

    chats = open_archive(backup).chats  # in the list's order (the manifest's)
    place, chat = max(enumerate(chats), key=lambda pair: pair[1].messages)
    log = ChatLog(chat)
    try:
        log.scan()
        last_line, first_line = log.lines.line(0), log.lines.line(log.count - 1)
        record, count = log.at(0), log.count
    finally:
        log.close()
    words: list[str] = []
    for word in message_text(record).plain.split():
        if words and len(" ".join([*words, word])) > MARKER_CHARS:
            break
        words.append(word)
    if not words:
        when = record_date(record)
        words = [f"{when:%H:%M}" if when else "--:--", clean(record.get("from") or "")]
    return Target(
        name=chat.name,
        place=place,
        jsonl=chat.jsonl,
        last_line=_line_start(last_line),
        first_line=_line_start(first_line),
        newest=" ".join(words),
        oldest=f"message 1 of {count:,}",  # the status line, in English (C.UTF-8)
    )


def run_less(target: Target, size: tuple[int, int], env: dict[str, str]) -> dict[str, float]:
    """`less +G FILE`: seconds until the file's last line shows, and until `g` (typed as
    soon as it did) brings its first."""
    terminal = Pty(["less", "+G", str(target.jsonl)], env, size, ROOT)
    try:
        newest = terminal.wait_for(target.last_line)
        oldest = terminal.wait_for(target.first_line, terminal.type(b"g"))
        return {"newest": newest, "g": oldest}
    finally:
        terminal.end(b"q")


def run_tgtui(
    backup: Path, target: Target, size: tuple[int, int], env: dict[str, str], tree: Path
) -> dict[str, float]:
    """`tgtui open BACKUP` (the one in ``tree``), the biggest chat picked in the list: seconds
    until the list shows it, until the chat's newest message shows, and until `g` (typed as
    soon as it did) brings its oldest."""
    command = [sys.executable, "-m", "tgtui", "open", str(backup)]
    terminal = Pty(command, {**env, "PYTHONPATH": str(tree)}, size, tree)
    try:
        listed = terminal.wait_for(target.name[:NAME_CHARS])
        newest = terminal.wait_for(target.newest, terminal.type(DOWN * target.place + ENTER))
        oldest = terminal.wait_for(target.oldest, terminal.type(b"g"))
        return {"list": listed, "newest": newest, "g": oldest}
    finally:
        terminal.end(CTRL_Q)


def bring_index_up_to_date(backup: Path) -> None:
    """The search index as after a first `tgtui open` (built once: the reader's child only
    looks at it then)."""
    from tgtui.archive.folder import open_archive
    from tgtui.archive.index import SearchIndex

    started = time.perf_counter()
    with SearchIndex(open_archive(backup)) as index:
        stats = index.update()
    built = f"built ({stats.messages:,} messages)" if stats.rebuilt else "current"
    print(f"search index {built}: {time.perf_counter() - started:.1f} s", flush=True)


def _env(home: Path, pycache: Path) -> dict[str, str]:
    """A terminal user's environment: xterm, UTF-8, a HOME of its own (no tgtui config, no
    less options, preprocessor or history), tgtui from its bytecode."""
    env = {
        k: v
        for k, v in bytecode_env(pycache).items()
        if not k.startswith(("XDG_", "LESS", "LC_", "LANGUAGE", "COLUMNS", "LINES", "NO_COLOR"))
    }
    env.update(HOME=str(home), TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env


def _size(text: str) -> tuple[int, int]:
    columns, _, rows = text.partition("x")
    return int(columns), int(rows)


def _seconds(values: list[float]) -> str:
    """Best / median."""
    return f"{min(values):.2f} / {statistics.median(values):.2f} s"


async def main(
    messages: int,
    rounds: int,
    sizes: list[tuple[int, int]],
    keep: Path | None,
    also: Path | None,
) -> None:
    print(f"load average at the start: {load()}", flush=True)
    async with shared_backup(BackupWorld(BIG.dialogs, messages), keep) as backup:
        target = find_target(backup)
        size_mb = target.jsonl.stat().st_size / 1e6
        print(f"chat: {target.name!r}, {size_mb:,.0f} MB of JSONL, item {target.place + 1} "
              f"of the list; less waits for {target.last_line!r} and {target.first_line!r}, "
              f"tgtui for {target.newest!r} and {target.oldest!r}")  # fmt: skip
        bring_index_up_to_date(backup)
        trees = {"tgtui": ROOT} | ({f"{also.name}: tgtui": also} if also is not None else {})
        names = ["less", *trees] if shutil.which("less") else [*trees]
        with (
            tempfile.TemporaryDirectory(prefix="bench-open-home-") as home,
            tempfile.TemporaryDirectory(prefix="bench-pycache-", dir=os.environ.get(CACHE_ENV))
            as pycache,
        ):  # fmt: skip
            env = _env(Path(home), Path(pycache))

            def run(name: str, size: tuple[int, int]) -> dict[str, float]:
                if name == "less":
                    return run_less(target, size, env)
                return run_tgtui(backup, target, size, env, trees[name])

            for name in names:  # untimed: bytecode written, the files in the page cache
                run(name, sizes[0])
            times: dict[tuple[str, str], dict[str, list[float]]] = {}
            for columns, rows in sizes:
                for turn in range(rounds):
                    for name in names[turn % len(names) :] + names[: turn % len(names)]:
                        for moment, seconds in run(name, (columns, rows)).items():
                            times.setdefault((f"{columns}x{rows}", name), {}).setdefault(
                                moment, []
                            ).append(seconds)
    print(f"\nwhole processes on a pty, seconds from spawn, alternated, best / median of "
          f"{rounds} (load at the end {load()}):\n")  # fmt: skip
    print("| terminal | command | chat list shown | newest on screen | vs less | "
          "`g`: oldest on screen | vs less |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|")
    figures: dict[str, float] = {}
    for (size, name), moments in times.items():
        less = times.get((size, "less"))
        listed = _seconds(moments["list"]) if "list" in moments else ""
        ratios = {m: min(moments[m]) / min(less[m]) for m in ("newest", "g")} if less else {}
        vs = {m: f"{ratio:.2f}x" for m, ratio in ratios.items()} | ({} if less else NO_RATIO)
        command = "`less +G messages.jsonl`" if name == "less" else f"`{name} open`, Down, Enter"
        print(f"| {size} | {command} | {listed} | {_seconds(moments['newest'])} | "
              f"{vs['newest']} | {_seconds(moments['g'])} | {vs['g']} |")  # fmt: skip
        for moment, values in moments.items():
            figures[f"{size} {name} {moment} best"] = min(values)
            figures[f"{size} {name} {moment} median"] = statistics.median(values)
        if name != "less":
            figures.update({f"{size} {name} {m} / less": ratio for m, ratio in ratios.items()})
    print()
    for key, ratio in figures.items():
        if key.endswith("/ less"):
            print(f"{key}: {ratio:.2f}")
    if "less" not in names:
        print("less is not installed: the comparison with it is skipped")
    check_figures(figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=BIG.messages, help="the biggest chat")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--sizes",
        default="100x30,80x24",
        help="terminal sizes, COLUMNSxROWS, comma-separated (default: 100x30,80x24)",
    )
    add_keep_option(parser)
    add_also_option(parser, "the tgtui")
    arguments = parse_args(parser, QUICK)
    asyncio.run(
        main(
            arguments.messages,
            arguments.rounds,
            [_size(size) for size in arguments.sizes.split(",")],
            arguments.keep,
            arguments.also.resolve() if arguments.also else None,
        )
    )
