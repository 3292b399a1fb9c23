"""The user's own files: `tgtui backup --out` writes only into a new or empty folder or a tgtui
backup, and tightens only what it made there; a session path that is not a signed-in session
creates nothing and connects nowhere; a bad config.toml stops every command alike."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.flows.cli_process import cli_env
from tests.sandbox_process import start_sandbox_process
from tgtui.sandbox import API_HASH, API_ID

EXIT_ERROR = 2

# A sitecustomize for the child: any connection it tries is written down, and it stops
# there (exit 99), so a test sees "no connection" without a network or a server.
NO_NETWORK = """\
import os, sys

def _no_connections(event, args):
    if event == "socket.connect" and len(args) > 1 and isinstance(args[1], tuple):
        with open(os.environ["TGTUI_TEST_CONNECTED"], "a") as mark:
            mark.write(repr(args[1]) + "\\n")
        os._exit(99)

sys.addaudithook(_no_connections)
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _one_line(output: str, *words: str) -> str:
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for word in words:
        assert word in lines[0], output
    return lines[0]


@pytest.fixture
async def sandbox_info(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A small sandbox process (3 chats), its signed-in session beside the test."""
    process, info = await start_sandbox_process(
        "--dialogs", "3", "--messages", "40", "--seed", "4",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


async def _backup(
    home: Path, info: dict[str, Any], *args: str, cwd: Path | None = None
) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "backup", "--all", "--no-media",
        "--session", info["session"], *args,
        env=cli_env(home, info), cwd=cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, out.decode()


def _someones_folder(folder: Path) -> dict[Path, int]:
    """A folder of someone's own files (a web root, a home): a page and a script."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    page, script = folder / "index.html", folder / "deploy.sh"
    page.write_text("<h1>mine</h1>")
    script.write_text("#!/bin/sh\necho deployed\n")
    os.chmod(page, 0o644)
    os.chmod(script, 0o755)
    return {folder: 0o755, page: 0o644, script: 0o755}


async def test_a_folder_of_someone_elses_files_is_refused_and_left_as_it_is(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    mine = _someones_folder(home)
    mine |= _someones_folder(home / "www")
    for out, cwd in (("~", None), (str(home / "www"), None), (".", home)):
        code, output = await _backup(home, sandbox_info, "--out", out, cwd=cwd)
        assert code == EXIT_ERROR, output
        _one_line(output, "is not a tgtui backup", "new or empty folder")
    assert {path: _mode(path) for path in mine} == mine  # the script still runs
    assert sorted(p.name for p in home.iterdir()) == ["deploy.sh", "index.html", "www"]
    assert sorted(p.name for p in (home / "www").iterdir()) == ["deploy.sh", "index.html"]


async def test_a_folder_holding_only_a_chats_folder_of_someone_else_is_refused(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    """A folder whose only entry is a `chats` folder that tgtui did not make (a chat bot's
    rooms): not a first run stopped before its manifest, so refused, its script left
    runnable (it was taken as a backup and made private)."""
    site = tmp_path / "site"
    mine = _someones_folder(site / "chats" / "room1")
    for path in (site / "chats" / "room1", site / "chats", site):
        os.chmod(path, 0o755)
    (site / "chats" / "room1" / "index.html").unlink()
    mine = {path: mode for path, mode in mine.items() if path.exists()}
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(site))
    assert code == EXIT_ERROR, output
    _one_line(output, "is not a tgtui backup")
    assert {path: _mode(path) for path in mine} == mine  # the script still runs


async def test_an_empty_out_is_refused(sandbox_info: dict[str, Any], tmp_path: Path) -> None:
    home = tmp_path / "home"
    mine = _someones_folder(home)
    code, output = await _backup(home, sandbox_info, "--out", "", cwd=home)
    assert code == EXIT_ERROR, output
    assert "--out: expected a path, got an empty one" in output
    assert {path: _mode(path) for path in mine} == mine


async def test_a_new_an_empty_and_a_tgtui_folder_are_taken_and_only_tgtuis_files_tightened(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o755)
    for out in (tmp_path / "new" / "backup", empty):
        code, output = await _backup(tmp_path, sandbox_info, "--out", str(out))
        assert code == 0, output
        assert _mode(out) == 0o700
        assert (out / "manifest.json").is_file()
    # The user keeps notes and a script in their backup folder; tgtui leaves them alone,
    # and still makes its own files private again.
    notes, script = empty / "NOTES.txt", empty / "sync.sh"
    notes.write_text("my notes")
    script.write_text("#!/bin/sh\n")
    os.chmod(notes, 0o644)
    os.chmod(script, 0o755)
    loosened = next(empty.glob("chats/*/messages.jsonl"))
    os.chmod(loosened, 0o644)
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(empty))
    assert code == 0, output
    assert (_mode(notes), _mode(script)) == (0o644, 0o755)
    assert _mode(loosened) == 0o600
    assert "1 files and folders" in output  # tgtui's own file, and only that


async def test_a_first_run_stopped_before_its_manifest_is_resumed(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(out))
    assert code == 0, output
    saved = {p.relative_to(out): p.read_bytes() for p in out.glob("chats/*/messages.jsonl")}
    (out / "manifest.json").unlink()  # as a first run killed before writing it leaves it
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(out))
    assert code == 0, output
    assert json.loads((out / "manifest.json").read_text())["tool"].startswith("tgtui")
    assert {p.relative_to(out): p.read_bytes() for p in out.glob("chats/*/messages.jsonl")} == saved


async def test_a_backup_without_manifest_holding_someone_elses_file_among_its_own_is_refused(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    """A first run stopped before its manifest is taken up again only if every file is one
    tgtui writes: the account's saved pictures are, a note in their folder is not."""
    out = tmp_path / "backup"
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(out))
    assert code == 0, output
    assert list((out / "account" / "profile_pictures").iterdir())  # --all keeps them
    (out / "manifest.json").unlink()
    note = out / "account" / "profile_pictures" / "notes.txt"
    note.write_text("mine")
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(out))
    assert code == EXIT_ERROR, output
    _one_line(output, "is not a tgtui backup")
    assert note.read_text() == "mine"


async def test_a_planted_chats_link_is_refused(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    out, elsewhere = tmp_path / "backup", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "chats").symlink_to(elsewhere)
    code, output = await _backup(tmp_path, sandbox_info, "--out", str(out))
    assert code == EXIT_ERROR, output
    _one_line(output, "not a folder inside it")
    assert list(elsewhere.iterdir()) == []


# --- sessions: nothing made, nothing connected -------------------------------------------


def _offline_env(home: Path, connected: Path, **extra: str) -> dict[str, str]:
    """An environment whose Python records (and stops at) any connection attempt."""
    site = home / "no-network"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(NO_NETWORK)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        TGTUI_TEST_CONNECTED=str(connected),
        TGTUI_API_ID=str(API_ID),
        TGTUI_API_HASH=API_HASH,
        **extra,
    )
    return env


def _offline(home: Path, *args: str) -> tuple[int, str, Path]:
    connected = home / "connected.txt"
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", *args],
        env=_offline_env(home, connected),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, connected


def _files(folder: Path) -> set[Path]:
    """What is in ``folder``, but for the log (tgtui keeps one) and the test's own helper."""
    skip = {"no-network", ".local", "connected.txt"}
    return {p.relative_to(folder) for p in folder.rglob("*") if not skip & set(p.parts)}


@pytest.mark.parametrize("command", [["backup", "--all"], ["chats"]])
@pytest.mark.parametrize(
    ("session", "words"),
    [
        ("typo.session", ["There is no session", "log in first with `tgtui --session"]),
        ("typo", ["There is no session", "typo.session"]),
        ("passwd", ["passwd is not a Telethon session file", "end in .session"]),
        ("blank.session", ["holds no signed-in session", "log in first"]),
        ("fifo.session", ["fifo.session is not a regular file"]),  # it waited for ever
    ],
)
def test_a_session_path_that_is_no_signed_in_session_makes_nothing_and_connects_nowhere(
    tmp_path: Path, command: list[str], session: str, words: list[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (home / "blank.session").write_bytes(b"")  # made by a login that never finished
    os.mkfifo(home / "fifo.session")
    before = _files(home)
    code, output, connected = _offline(home, *command, "--session", str(home / session))
    assert not connected.exists(), connected.read_text()
    assert code == EXIT_ERROR, output
    _one_line(output, *words)
    assert _files(home) == before  # no PATH.session, no lock, no log folder beside it
    assert (home / "blank.session").read_bytes() == b""


@pytest.mark.parametrize("command", [["backup", "--all"], ["chats"]])
def test_without_a_login_the_app_session_is_not_made_either(
    tmp_path: Path, command: list[str]
) -> None:
    code, output, connected = _offline(tmp_path, *command)
    assert not connected.exists(), connected.read_text()
    assert code == EXIT_ERROR, output
    _one_line(output, "There is no session", "log in first with `tgtui`")
    assert not list(tmp_path.rglob("*.session"))
    assert not (tmp_path / ".local" / "share" / "tgtui").exists()


def test_the_app_refuses_a_file_that_is_not_a_session(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    code, output, connected = _offline(tmp_path, "--session", str(tmp_path / "passwd"))
    assert not connected.exists(), connected.read_text()
    assert code == 1, output
    _one_line(output, "is not a Telethon session file")
    assert not (tmp_path / "passwd.session").exists()


def test_the_demo_refuses_a_folder_of_someone_elses_files_too(tmp_path: Path) -> None:
    mine = _someones_folder(tmp_path / "www")
    code, output, connected = _offline(
        tmp_path, "backup", "--demo", "1000001", "--no-media", "--out", str(tmp_path / "www")
    )
    assert not connected.exists(), connected.read_text()  # refused before the demo began
    assert code == EXIT_ERROR, output
    _one_line(output, "is not a tgtui backup")
    assert {path: _mode(path) for path in mine} == mine
    assert sorted(p.name for p in (tmp_path / "www").iterdir()) == ["deploy.sh", "index.html"]


# --- one config check for every command ---------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["search", "word", "--in", "BACKUP"],
        ["export", "BACKUP", "--out", "EXPORT"],
        ["open", "BACKUP"],
        ["backup", "--all", "--out", "BACKUP"],
        ["chats"],
        [],
    ],
)
@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('language = "klingon"\n', "language"),
        ("concurrency = 100\n", "concurrency"),
        ('theme = "nosuchtheme"\n', "theme"),  # the app fell back to its own in silence
    ],
)
def test_a_bad_config_stops_every_command_with_one_line(
    tmp_path: Path, command: list[str], config: str, key: str
) -> None:
    backup = tmp_path / "backup"
    (backup / "chats").mkdir(parents=True)
    (backup / "manifest.json").write_text(json.dumps({"tool": "tgtui 0.4.0", "chats": []}))
    path = tmp_path / "config.toml"
    path.write_text(config)
    args = [
        str(backup) if a == "BACKUP" else str(tmp_path / "export") if a == "EXPORT" else a
        for a in command
    ]
    connected = tmp_path / "connected.txt"
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", *args],
        env=_offline_env(tmp_path, connected, TGTUI_CONFIG=str(path)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_ERROR, done.stderr
    assert done.stdout == ""
    line = _one_line(done.stderr, "bad configuration", str(path), key)
    assert line.startswith(" ".join(["tgtui", *command[:1]]) + ":")
    assert not connected.exists()
    assert not (tmp_path / "export").exists()


@pytest.mark.parametrize("kind", ["fifo", "endless"])
@pytest.mark.parametrize("command", [["search", "word", "--in", "."], ["chats"]])
def test_a_config_that_is_no_file_is_one_line_not_a_hang(
    tmp_path: Path, kind: str, command: list[str]
) -> None:
    """TGTUI_CONFIG (or config.toml) that is a FIFO or a link to /dev/zero: every command
    waited for ever, or read until memory ran out."""
    path = tmp_path / "config.toml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    connected = tmp_path / "connected.txt"
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", *command],
        env=_offline_env(tmp_path, connected, TGTUI_CONFIG=str(path)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_ERROR, done.stderr
    _one_line(done.stderr, "bad configuration", str(path), "not a regular file")


def test_help_still_works_with_a_bad_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('language = "klingon"\n')
    env = cli_env(tmp_path, {"api_id": API_ID, "api_hash": API_HASH}) | {"TGTUI_CONFIG": str(path)}
    for args in (["--help"], ["search", "--help"], ["--version"]):
        done = subprocess.run(
            [sys.executable, "-m", "tgtui", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
