"""`tgtui open` as a user runs it: in a real terminal, with no session, no api_id and no
network; a folder that is not a backup gets one clear line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.flows.test_demo_terminal import Terminal
from tests.reader.helpers import manifest_chats


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(HOME=str(home), TERM="xterm-256color", COLUMNS="100", LINES="30")
    return env


def test_open_reads_a_backup_in_a_terminal_without_telegram(backup: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"  # no config, no session, no api_id
    terminal = Terminal([sys.executable, "-m", "tgtui", "open", str(backup)], _env(home), (30, 100))
    try:
        terminal.wait_for(r"reading a backup \(offline\)")
        first = manifest_chats(backup)[0]["name"]
        terminal.wait_for(re.escape(first))
        terminal.type("\r")  # the first chat
        terminal.wait_for(r"message [\d,]+ of [\d,]+")
        terminal.type("\x1b")  # back to the archive (a key right after ESC would be Alt+key)
        terminal.wait_for(r"last backup")
        terminal.type("s")
        terminal.wait_for(r"Type words to search")
        terminal.type("garden")  # the index is built in a process of its own
        terminal.wait_for(r"[\d,]+ messages")
        terminal.type("\x1b")
        terminal.type("\x11")  # ctrl+q
        assert terminal.close() == 0
    finally:
        if terminal.process.poll() is None:
            os.killpg(terminal.process.pid, signal.SIGKILL)
    assert not (home / ".local" / "share" / "tgtui" / "sessions").exists()


def test_open_a_folder_that_holds_no_backup(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "open", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
    )
    assert done.returncode == 2
    folder = tmp_path / "nothing"
    assert done.stderr.strip().splitlines() == [  # one line, and how to make a backup
        f"tgtui open: {folder} holds no backup (no manifest.json). Make one with "
        f"`tgtui backup --all --out {folder}` or in the app (b on the chat list), or try it "
        "all offline with `tgtui --demo`"
    ]
