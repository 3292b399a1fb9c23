"""SVG snapshots of the account view at 80x24 in Portuguese (headings, a contact and a
session marked gone, a session on three lines) and of a forum's topic list at 80x24 in
English (marks, counts, last messages in columns). The backup comes from the seeded
sandbox, read in UTC; the times of the session the backup ran in are the run's own, so they
are set to one moment first. Update after an intended change with
`pytest tests/reader/test_forums_account_snapshots.py --snapshot-update`, and look at the
SVGs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.reader.helpers import reader
from tests.tui.helpers import wait_for
from tgtui import i18n
from tgtui.format.account import section_path
from tgtui.screens.account import AccountScreen
from tgtui.screens.topics import TopicsScreen
from tgtui.widgets.archive_list import ArchiveList

SnapCompare = Callable[..., bool]
RAN_AT = 1_768_000_000


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _fixed_current_session(folder: Path) -> None:
    """The session the backup ran in, dated at one moment (the sandbox dates it now)."""
    path = section_path(folder, "sessions")
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        value = json.loads(line)
        data = value.get("data")
        if isinstance(data, dict) and data.get("current"):
            data["last_active"] = data["created"] = RAN_AT
        lines.append(json.dumps(value, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def _archive(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.screen.query(ArchiveList)))
    await wait_for(pilot, lambda: bool(app.screen.query_one(ArchiveList).shown))


async def _account(pilot: Pilot[Any]) -> None:
    await _archive(pilot)
    await pilot.press("u")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
    await wait_for(pilot, lambda: getattr(app.screen, "data", None) is not None)
    await pilot.press("down", "down", "down")  # the cursor on the profile's last line
    await pilot.pause(0.2)


async def _forum(pilot: Pilot[Any]) -> None:
    await _archive(pilot)
    await pilot.press("slash", *"Green Kitchen", "enter", "enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen))
    await wait_for(pilot, lambda: getattr(app.screen, "forum", None) is not None)
    await pilot.pause(0.2)


def test_the_account_in_portuguese_at_80x24(
    snap_compare: SnapCompare, forum_backup: Path, utc: None
) -> None:
    _fixed_current_session(forum_backup)
    i18n.use(i18n.PORTUGUESE)
    try:
        assert snap_compare(reader(forum_backup), terminal_size=(80, 24), run_before=_account)
    finally:
        i18n.use(i18n.ENGLISH)


def test_a_forums_topics_at_80x24(snap_compare: SnapCompare, forum_backup: Path, utc: None) -> None:
    assert snap_compare(reader(forum_backup), terminal_size=(80, 24), run_before=_forum)
