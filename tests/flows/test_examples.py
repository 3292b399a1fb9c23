"""Every shell example of the README and of `tgtui COMMAND --help` runs, as a user would
paste it: through a shell, with `~`, quotes and `| jq`, and does what it says (exit 0, and
a listing or a search prints something).

The examples name the demo's chats. They run against a sandbox process with the demo's
seed and its first 40 dialogs (the same chats, smaller histories): a `tgtui` on the PATH
passes the sandbox's session to the commands that talk to Telegram (for `--demo`, which
would start the whole 1,000-chat demo). No TGTUI_API_ID is set: the sandbox's session
carries its own. `/tmp/` becomes a folder of this test's own.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tgtui
from tests.flows.test_demo_terminal import Terminal
from tgtui.cli import COMMANDS

ROOT = Path(tgtui.__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```(?:sh|bash)\n(.*?)```", re.S)
HELP_EXAMPLE = re.compile(r"^\s+(tgtui \S.*?)(?:\s{2,}\S.*)?$")
TELEGRAM_COMMANDS = ("backup", "chats")  # they need a session; the others read folders
PRINTS = ("chats", "search")  # examples whose stdout must not be empty

pytestmark = pytest.mark.xdist_group("examples")


def _without_comment(line: str) -> str:
    """The command of an example line (a `#` outside quotes starts a comment)."""
    words = shlex.shlex(line, posix=True, punctuation_chars=False)
    words.whitespace_split = True
    words.commenters = "#"
    kept = list(words)
    # Cut the original line where the comment starts, keeping its quoting as written.
    for at in (m.start() for m in re.finditer(r"\s#", line)):
        if shlex.split(line[:at]) == kept:
            return line[:at].rstrip()
    return line.rstrip()


def readme_examples() -> list[str]:
    return [
        _without_comment(line.strip())
        for block in BLOCK.findall(README.read_text(encoding="utf-8"))
        for line in block.splitlines()
        if line.strip().startswith("tgtui ")
    ]


def help_examples() -> list[str]:
    found = []
    for spec in COMMANDS.values():
        epilog = importlib.import_module(spec.module).epilog() or ""
        for line in epilog.splitlines():
            match = HELP_EXAMPLE.match(line)
            if match:
                found.append(_without_comment(match.group(1)))
    return found


SHIM = """\
import os, sys
args = sys.argv[1:]
command = next((a for a in args if not a.startswith("-")), None)
if command in {telegram!r}:
    args = [a for a in args if a != "--demo"] + ["--session", os.environ["EXAMPLE_SESSION"]]
os.execv(sys.executable, [sys.executable, "-m", "tgtui", *args])
"""


class Shell:
    """A user's shell: HOME of its own, `tgtui` on the PATH, no TGTUI_ variables."""

    def __init__(self, home: Path, session: str, scratch: Path) -> None:
        self.home = home
        self.scratch = scratch
        bin_dir = home / "bin"
        bin_dir.mkdir(parents=True)
        shim = bin_dir / "tgtui"
        shim.write_text(
            f"#!{sys.executable}\n" + SHIM.format(telegram=TELEGRAM_COMMANDS), encoding="utf-8"
        )
        shim.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
        self.env.update(
            HOME=str(home),
            PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            PYTHONPATH=str(ROOT),
            EXAMPLE_SESSION=session,
            COLUMNS="120",
        )

    def command(self, example: str) -> str:
        return example.replace("/tmp/", f"{self.scratch}/")

    def run(
        self, example: str, *, as_written: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run a line in this shell (an example's `/tmp/` is this test's own, unless it is
        not an example but the test's own command)."""
        line = self.command(example) if as_written else example
        return subprocess.run(
            ["bash", "-c", f"set -o pipefail; {line}"],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.home,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    base = tmp_path_factory.mktemp("examples")
    info_file = base / "sandbox.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "tgtui", "sandbox", "--dialogs", "40", "--messages", "60",
         "--session-out", str(base / "sandbox.session")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        info_file.write_text(process.stdout.readline())
        info: dict[str, Any] = json.loads(info_file.read_text())
        scratch = base / "tmp"
        scratch.mkdir()
        user = Shell(base / "home", info["session"], scratch)
        data = user.home / ".local" / "share" / "tgtui"
        # The backups the reading examples read: the config's default folder, the demo's,
        # and the ones the README's backup examples make.
        made = [data / "backups", data / "demo-backups", scratch / "demo-backup"]
        for out in [*(shlex.quote(str(folder)) for folder in made), "~/tg-backup"]:
            line = f"tgtui backup --all --progress none --out {out}"
            done = user.run(line, as_written=False)
            assert done.returncode == 0, done.stderr
        yield user
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_examples_are_found() -> None:
    readme, helps = readme_examples(), help_examples()
    assert len(readme) >= 25
    assert any("| jq" in e for e in readme + helps)
    assert "tgtui chats hikers" in helps  # the description after two spaces is cut off
    assert all(not e.endswith(("#", " ")) for e in readme + helps)


@pytest.mark.parametrize("example", sorted(set(readme_examples() + help_examples())))
def test_the_example_runs(shell: Shell, example: str) -> None:
    command = next(w for w in shlex.split(example)[1:] if not w.startswith("-"))
    if "| jq" in example and shutil.which("jq") is None and not os.environ.get("CI"):
        pytest.skip("jq is not installed (.ci/run installs it)")
    if "--follow" in example:
        _follows_until_stopped(shell, example)
    elif command == "open":
        _opens_and_quits(shell, example)
    else:
        done = shell.run(example)
        assert done.returncode == 0, f"{example}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        if command in PRINTS or "| jq" in example:
            assert done.stdout.strip(), f"{example} printed nothing\n{done.stderr}"


def _follows_until_stopped(shell: Shell, example: str) -> None:
    """`--follow` runs until SIGTERM, which ends it cleanly (exit 0)."""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {shell.command(example)}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=shell.env,
        cwd=shell.home,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "Following" in line:
            break
    process.send_signal(signal.SIGTERM)
    _, rest = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(seen) + rest


def _opens_and_quits(shell: Shell, example: str) -> None:
    """`tgtui open` is the reader in a terminal: it shows the backup, Ctrl+Q quits."""
    terminal = Terminal(["bash", "-c", f"exec {shell.command(example)}"], shell.env, (30, 110))
    try:
        terminal.wait_for(r"Backup in .*?40 chats")
        terminal.type("\x11")  # Ctrl+Q
    finally:
        code = terminal.close()
    assert code == 0, terminal.text[-1500:]


def test_a_sandbox_session_needs_no_api_id_of_the_users(shell: Shell) -> None:
    """`tgtui sandbox --session-out` marks the session with the sandbox's api_id/api_hash:
    `tgtui chats --session FILE` runs with no TGTUI_API_ID set (it said to set one)."""
    assert not any(k.startswith("TGTUI_") for k in shell.env)
    session = shell.env["EXAMPLE_SESSION"]
    python = shlex.quote(sys.executable)
    line = f"{python} -m tgtui chats hikers --session {shlex.quote(session)}"
    done = shell.run(line, as_written=False)
    assert done.returncode == 0, done.stderr
    assert "Hidden Hikers" in done.stdout
