"""The offline commands take their shared options where people put them: `--demo` before or
after the command (`tgtui --demo search WORD` = `tgtui search WORD --demo`), and `--since`
/`--until` with the format they state."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reader.stranger import no_traceback, tgtui_run, two_chats


@pytest.mark.parametrize(
    "args",
    [
        ("--demo", "search", "riverword"),
        ("search", "riverword", "--demo"),
        ("search", "--demo", "riverword", "--json"),
    ],
)
def test_demo_before_or_after_the_command_searches_the_demos_backups(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    home = tmp_path / "home"
    two_chats(home / ".local" / "share" / "tgtui" / "demo-backups")
    done = tgtui_run(*args, home=home)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "riverword" in done.stdout
    assert "3 messages match" in done.stderr


def test_export_takes_demo_after_the_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    two_chats(home / ".local" / "share" / "tgtui" / "demo-backups")
    out = tmp_path / "export"
    done = tgtui_run("export", "--format", "tde", "--out", str(out), "--demo", home=home)
    assert done.returncode == 0, done.stderr
    assert (out / "result.json").is_file()


def test_a_date_that_is_not_one_says_the_format(tmp_path: Path) -> None:
    home = tmp_path / "home"
    backup = two_chats(tmp_path / "backup") and tmp_path / "backup"
    for command in (("search", "riverword", "--in", str(backup)), ("export", str(backup))):
        done = tgtui_run(*command, "--since", "yesterday", home=home)
        assert done.returncode == 2
        assert "YYYY-MM-DD" in done.stderr  # what to type instead
        no_traceback(done)
