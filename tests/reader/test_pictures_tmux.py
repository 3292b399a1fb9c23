"""`tgtui open` in a real terminal: tmux at 80x24, a backup with photos, the cursor moved to
a photo; the picture is on the screen in half blocks (tmux passes no other pictures on), and
`i` takes it away. What a person sees, read back with capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reader.helpers import manifest_chats, records

# Skipped without tmux on a developer's machine, never in CI (.ci/run installs it).
pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("CI"), reason="needs tmux"
)
HALVES = ("▀", "▄")


class Tmux:
    """One detached tmux session on a server of its own."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.name = "pictures"

    def run(self, *args: str) -> str:
        """A tmux command's output."""
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        """Type ``keys`` (tmux's key names)."""
        self.run("send-keys", "-t", self.name, *keys)

    def screen(self) -> str:
        """What the terminal shows now."""
        return self.run("capture-pane", "-p", "-t", self.name)

    def wait(self, seen: str | tuple[str, ...], within: float = 30.0) -> str:
        """The screen once it shows any of ``seen``."""
        wanted = (seen,) if isinstance(seen, str) else seen
        deadline = time.monotonic() + within
        while True:
            screen = self.screen()
            if any(word in screen for word in wanted):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted} never on screen:\n{screen}")
            time.sleep(0.2)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A tmux server of this test's own (ended with the test)."""
    socket = Path("/tmp") / f"tgtui-{uuid.uuid4().hex[:8]}.sock"  # short: a socket path is
    session = Tmux(socket)
    try:
        yield session
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True, timeout=30)
        socket.unlink(missing_ok=True)


def _chat_with_a_photo_near_its_end(folder: Path) -> tuple[str, int]:
    """A chat's name and how many messages its newest saved photo is from the newest."""
    best: tuple[int, str] | None = None
    for chat in manifest_chats(folder):
        saved = records(folder, chat)
        for back, record in enumerate(reversed(saved)):
            if record.get("media_type") == "photo" and record.get("file"):
                if best is None or back < best[0]:
                    best = (back, chat["name"])
                break
    assert best is not None, "the backup has no saved photo"
    return best[1], best[0]


def test_the_reader_in_tmux_draws_a_photo_in_half_blocks(
    tmux: Tmux, backup: Path, tmp_path: Path
) -> None:
    name, back = _chat_with_a_photo_near_its_end(backup)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(home / ".config"),
    }
    words = [f"{key}={value}" for key, value in env.items()]
    words += [sys.executable, "-m", "tgtui", "open", str(backup)]
    command = "env -i " + " ".join(shlex.quote(word) for word in words)
    tmux.run("new-session", "-d", "-x", "80", "-y", "24", "-s", tmux.name, command)
    tmux.wait(name[:20])  # the archive lists the chats
    time.sleep(0.5)
    tmux.keys("/")  # the filter, then the chat's name, then open it
    time.sleep(0.5)
    tmux.run("send-keys", "-t", tmux.name, "-l", name)
    time.sleep(0.5)
    tmux.keys("Enter")
    time.sleep(0.3)
    tmux.keys("Enter")
    screen = tmux.wait(" · id ")  # the reader's status line
    for _step in range(back):
        tmux.keys("Up")
    screen = tmux.wait(HALVES)
    lines = [line for line in screen.splitlines() if any(h in line for h in HALVES)]
    assert len(lines) >= 3, screen  # a picture, several lines high
    assert "photo" in screen
    tmux.keys("i")
    deadline = time.monotonic() + 15
    while any(h in tmux.screen() for h in HALVES):
        assert time.monotonic() < deadline, tmux.screen()
        time.sleep(0.2)
    tmux.keys("C-q")
