"""A command's stderr off a terminal (cron, systemd, a script's pipe) writes what Rich's
console wrote, line for line, without loading Rich; on a terminal it is Rich's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tgtui.backup.progress import ChatFinished
from tgtui.backup.selection import ChatTarget
from tgtui.backup.summary import summary_table
from tgtui.commands.common import Stderr, rich_stderr
from tgtui.styled import line

NAMES = [
    "Family",
    "Ana ",
    "a:smile:b",  # an emoji code: Rich replaces it in a string, not in a Text
    "x" * 150 + "   ",  # wider than the terminal: soft wrap keeps it one line
    "\u241b[31mred",  # what `clean` leaves of an escape
    "日本語のチャット 👩‍👩‍👧",
    "tab\there",  # a tab: Rich expands it
    "bell\a and return\r",
    "e\u0301\u0301\u0301",
    ":",
    "",
]


def _said(monkeypatch: pytest.MonkeyPatch, say: object) -> str:
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    for what in say if isinstance(say, list) else [say]:
        Stderr().print(what)
    plain = out.getvalue()
    out.seek(0)
    out.truncate()
    console = rich_stderr()
    for what in say if isinstance(say, list) else [say]:
        console.print(what.rich_text() if hasattr(what, "rich_text") else what)
    assert plain == out.getvalue(), (plain, out.getvalue())
    return plain


def test_what_is_written_without_rich_is_what_rich_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "40")
    for name in NAMES:
        _said(monkeypatch, f"tgtui backup: {name}")
        _said(monkeypatch, line(("warning:", "yellow"), f" {name}"))
    results = [
        ChatFinished(
            ChatTarget(chat_id=i, name=name, type="group", username=None, input_peer=None),
            Path(),
            "partial",
            "stopped",
            10,
            4,
            2,
            1,
        )
        for i, name in enumerate(NAMES)
    ]
    table = summary_table(results, all_rows=True)
    said = _said(monkeypatch, [table, line(("note:", "cyan"), " done")])
    assert said.splitlines()[0] == "partial: Family: 10 messages (4 new), 2 files; stopped"
    assert said.splitlines()[-1] == "note: done"


def test_off_a_terminal_it_is_plain_and_on_one_it_is_rich(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    err = Stderr(io.StringIO())
    err.print(line(("stopped:", "red"), " why"))
    assert not err.is_terminal
    assert err._console is None  # Rich was never needed
    monkeypatch.setenv("FORCE_COLOR", "1")  # as a terminal, to Rich
    drawn = io.StringIO()
    err = Stderr(drawn)
    assert err.is_terminal
    err.console().file = drawn
    err.print(line(("stopped:", "red"), " why"))
    assert "\x1b[" in drawn.getvalue()  # styled
    assert "stopped: why" in drawn.getvalue().replace("\x1b[31m", "").replace("\x1b[0m", "")
