"""SVG snapshots of the statistics screen: a chat's at 80x24 in Portuguese (the key numbers
over the plot of messages by month), and the whole backup's at 200x50 in English (every
section, in two columns). The backup comes from the seeded sandbox, read in UTC, so every
run draws the same. Update after an intended change with
`pytest tests/reader/test_stats_snapshots.py --snapshot-update`, and look at the SVGs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.reader.helpers import reader
from tests.tui.helpers import wait_for
from tgtui import i18n
from tgtui.reader_app import ReaderApp
from tgtui.screens.stats import StatsScreen
from tgtui.widgets.archive_list import ArchiveList

SnapCompare = Callable[..., bool]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hours and days in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _opened_by(key: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: bool(app.screen.query(ArchiveList)))
        await wait_for(pilot, lambda: bool(app.screen.query_one(ArchiveList).shown))
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(pilot, lambda: screen.counted is not None, within=30)
        await pilot.pause(0.3)

    return run_before


def test_a_chats_statistics_in_portuguese_at_80x24(
    snap_compare: SnapCompare, backup: Path, utc: None
) -> None:
    i18n.use(i18n.PORTUGUESE)
    try:
        app: ReaderApp = reader(backup)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_opened_by("c"))
    finally:
        i18n.use(i18n.ENGLISH)


def test_the_whole_backups_statistics_at_200x50(
    snap_compare: SnapCompare, backup: Path, utc: None
) -> None:
    app = reader(backup)
    assert snap_compare(app, terminal_size=(200, 50), run_before=_opened_by("C"))
