"""`tgtui open` in a real terminal: tmux at 80x24, a backup with photos, a video and an
animated sticker; the sticker's saved still frame, the video's thumbnail with its ▶ and
length, and the photo are on the screen in half blocks (tmux passes no other pictures on),
and `i` takes them away. What a person sees, read back with capture-pane."""

from __future__ import annotations

import json
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
from tgtui.format.records import unixtime

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


def _add_a_video_and_an_animated_sticker(folder: Path, name: str) -> None:
    """Two newest messages for the chat ``name``: a video of 1:35 whose thumbnail is saved
    (not the video), then an animated sticker whose still frame is saved (not the .tgs)."""
    from PIL import Image

    chat = next(chat for chat in manifest_chats(folder) if chat["name"] == name)
    newest = records(folder, chat)[-1]
    thumbs = folder / chat["path"] / "thumbs"
    thumbs.mkdir(exist_ok=True)
    Image.new("RGB", (320, 180), (40, 90, 200)).save(thumbs / "9100000000000000001.jpg")
    Image.new("RGB", (128, 128), (40, 200, 60)).save(thumbs / "9100000000000000002.webp")
    sent = (unixtime(newest.get("date_unixtime")) or 1_767_225_600) + 60
    common = {"type": "message", "from": "Tmux Test", "from_id": "user424242", "text": ""}
    video = {
        **common,
        "id": newest["id"] + 1,
        "date_unixtime": str(sent),
        "media_type": "video_file",
        "mime_type": "video/mp4",
        "file_name": "walk.mp4",
        "width": 1280,
        "height": 720,
        "duration_seconds": 95,
        "thumbnail": "thumbs/9100000000000000001.jpg",
    }
    sticker = {
        **common,
        "id": newest["id"] + 2,
        "date_unixtime": str(sent + 60),
        "media_type": "sticker",
        "mime_type": "application/x-tgsticker",
        "file_name": "AnimatedSticker.tgs",
        "sticker_emoji": "🐸",
        "width": 512,
        "height": 512,
        "thumbnail": "thumbs/9100000000000000002.webp",
    }
    with (folder / chat["path"] / "messages.jsonl").open("a", encoding="utf-8") as jsonl:
        jsonl.writelines(json.dumps(record) + "\n" for record in (video, sticker))


def _drawn_under(screen: str, words: str) -> int:
    """How many lines of half blocks are under the media line saying ``words`` (after the
    rest of that line, wrapped), up to the next line that is not of the picture."""
    lines = screen.splitlines()
    start = next((n for n, line in enumerate(lines) if words in line), None)
    if start is None:
        return 0
    drawn = 0
    for line in lines[start + 1 :]:
        if any(h in line for h in HALVES):
            drawn += 1
        elif drawn:
            break
    return drawn


def _wait_drawn(tmux: Tmux, words: str) -> str:
    """The screen once a picture at least three lines high is drawn under ``words``."""
    deadline = time.monotonic() + 30
    while _drawn_under(screen := tmux.wait(words), words) < 3:
        assert time.monotonic() < deadline, screen
        time.sleep(0.2)
    return screen


def test_the_reader_in_tmux_draws_pictures_in_half_blocks(
    tmux: Tmux, backup: Path, tmp_path: Path
) -> None:
    name, back = _chat_with_a_photo_near_its_end(backup)
    _add_a_video_and_an_animated_sticker(backup, name)
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
    tmux.wait(" · id ")  # the reader's status line
    # At the newest: the animated sticker's saved still frame, not its emoji alone.
    screen = _wait_drawn(tmux, "sticker · AnimatedSticker.tgs")
    assert "(animated sticker)" not in screen
    # Up: the video's thumbnail, its ▶ and length under it.
    tmux.keys("Up")
    screen = _wait_drawn(tmux, "video · walk.mp4")
    lines = screen.splitlines()
    media = next(n for n, line in enumerate(lines) if "walk.mp4" in line)
    top = next(n for n in range(media, len(lines)) if any(h in lines[n] for h in HALVES))
    below = top + _drawn_under(screen, "video · walk.mp4")
    assert lines[below].strip(" ▌") == "▶ 1:35", screen  # just under the picture
    # Up to the photo: a picture, several lines high.
    for _step in range(back + 1):
        tmux.keys("Up")
    _wait_drawn(tmux, " photo · ")
    tmux.keys("i")
    deadline = time.monotonic() + 15
    while any(h in tmux.screen() for h in HALVES):
        assert time.monotonic() < deadline, tmux.screen()
        time.sleep(0.2)
    tmux.keys("C-q")
