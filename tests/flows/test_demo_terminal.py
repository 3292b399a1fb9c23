"""`tgtui --demo` in a real (pseudo-)terminal, typed at as a newcomer would.

This is the README's first command end to end: the console script, the sandbox thread, the
real terminal driver, the login and the chat list.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>NOPM78c]|\x1b\][^\x07]*\x07"
)


class Terminal:
    """A child process on a pty, with everything it printed kept as plain text."""

    def __init__(self, args: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        self.master, slave = os.openpty()
        rows, cols = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.raw = b""

    def read(self, seconds: float) -> None:
        """Collect output for ``seconds``."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.raw += chunk

    @property
    def text(self) -> str:
        """What was printed, escape sequences removed, spaces squeezed."""
        plain = ANSI.sub(b" ", self.raw).decode("utf-8", "replace")
        return re.sub(r"\s+", " ", plain)

    def wait_for(self, pattern: str, within: float = 40.0) -> re.Match[str]:
        """Read until ``pattern`` appears in the output since the last match."""
        end = time.monotonic() + within
        while time.monotonic() < end:
            found = re.search(pattern, self.text[self._mark :])
            if found:
                self._mark += found.end()
                return found
            self.read(0.2)
        raise AssertionError(f"{pattern!r} never appeared; last output: {self.text[-1500:]}")

    _mark = 0

    def type(self, keys: str) -> None:
        """Type at the keyboard."""
        os.write(self.master, keys.encode())

    def close(self, within: float = 40.0) -> int:
        """Wait for the process to exit and return its exit code (killed after ``within``).

        The output is drained meanwhile: a program that draws while quitting blocks on a full
        pty otherwise, and the test would time out on itself rather than on the program.
        """
        end = time.monotonic() + within
        try:
            while self.process.poll() is None and time.monotonic() < end:
                self.read(0.2)
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()
        finally:
            os.close(self.master)


def test_demo_from_phone_to_chat_list_in_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(HOME=str(tmp_path), TERM="xterm-256color", COLUMNS="100", LINES="30")
    terminal = Terminal([sys.executable, "-m", "tgtui", "--demo"], env, (30, 100))
    try:
        terminal.wait_for(r"Sign in to Telegram \(demo sandbox\)")
        terminal.wait_for(r"phone")
        terminal.type("\r")
        code = terminal.wait_for(r"Login code: (\d+)").group(1)
        terminal.type(code + "\r")
        terminal.wait_for(r"two-step verification")
        terminal.wait_for(r"Hint: a fish, and a sword")
        terminal.type("swordfish\r")
        count = terminal.wait_for(r"(\d[\d,]*) (of [\d,]+ )?chats")
        assert int(count.group(1).replace(",", "")) > 0
        terminal.type("\x11")  # ctrl+q
        assert terminal.close() == 0, terminal.text[-1500:]
    finally:
        if terminal.process.poll() is None:
            os.killpg(terminal.process.pid, signal.SIGKILL)
    log = (tmp_path / ".local" / "state" / "tgtui" / "logs" / "tgtui.log").read_text()
    assert code not in log
    assert "swordfish" not in log
    demo_dir = tmp_path / ".local" / "share" / "tgtui" / "demo"
    assert list(demo_dir.iterdir()) == []  # the demo's session is gone with it
    assert not (tmp_path / ".local" / "share" / "tgtui" / "sessions").exists()  # real one untouched
