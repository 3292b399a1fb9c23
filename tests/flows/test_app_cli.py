"""`tgtui` itself from the command line: help, bad configuration, locked sessions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tgtui.sandbox import API_HASH, API_ID
from tgtui.telegram.service import SessionLock, prepare_session_file


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(HOME=str(home), TERM="xterm-256color", **extra)
    return env


def _tgtui(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tgtui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(home, **extra),
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_help_says_where_config_and_log_live(tmp_path: Path) -> None:
    result = _tgtui(tmp_path, "--help")
    assert result.returncode == 0
    assert "--demo" in result.stdout
    assert "--session PATH" in result.stdout
    assert str(tmp_path / ".config" / "tgtui" / "config.toml") in result.stdout
    assert str(tmp_path / ".local" / "state" / "tgtui" / "logs" / "tgtui.log") in result.stdout


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("api_id = 'abc'\n", ["api_id", "positive whole number"]),
        ("concurrency = 99\n", ["concurrency", "1 to 64"]),
        ("api_id = \n", ["not valid TOML"]),
        ("colour = 'red'\n", ["colour", "unknown setting"]),
    ],
)
def test_bad_config_names_the_file_and_the_key(
    tmp_path: Path, config: str, words: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(config)
    result = _tgtui(tmp_path, TGTUI_CONFIG=str(path))
    assert result.returncode == 2
    assert str(path) in result.stderr
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_tgtui_on_the_same_session_exits_with_a_message(tmp_path: Path) -> None:
    session = prepare_session_file(tmp_path / "s" / "main.session")
    with SessionLock(session):  # the first tgtui
        result = _tgtui(
            tmp_path,
            "--session",
            str(session),
            TGTUI_API_ID=str(API_ID),
            TGTUI_API_HASH=API_HASH,
        )
    assert result.returncode == 1
    assert "already running" in result.stderr
    assert str(session) in result.stderr
    assert result.stdout == ""  # the TUI never started


def test_session_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "main.session"
    result = _tgtui(
        tmp_path, "--session", str(missing), TGTUI_API_ID=str(API_ID), TGTUI_API_HASH=API_HASH
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert not missing.parent.exists()  # a user-named folder is never created behind their back


def test_demo_and_session_together_are_refused(tmp_path: Path) -> None:
    result = _tgtui(tmp_path, "--demo", "--session", str(tmp_path / "x.session"))
    assert result.returncode == 2
    assert "--demo uses its own session" in result.stderr
