"""A `tgtui` command leaves without the interpreter's last collections (70 to 100 ms of a
short command's time spent walking Telethon's types at exit: issue 30), whichever way it is
started, and says the exit code its command gave."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tgtui import __version__, cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_returns_its_code_with_the_objects_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "main", lambda: 3)
    try:
        assert cli.run() == 3
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_installed_command_is_the_one_that_skips_them() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["tgtui"] == "tgtui.cli:run"


def test_python_dash_m_tgtui_exits_frozen_after_its_atexit_work() -> None:
    probe = (
        "import atexit, gc, runpy, sys\n"
        "atexit.register(lambda: print('frozen' if gc.get_freeze_count() else 'walked'))\n"
        "sys.argv = ['tgtui', '--version']\n"
        "runpy.run_module('tgtui', run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    version, verdict = done.stdout.split()[-2:]
    assert version == __version__
    assert verdict == "frozen"
