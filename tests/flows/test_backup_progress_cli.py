"""`tgtui backup`'s progress as a person reads it, the command as a process against a sandbox
process: on a terminal (a pty), the bars count messages and files together and never say
100 % or "ETA 0:00" while a slow big file is still coming down; off a terminal (a log), the
lines stay plain lines to the end; the summary always says how long the run took."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.flows.cli_process import cli_env, run_tgtui
from tests.sandbox_process import start_sandbox_process

BIG = 2_400_000  # the biggest chat's oldest message: a document this big
pytestmark = pytest.mark.timeout(240)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
BOX = set("─│┌┐└┘├┤┬┴┼━┃┏┓┗┛┡┩╇╞╡═║╔╗╚╝")


@pytest.fixture
async def slow_sandbox(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Three chats; the biggest begins with a 2.4 MB document; files come at 800 KB/s."""
    process, info = await start_sandbox_process(
        "--dialogs", "3", "--messages", "150", "--seed", "3",
        "--file-sizes", str(BIG), "--fault", "bandwidth=800K",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


async def run_on_terminal(home: Path, info: dict[str, Any], *args: str) -> tuple[int, str]:
    """`tgtui ARGS --session <the sandbox's>` with stderr on a pseudo-terminal 120 columns
    wide (as a person runs it): exit code and everything drawn there, escapes removed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = cli_env(home, info) | {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", *args, "--session", info["session"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    drawn = bytearray()

    def read_all() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its end
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reading = asyncio.get_running_loop().run_in_executor(None, read_all)
    code = await asyncio.wait_for(process.wait(), 180)
    await asyncio.wait_for(reading, 30)
    os.close(master)
    return code, ANSI.sub("", drawn.decode(errors="replace"))


def overall_lines(screen: str) -> list[str]:
    """Every frame's overall bar (the line of "all chats")."""
    return [line for line in re.split(r"[\r\n]", screen) if "all chats" in line]


async def test_bars_stay_below_100_with_time_left_until_the_last_byte(
    slow_sandbox: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    code, screen = await run_on_terminal(
        tmp_path, slow_sandbox, "backup", "--all", "--out", str(out),
        "--media", "document", "--max-file-size", "2.5", "--progress", "bars",
    )  # fmt: skip
    assert code == 0, screen
    frames = overall_lines(screen)
    coming = []
    for frame in frames:
        files = re.search(r"(\d+)/≈?(\d+) files?", frame)
        if files and int(files.group(1)) < int(files.group(2)):
            coming.append(frame)  # a file is not saved yet
    partly = [f for f in coming if re.search(r"(?<![\d.])(?!0/)\d[\d.]*( KB)?/[\d.]+ MB", f)]
    assert len(partly) >= 3, frames  # the file took seconds: its bytes were seen coming
    for frame in coming:
        percent = re.search(r"(\d+)%", frame)
        assert percent is None or int(percent.group(1)) < 100, frame
        assert "ETA 0:00" not in frame, frame
    for frame in partly:
        assert re.search(r"ETA \d+:\d\d", frame), frame
    # Each running chat's row: its messages, its files with their bytes, its time left.
    rows = [line for line in re.split(r"[\r\n]", screen) if "messages" in line and "MB" in line]
    assert any(re.search(r"\d+/\d+ messages .*\d+/\d+ files? .*MB.*ETA \d+:\d\d", r) for r in rows)
    assert " files 0.0 MB" not in screen  # the old "<chat> files … 0.0 MB" rows are gone
    assert re.search(r"took \d", screen), screen[-2000:]


async def test_lines_stay_plain_to_the_end_and_say_how_long_it_took(
    slow_sandbox: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    code, _, err = await run_tgtui(
        tmp_path, slow_sandbox, "backup", "--all", "--out", str(out), "--no-media",
        "--progress", "lines",
    )  # fmt: skip
    assert code == 0, err
    assert not BOX & set(err), err  # no table drawn into a log
    assert "\x1b" not in err
    last = err.strip().splitlines()
    # The summary, then the notes (what was kept of the account: --all keeps it).
    summary = next(line for line in reversed(last) if not line.startswith("note: "))
    assert re.search(r"in .*backup; took \d+(\.\d)? s$", summary), last
    assert last[-1].startswith("note: account saved: profile (1 added)"), last
    # The chats' outcomes, one plain line each, before the summary.
    assert sum(1 for line in last if line.startswith("complete: ")) >= 3, err


async def test_an_unattended_run_loads_no_rich_and_no_log_queue(
    slow_sandbox: dict[str, Any], tmp_path: Path
) -> None:
    """Under cron or a script (stderr a pipe) the lines are plain text: Rich (about 25 ms of
    the start) and the log file's queue (multiprocessing's, a thread, every record pickled)
    is not made: the log is written where it is logged (issue 30)."""
    out = tmp_path / "backup"
    arguments = ["backup", "--all", "--no-media", "--out", str(out)]
    arguments += ["--session", slow_sandbox["session"]]
    probe = textwrap.dedent(
        f"""
        import json, sys
        from tgtui.cli import main
        code = main({arguments!r})
        heavy = ("rich", "multiprocessing.queues", "multiprocessing.connection")
        loaded = sorted(m for m in sys.modules if m.startswith(heavy))
        sys.stdout.write(json.dumps([code, loaded]) + "\\n")
        """
    )
    env = {k: v for k, v in cli_env(tmp_path, slow_sandbox).items() if k != "FORCE_COLOR"}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", probe],
        capture_output=True, text=True, timeout=180, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    assert loaded == []
    said = done.stderr.strip().splitlines()
    assert said[0] == "backing up 3 chats"
    # Each chat's end as it came, and again in the outcome of each chat at the end.
    assert sum(1 for line in said if line.startswith("complete: ")) == 6, said
    summary = next(line for line in reversed(said) if not line.startswith("note: "))
    assert re.search(r"in .*backup; took \d+(\.\d)? s$", summary), said
    assert (out / "chats").is_dir()
