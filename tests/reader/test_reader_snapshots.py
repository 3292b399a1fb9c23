"""SVG snapshots of reading a backup: the archive, a chat at its newest message, and search
results with their matches highlighted. The backup comes from the seeded sandbox, copied to
a fixed folder with fixed "last backup" times, and read in UTC, so every run draws the same.
Update after an intended change with `pytest tests/reader --snapshot-update`, and look at the
SVGs before committing them."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.reader.helpers import reader, status
from tests.tui.helpers import wait_for
from tgtui.reader_app import ReaderApp
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import SearchScreen
from tgtui.widgets.message_pictures import PictureLine
from tgtui.widgets.message_view import MessageView

SnapCompare = Callable[..., bool]
FOLDER = Path("/tmp/tgtui-snapshots/archive")  # shown on screen: the same path every run
# Both snapshot modules use /tmp/tgtui-snapshots: one worker runs them, one at a time.
pytestmark = pytest.mark.xdist_group("tgtui-snapshots")


@pytest.fixture
def app(made_backup: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReaderApp]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    shutil.rmtree(FOLDER, ignore_errors=True)
    shutil.copytree(made_backup, FOLDER)
    manifest = json.loads((FOLDER / "manifest.json").read_text())
    for chat in manifest["chats"]:
        chat["updated"] = "2026-11-20T09:30:00"
    (FOLDER / "manifest.json").write_text(json.dumps(manifest))
    yield reader(FOLDER)
    shutil.rmtree(FOLDER, ignore_errors=True)
    monkeypatch.undo()
    time.tzset()


async def _archive(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: "Search index built" in status(app, "#archive-status"), 30)  # type: ignore[arg-type]
    await pilot.pause(0.2)


async def _chat(pilot: Pilot[Any]) -> None:
    await _archive(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChatScreen))
    await wait_for(pilot, lambda: " of " in status(pilot.app, "#reader-status"))  # type: ignore[arg-type]
    view = pilot.app.screen.query_one(MessageView)
    await wait_for(pilot, lambda: pictures_drawn(view))  # decoded in a thread
    await pilot.pause(0.2)


def pictures_drawn(view: MessageView) -> bool:
    """Every picture on screen is drawn (or said not to be)."""
    pending = [
        row.text.slot.key
        for row in view.rows
        if isinstance(row.text, PictureLine)
        and row.text.slot.key not in view.pictures.cache
        and row.text.slot.key not in view.pictures.failed
    ]
    return not pending


async def _search(pilot: Pilot[Any]) -> None:
    await _archive(pilot)
    await pilot.press("s", *"garden")
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    await wait_for(pilot, lambda: screen.shown_for == "garden", within=30)  # not a partial word's
    await pilot.press("down")
    await pilot.pause(0.2)


def test_archive(snap_compare: SnapCompare, app: ReaderApp) -> None:
    assert snap_compare(app, terminal_size=(110, 30), run_before=_archive)


def test_chat_at_its_newest(snap_compare: SnapCompare, app: ReaderApp) -> None:
    assert snap_compare(app, terminal_size=(110, 30), run_before=_chat)


def test_search_results(snap_compare: SnapCompare, app: ReaderApp) -> None:
    assert snap_compare(app, terminal_size=(110, 30), run_before=_search)
