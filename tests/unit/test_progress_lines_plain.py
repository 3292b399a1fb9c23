"""--progress lines writes each line to stderr as it is: plain text, a chat's name literal
(Rich's print turned ":smile:" in a name into an emoji; no markup, no escapes either)."""

from __future__ import annotations

import pytest

from tgtui.backup.progress import ChatStarted
from tgtui.commands.backup_progress import reporter
from tgtui.commands.common import Stderr


def test_a_chat_starting_is_one_plain_line_with_its_name_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = reporter("lines", Stderr(), 1, 30.0)
    assert report is not None
    name = "Hikers :smile: [bold]club[/bold] \x1b[31mred"
    capsys.readouterr()  # "backing up 1 chat"
    report(ChatStarted(-100123, name, 0))
    written = capsys.readouterr().err
    assert written == "started: Hikers :smile: [bold]club[/bold] \u241b[31mred (-100123)\n"
    assert ":smile:" in written
    assert "[bold]club[/bold]" in written
    assert "\x1b" not in written  # the reporter cleaned the escape
