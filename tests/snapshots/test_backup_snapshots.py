"""SVG snapshots of the backup screen: the estimate, a running backup, and the summary.

The app runs on a demo sandbox (in its own thread) with a mock clock, so rates, countdowns and
durations come out the same every run. The running state is drawn from engine events played
to the job (a real run never stops at the same place twice); the estimate and the summary come
from the real client and engine. Update after an intended change with
`pytest tests/snapshots --snapshot-update`, and look at the SVGs before committing them.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import chats_loaded, settings_for, wait_for
from tgtui.app import AppContext, TgtuiApp
from tgtui.backup.progress import ChatFinished, ChatProgress, ChatStarted, MediaProgress, Waiting
from tgtui.demo import DemoSandbox, demo_world
from tgtui.i18n import _
from tgtui.sandbox import SandboxOptions
from tgtui.screens.backup import BackupScreen
from tgtui.telegram.service import ClientSpec, TelegramService

SnapCompare = Callable[..., bool]
FOLDER = Path("/tmp/tgtui-snapshots/backups")  # shown on screen: the same path every run
# Both snapshot modules use /tmp/tgtui-snapshots: one worker runs them, one at a time.
pytestmark = pytest.mark.xdist_group("tgtui-snapshots")


class MockClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSandbox]:
    with DemoSandbox(SandboxOptions(world=demo_world(dialogs=60, messages=200))) as sandbox:
        yield sandbox


@pytest.fixture
def clock() -> MockClock:
    return MockClock()


@pytest.fixture
def app(demo: DemoSandbox, tmp_path: Path, clock: MockClock) -> Iterator[TgtuiApp]:
    from tgtui.sandbox import write_demo_session

    shutil.rmtree(FOLDER.parent, ignore_errors=True)
    assert demo.server is not None
    session = write_demo_session(demo.server, tmp_path / "s" / "demo.session")
    api_id, api_hash = demo.api
    service = TelegramService(ClientSpec(session, api_id, api_hash))
    service.open()
    settings = replace(settings_for(tmp_path), backup_dir=FOLDER)
    yield TgtuiApp(AppContext(service=service, settings=settings, demo=True, clock=clock))
    service.close()
    shutil.rmtree(FOLDER.parent, ignore_errors=True)


async def _estimate(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: chats_loaded(app), within=30)  # type: ignore[arg-type]
    await pilot.press("space", "space", "space", "space", "b")
    await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
    screen = app.screen
    assert isinstance(screen, BackupScreen)
    job = screen.job
    await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()), what="estimates")
    for field in screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.3)


def _running(clock: MockClock) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def drive(pilot: Pilot[Any]) -> None:
        await _estimate(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BackupScreen)
        job = screen.job
        first, second, third, _ = list(job.rows.values())
        job.state, job.started = "running", clock()
        play = job.on_event
        for row in (first, second, third):
            play(ChatStarted(row.chat_id, row.target.name, 0))
        clock.now += 4
        play(ChatProgress(first.chat_id, first.total or 0, first.total, first.total or 0))
        play(MediaProgress(first.chat_id, 7, 12, 0, 2_400_000, 5_100_000))
        play(ChatProgress(second.chat_id, 100, second.total, 100))
        slow_down = "Telegram asks us to slow down."
        play(Waiting(second.chat_id, "messages.getHistory", 23, "flood", slow_down))
        play(ChatProgress(third.chat_id, 100, third.total, 100))
        play(ChatFinished(third.target, Path(), "complete", None, 100, 100))
        clock.now += 1  # the wait shows 22 s left; the fourth chat is still queued
        await pilot.pause(0.3)

    return drive


async def _summary(pilot: Pilot[Any]) -> None:
    await _estimate(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BackupScreen)
    await pilot.press("ctrl+s")
    finished = _("Backup finished in {time}.").split("{")[0]  # in the language spoken
    await wait_for(
        pilot,
        lambda: finished in str(screen.query_one("#backup-summary").render()),
        within=60,
    )
    await pilot.pause(0.3)


def test_backup_estimate(snap_compare: SnapCompare, app: TgtuiApp) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=_estimate)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_backup_running(
    snap_compare: SnapCompare, app: TgtuiApp, clock: MockClock, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_running(clock))


def test_backup_summary(snap_compare: SnapCompare, app: TgtuiApp) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=_summary)


def test_backup_running_in_portuguese(
    snap_compare: SnapCompare, portuguese: None, app: TgtuiApp, clock: MockClock
) -> None:
    """The same screen in pt-BR: "conversas", "arquivos", 1.234 and 2,4 MB."""
    assert snap_compare(app, terminal_size=(80, 24), run_before=_running(clock))


def test_backup_summary_in_portuguese(
    snap_compare: SnapCompare, portuguese: None, app: TgtuiApp
) -> None:
    assert snap_compare(app, terminal_size=(120, 36), run_before=_summary)
