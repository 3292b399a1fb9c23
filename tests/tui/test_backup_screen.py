"""The backup screen driven from the chat list, against the sandbox with the real client:
estimate, start, pause/resume, cancel, leaving and coming back, flood countdown, failed
files and their retry, the summary, and quitting mid-backup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.flows.backup_helpers import read_ids, server_ids
from tests.tui.helpers import (
    chats_loaded,
    make_app,
    running,
    text_of,
    toasts,
    type_into,
    wait_for,
)
from tgtui.app import TgtuiApp
from tgtui.backup.checkpoint import load_checkpoint
from tgtui.backup.engine import STATE, chat_folder
from tgtui.backup.job import BackupJob
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.screens.backup import BackupScreen
from tgtui.screens.confirm import ConfirmScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.export import ExportScreen
from tgtui.widgets.backup_rows import BackupRows


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=41, dialogs=60, messages=3000, max_file_size=600 * 1024)
    return SandboxOptions(world=world)


def job_of(app: TgtuiApp) -> BackupJob:
    screen = app.screen
    assert isinstance(screen, BackupScreen)
    return screen.job


async def fill(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Paste into a field of the backup form (without Enter, which starts the backup)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.pause()


async def open_backup(
    pilot: Pilot[Any], app: TgtuiApp, out: Path, chats: int = 3, media: str = "none"
) -> BackupJob:
    """Select the first ``chats`` chats, press b, set folder and media, wait for the estimate."""
    await wait_for(pilot, lambda: chats_loaded(app))
    await pilot.press(*["space"] * chats)
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen), what="the backup screen")
    await fill(pilot, "#backup-out", str(out))
    await fill(pilot, "#backup-media", media)
    job = job_of(app)
    await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()), what="estimates")
    return job


# How long a whole backup may take here: a few seconds alone, but a shared machine running
# the suite on every core (CI's four workers on two CPUs) has taken over a minute. The tests
# here run one or two backups each: their own timeout is above two such bounds.
RUN_BOUND = 150.0
pytestmark = pytest.mark.timeout(2 * RUN_BOUND + 60)


async def until_summary(pilot: Pilot[Any], app: TgtuiApp, within: float = RUN_BOUND) -> str:
    """Wait for the run to end and its summary to show; return the summary."""
    job = job_of(app)
    await wait_for(
        pilot,
        lambda: job.state == "finished" and "Backup " in text_of(app, "#backup-summary"),
        within=within,
        what="the summary",
    )
    return text_of(app, "#backup-summary")


async def assert_exact(app: TgtuiApp, job: BackupJob) -> None:
    """Every chat's file holds every message of the chat, once, in order."""
    for row in job.rows.values():
        folder = chat_folder(job.options.out, row.target)
        assert read_ids(folder) == await server_ids(app.service.client, row.target)


async def test_backup_from_the_chat_list_to_the_summary(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, out, media="all")
        assert len(job.rows) == 3
        for row in job.rows.values():  # the estimate counts each chat as the server does
            assert row.total == len(await server_ids(app.service.client, row.target))
        assert "messages to fetch" in text_of(app, "#backup-estimate")
        assert "files" in text_of(app, "#backup-estimate")
        await pilot.press("ctrl+s")
        await until_summary(pilot, app)
        summary = text_of(app, "#backup-summary")
        assert "Backup finished" in summary
        assert str(out) in summary
        assert "Everything chosen is saved" in summary
        manifest = json.loads((out / "manifest.json").read_text())
        assert {c["status"] for c in manifest["chats"]} == {"complete"}
        assert len(manifest["chats"]) == 3
        assert job.totals().media_done > 0
        await assert_exact(app, job)
        # Again, later: only what is new is fetched (nothing, here).
        sandbox.log.clear()
        first_run = job.started
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.started != first_run, what="the second run")
        await until_summary(pilot, app)
        assert job.totals().new == 0
        # A channel's difference each, one account difference for the others; no history.
        channels = sum(1 for chat_id in job.rows if chat_id <= -1_000_000_000_000)
        assert len(sandbox.log.of("updates.getChannelDifference")) == channels
        assert len(sandbox.log.of("messages.getHistory")) == 0
        assert len(sandbox.log.of("updates.getDifference")) == 1
        await assert_exact(app, job)
        # Back to the chats: the footer says how it ended; b shows the summary again.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        await wait_for(pilot, lambda: "Backup finished: 3 chats" in text_of(app, "#backup-status"))
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        assert job_of(app) is job
        assert "Backup finished" in text_of(app, "#backup-summary")
        # e exports what was saved.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        exported = tmp_path / "exported"
        await type_into(pilot, "#export-out", str(exported))
        await wait_for(pilot, lambda: "Exported 3 chats" in text_of(app, "#export-status"), 60)
        assert (exported / "index.html").is_file()


async def test_pause_resume_cancel_one_chat_and_retry(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    # Slow enough that the chats are still running when the keys arrive (a chat's pages
    # come 4 at a time: tgtui.backup.windows).
    sandbox.faults.apply("latency=240")
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.totals().new >= 100, what="some progress")
        await pilot.press("p")
        await wait_for(pilot, lambda: "paused" in text_of(app, "#backup-overall"))
        await pilot.pause(0.4)  # what was in flight comes back
        sent = len(sandbox.log.of("messages.getHistory"))
        await pilot.pause(0.8)
        assert len(sandbox.log.of("messages.getHistory")) == sent  # nothing while paused
        assert job.running
        await pilot.press("p")  # the header says so at its next refresh
        await wait_for(pilot, lambda: "paused" not in text_of(app, "#backup-overall"))
        # Cancel the chat under the cursor (the first): the others go on to the end.
        rows = app.screen.query_one(BackupRows)
        first = rows.current
        assert first is not None
        if not first.ended:  # Space pauses just this chat, and resumes it
            await pilot.press("space")
            assert job.is_paused(first.chat_id)
            assert not job.is_paused()
            await wait_for(pilot, lambda: "paused" in rows.render_line(0).text)
            await pilot.press("space")
            assert not job.is_paused(first.chat_id)
        await pilot.press("x")
        await until_summary(pilot, app)
        assert first.status in ("partial", "done")  # it may have ended before the key
        if first.status == "partial":
            assert "cancelled" in (first.reason or "")
            assert "stopped before the end" in text_of(app, "#backup-summary")
            await pilot.press("r")  # retry: goes on with it
            await wait_for(pilot, lambda: first.status == "done", within=RUN_BOUND)
            await until_summary(pilot, app)
        assert "Everything chosen is saved" in text_of(app, "#backup-summary")
        await assert_exact(app, job)


async def test_cancel_all_asks_first_and_keeps_what_was_saved(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    # Slow enough that the backup is still running after the confirm dialog, twice, on a
    # busy machine (at 60 ms it sometimes finished first and there was nothing to cancel).
    sandbox.faults.apply("latency=600")  # still running when the keys arrive (4 windows)
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.totals().new >= 100, what="some progress")
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")  # changed my mind
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        assert job.running
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm")
        await until_summary(pilot, app)
        assert "stopped before the end" in text_of(app, "#backup-summary")
        saved = {r.chat_id: r.done for r in job.rows.values()}
        assert sum(saved.values()) >= 100
        for row in job.rows.values():
            checkpoint = load_checkpoint(
                chat_folder(job.options.out, row.target) / STATE, row.chat_id
            )
            if checkpoint is not None:
                ids = read_ids(chat_folder(job.options.out, row.target))
                assert checkpoint.messages == len(ids)  # never ahead of the file
        sandbox.faults.apply("latency=0")  # the retry may go as fast as it likes
        await pilot.press("r")
        await wait_for(
            pilot, lambda: job.state == "finished" and job.result is not None, within=RUN_BOUND
        )
        await wait_for(
            pilot, lambda: "Everything chosen is saved" in text_of(app, "#backup-summary")
        )
        await assert_exact(app, job)


async def test_leaving_the_screen_keeps_the_backup_running(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.faults.apply("latency=240")  # still running when the keys arrive (4 windows)
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.running)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        await wait_for(pilot, lambda: "Backup: " in text_of(app, "#backup-status"))
        assert "b to open" in text_of(app, "#backup-status")
        await pilot.press("ctrl+o")  # logging out would pull the session from under it
        await wait_for(pilot, lambda: any("A backup is running" in t for t in toasts(app)))
        assert isinstance(app.screen, DialogsScreen)
        assert app.signed_in
        await pilot.press("b")  # back to it while it runs
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        assert job_of(app) is job
        await pilot.press("escape")
        await wait_for(pilot, lambda: not job.running, within=RUN_BOUND, what="the end")
        await wait_for(pilot, lambda: any("Backup finished" in t for t in toasts(app)))
        await assert_exact(app, job)


async def test_flood_wait_shows_a_countdown_and_the_backup_completes(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out")
        sandbox.faults.apply("flood:messages.getHistory=12/1")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "every chat waits" in text_of(app, "#backup-flood"), what="banner"
        )
        assert "as Telegram asks" in text_of(app, "#backup-flood")
        await until_summary(pilot, app)
        sandbox.faults.flood.clear()
        assert text_of(app, "#backup-flood") == ""
        assert "Everything chosen is saved" in text_of(app, "#backup-summary")
        await assert_exact(app, job)


async def test_failed_files_are_listed_and_a_retry_saves_them(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out", chats=2, media="all")
        sandbox.faults.apply("file-ref-ttl=0")  # no file reference can be renewed in time
        await pilot.press("ctrl+s")
        await until_summary(pilot, app)
        assert "items failed" in text_of(app, "#backup-summary")
        await pilot.press("f")
        listing = text_of(app, "#backup-failures")
        assert "file of message" in listing
        assert "could not be renewed" in listing
        sandbox.faults.apply("file-ref-ttl=3600")
        await pilot.press("r")
        await wait_for(pilot, lambda: job.state == "running")
        await until_summary(pilot, app)
        assert "Nothing failed" in text_of(app, "#backup-failures")
        assert "Everything chosen is saved" in text_of(app, "#backup-summary")


async def test_bad_options_are_explained_and_nothing_starts(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out", chats=1)
        await fill(pilot, "#backup-media", "gifs")
        assert "Unknown media type gifs" in text_of(app, "#backup-form-error")
        await fill(pilot, "#backup-media", "photo")
        assert text_of(app, "#backup-form-error") == ""
        await fill(pilot, "#backup-since", "yesterday")
        assert "not a date" in text_of(app, "#backup-form-error")
        await fill(pilot, "#backup-since", "")
        await fill(pilot, "#backup-out", str(blocker / "backups"))
        await pilot.press("enter")
        assert "Cannot use" in text_of(app, "#backup-form-error")
        assert job.state == "ready"
        assert not blocker.with_name("backups").exists()


async def test_quitting_mid_backup_asks_then_stops_cleanly(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.faults.apply("latency=240")  # still running when the keys arrive (4 windows)
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_backup(pilot, app, tmp_path / "out")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.totals().new >= 100, what="some progress")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert job.running  # nothing stops before the answer
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: not job.running, what="the stop")
    assert app.return_code in (0, None)
    for row in job.rows.values():
        folder = chat_folder(job.options.out, row.target)
        checkpoint = load_checkpoint(folder / STATE, row.chat_id)
        if checkpoint is not None:
            assert checkpoint.messages == len(read_ids(folder))


async def test_keep_following_saves_what_arrives_until_stopped(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    out = tmp_path / "follow"
    async with running(app) as pilot:
        job = await open_backup(pilot, app, out, chats=2)
        await pilot.press("ctrl+s")
        await until_summary(pilot, app)
        await pilot.press("F")
        await wait_for(pilot, lambda: job.following is not None, what="following")
        saved_before = job.totals().new
        row = next(iter(job.rows.values()))
        world = sandbox.world
        chat = next(
            world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == row.chat_id
        )
        message, event = sandbox.living.post(chat, "arrived while following")
        sandbox.push_event(chat, event)
        await wait_for(pilot, lambda: job.following is not None and job.following.new >= 1,
                       what="the new message saved")  # fmt: skip
        assert read_ids(chat_folder(out, row.target))[-1] == message.id
        # What following saves adds to the run's count, refresh after refresh of the same
        # chat; a rate never runs backwards (each refresh counted from 0: -2 msg/s).
        message, event = sandbox.living.post(chat, "and another, later")
        sandbox.push_event(chat, event)
        await wait_for(pilot, lambda: job.following is not None and job.following.new >= 2,
                       what="the second message saved")  # fmt: skip
        assert job.totals().new == saved_before + 2
        assert job.totals().message_rate >= 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen))
        assert "Following 2 chats: 2 new" in text_of(app, "#backup-status")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        await pilot.press("F")
        await wait_for(pilot, lambda: job.following is None and job.state == "finished",
                       what="following stopped")  # fmt: skip
        assert read_ids(chat_folder(out, row.target))[-1] == message.id  # what arrived stays saved


async def test_quitting_while_following_stops_following_and_quits(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Ctrl+Q, "Stop and quit" while following: the follower stops at once and the app
    exits, saying what it does (it used to go on following, with no word)."""
    app = make_app(sandbox, tmp_path, signed_in=True)
    out = tmp_path / "follow"
    told: list[str] = []
    notify = app.notify

    def heard(message: str, **options: Any) -> None:  # the app exits right after it tells
        told.append(message)
        notify(message, **options)

    app.notify = heard  # type: ignore[method-assign]
    async with running(app) as pilot:
        job = await open_backup(pilot, app, out, chats=2)
        await pilot.press("ctrl+s")
        await until_summary(pilot, app)
        await pilot.press("F")
        await wait_for(pilot, lambda: job.following is not None, what="following")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Stop following and quit?" in text_of(app, ".dialog-title")
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: not job.running, what="following stopped", within=30)
        assert any("Stopping following" in message for message in told)
        await wait_for(pilot, lambda: app.return_code is not None, what="the app's exit")
    assert job.following is None


async def test_the_backup_rows_follow_a_light_theme(sandbox: SandboxServer, tmp_path: Path) -> None:
    """catppuccin-latte: every row of the chats being backed up, the empty ones below them
    too, is drawn on the theme's background (not the terminal's default: dark on light)."""
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(100, 30)) as pilot:
        app.theme = "catppuccin-latte"
        await open_backup(pilot, app, tmp_path / "out", media="none")
        await pilot.press("ctrl+s")
        await until_summary(pilot, app)
        rows = app.screen.query_one(BackupRows)
        assert rows.size.height > 3  # more lines than chats: blank rows are drawn too
        for y in range(rows.size.height):
            for segment in rows.render_line(y):
                assert segment.style is not None
                assert segment.style.bgcolor is not None, (y, segment)


async def test_the_running_lines_are_redrawn_without_laying_the_screen_out(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The overall line changes at every frame of a run (counts, rates, time left); laying
    the screen out again each time repainted every widget (a backup with the screen open ran
    at 0.77x the engine alone). It is laid out again only when its height changes."""
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        await open_backup(pilot, app, tmp_path / "out", media="all")
        overall = app.screen.query_one("#backup-overall", Static)
        layouts: list[bool] = []
        update = overall.update

        def spied(content: Any = "", *, layout: bool = True) -> None:
            layouts.append(layout)
            update(content, layout=layout)

        overall.update = spied  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await until_summary(pilot, app)
        assert "Backup finished" in text_of(app, "#backup-summary")
    assert len(layouts) >= 4  # redrawn as the run went
    assert layouts.count(True) <= len(layouts) // 2  # most of them in place
