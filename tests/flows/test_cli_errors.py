"""`tgtui backup` on bad input: one clear line and exit 2, never a traceback, nothing lost."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_process import start_sandbox_process
from tgtui.sandbox import API_HASH, API_ID
from tgtui.sandbox_mark import MARK_TABLE

EXIT_ERROR = 2


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(HOME=str(home), TGTUI_API_ID=str(API_ID), TGTUI_API_HASH=API_HASH)
    return env


def _backup(home: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "backup", "--all", *args],
        env=_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def _one_clear_line(output: str, *words: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for word in words:
        assert word in lines[0], output


def test_a_folder_as_session_is_refused_without_creating_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    code, output = _backup(tmp_path, "--session", str(folder))
    assert code == EXIT_ERROR
    _one_clear_line(output, "is a folder")
    assert not (tmp_path / "sessions.session").exists()


def test_a_garbage_session_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    garbage = tmp_path / "old.session"
    garbage.write_bytes(b"this is not sqlite at all" * 10)
    code, output = _backup(tmp_path, "--session", str(garbage))
    assert code == EXIT_ERROR
    _one_clear_line(output, "not a Telethon session file")
    assert garbage.read_bytes() == b"this is not sqlite at all" * 10


@pytest.mark.skipif(os.getuid() != 0, reason="planting another user's link needs root")
def test_a_session_link_planted_by_another_user_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "victim.txt"
    secret.write_text("precious")
    link = tmp_path / "planted.session"
    link.symlink_to(secret)
    os.lchown(link, 4242, 4242)
    code, output = _backup(tmp_path, "--session", str(link))
    assert code == EXIT_ERROR
    _one_clear_line(output, "link made by another user")
    assert secret.read_text() == "precious"
    assert not secret.stat().st_mode & 0o077 or secret.stat().st_mode & 0o644 == 0o644


@pytest.mark.parametrize("size", ["inf", "nan", "-1", "0", "1e300"])
def test_a_silly_file_size_is_an_argument_error(tmp_path: Path, size: str) -> None:
    code, output = _backup(tmp_path, "--max-file-size", size)
    assert code == EXIT_ERROR
    assert "Traceback" not in output
    assert "--max-file-size" in output
    assert "expected a size in MB above 0" in output


@pytest.fixture
async def sandbox_info(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A small sandbox process whose users.getUsers fails with 500 more often than not."""
    process, info = await start_sandbox_process(
        "--dialogs", "3", "--messages", "30", "--seed", "3",
        "--fault", "rpc500:users.getUsers=0.6",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


async def _run(home: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "backup", "--all", *args,
        env=_env(home), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_a_transient_500_at_start_is_retried(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    code, output = await _run(
        tmp_path, "--session", sandbox_info["session"], "--out", str(tmp_path / "out")
    )
    assert code == 0, output
    assert "Next try in" in output  # the user saw why it waited
    assert "Traceback" not in output


async def test_an_unusable_backup_folder_is_one_line_and_exit_2(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("mine")
    os.chmod(a_file, 0o644)
    for out in (a_file, a_file / "below"):
        code, output = await _run(tmp_path, "--session", sandbox_info["session"], "--out", str(out))
        assert code == EXIT_ERROR, output
        assert "Traceback" not in output
        assert "Cannot use" in output
        assert "as a backup folder" in output
    assert a_file.read_text() == "mine"
    assert a_file.stat().st_mode & 0o777 == 0o644  # left as it was


def _unmarked_copy(session: Path, copy: Path) -> Path:
    shutil.copyfile(session, copy)
    os.chmod(copy, 0o600)
    with closing(sqlite3.connect(copy)) as db, db:
        db.execute(f"DROP TABLE {MARK_TABLE}")
    return copy


def _log_says(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(encoding="utf-8")


async def test_the_sandbox_key_is_trusted_only_for_a_session_the_sandbox_marked(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    """A signed-in session on loopback without the sandbox's mark: its media live on another
    "DC", whose new key needs the RSA key, and tgtui refuses the test key there."""
    unmarked = _unmarked_copy(Path(sandbox_info["session"]), tmp_path / "unmarked.session")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "backup", "--all", "--session", str(unmarked),
        "--out", str(tmp_path / "out"), env=_env(tmp_path), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    log = tmp_path / ".local" / "state" / "tgtui" / "logs" / "tgtui.log"
    try:
        for _ in range(300):
            if _log_says(log, "could not find a valid key"):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the sandbox's key was trusted for an unmarked session")
    finally:
        process.kill()
        await process.wait()
    code, output = await _run(
        tmp_path, "--session", sandbox_info["session"], "--out", str(tmp_path / "marked")
    )
    assert code == 0, output  # the marked session's media came down from the other DC
    assert " 0 media files" not in output
