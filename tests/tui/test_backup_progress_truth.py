"""The backup screen tells the truth about a backup with a big file that comes down slowly:
the bar and the time left count messages and files together, so it never says 100 % or
"ETA 0:00" while bytes are still coming; at 80 columns, in English and Portuguese, no value is
wrapped mid-unit and each chat keeps its files column; following is a state the screen shows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import make_app, running, text_of, wait_for
from tgtui.app import TgtuiApp
from tgtui.backup.job import BackupJob
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.screens.backup import BackupScreen
from tgtui.screens.help import HelpScreen
from tgtui.widgets.backup_rows import BackupRows

BIG = 2_400_000  # the biggest chat's oldest message: a document this big
RATE = 800_000  # bytes a second the sandbox sends on each connection: 3 s for the file
pytestmark = pytest.mark.timeout(240)
# Some of the file's bytes of all of them, as the screen writes it ("1.2/2.4 MB", "950 KB/2.4
# MB" in one value), not none of them ("0/2.4 MB").
PARTLY = re.compile(r"(?<![\d.,])(?!0/)\d[\d.,]*( KB| B)?/2[.,]4 MB")


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=3, dialogs=4, messages=150, media=False, files=(BIG,))
    return SandboxOptions(world=world)


def job_of(app: TgtuiApp) -> BackupJob:
    screen = app.screen
    assert isinstance(screen, BackupScreen)
    return screen.job


async def open_all(pilot: Pilot[Any], app: TgtuiApp, out: Path) -> BackupJob:
    """Select every chat, press b, choose the folder, wait for Telegram's counts."""
    await wait_for(pilot, lambda: re.search(r"\d", text_of(app, "#dialog-count")), what="chats")
    await pilot.press("a", "b")
    await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen), what="the backup screen")
    app.screen.query_one("#backup-out", Input).value = str(out)
    # Documents only: stickers have no filter to count them, and would make the size a guess.
    app.screen.query_one("#backup-media", Input).value = "document"
    job = job_of(app)

    def estimated() -> bool:  # every chat estimated, with Telegram's counts of its files
        shown = text_of(app, "#backup-estimate")  # "estimating 2 of 4…" while it goes
        return job.options.media.kinds == {"document"} and "…" not in shown and " · " in shown

    await wait_for(pilot, estimated, what="the estimates")
    return job


async def watch_until_finished(pilot: Pilot[Any], job: BackupJob) -> list[str]:
    """Every overall line the screen drew, frame after frame, until the backup ended."""
    seen: list[str] = []
    while job.state != "finished":
        await pilot.pause(0.05)
        seen.append(text_of(pilot.app, "#backup-overall"))
    return seen


def percent_of(line: str) -> int:
    found = re.search(r"(\d+)%", line)
    assert found is not None, line
    return int(found.group(1))


async def test_a_slow_big_file_keeps_the_bar_below_100_and_the_time_left_above_0(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_all(pilot, app, tmp_path / "out")
        estimate = text_of(app, "#backup-estimate")
        assert " · 1 file, 2.4 MB" in estimate  # Telegram's count, and the file seen: exact
        sandbox.faults.bandwidth = RATE
        await pilot.press("ctrl+s")
        drawn = await watch_until_finished(pilot, job)
        sandbox.faults.bandwidth = 0
        coming = [line for line in drawn if "0/1 file" in line]  # the file not saved yet
        partly = [line for line in coming if PARTLY.search(line)]
        assert len(partly) >= 3, drawn  # it took seconds: it was seen coming down
        for line in coming:
            assert percent_of(line) < 100, line
            assert "ETA 0:00" not in line, line
        for line in partly:
            assert re.search(r"ETA \d+:\d\d", line), line
        await wait_for(pilot, lambda: "Backup finished" in text_of(app, "#backup-summary"))
        done = text_of(app, "#backup-overall")
        assert "100%" in done
        assert "ETA" not in done


@pytest.mark.parametrize("language", ["en", "pt_BR"])
async def test_at_80_columns_no_value_is_cut_and_each_chat_keeps_its_files(
    sandbox: SandboxServer, tmp_path: Path, language: str, request: pytest.FixtureRequest
) -> None:
    if language == "pt_BR":
        request.getfixturevalue("portuguese")
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(80, 24)) as pilot:
        job = await open_all(pilot, app, tmp_path / "out")
        sandbox.faults.bandwidth = RATE
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: PARTLY.search(text_of(app, "#backup-overall")),
                       what="the file coming down")  # fmt: skip
        overall = text_of(app, "#backup-overall")
        rows = app.screen.query_one(BackupRows)
        width = rows.size.width
        lines = [rows.render_line(y).text for y in range(len(job.rows))]
        sandbox.faults.bandwidth = 0
        for line in overall.splitlines():  # a line never starts with a unit or a half value
            assert not re.match(r"\s*(B|KB|MB|GB|/|msg/s)\b", line), overall
            assert len(line) <= 78, overall
        assert PARTLY.search(overall), overall
        big = next(line for line in lines if "MB" in line)
        assert re.search(r"0/1 \S+ [\d.,]+/2[.,]4 MB", big), big  # its files column, whole
        for line in lines:
            assert len(line) <= width
        await wait_for(pilot, lambda: job.state == "finished", within=120, what="the end")


async def test_following_shows_itself_in_the_screen_the_footer_and_the_help(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        job = await open_all(pilot, app, tmp_path / "out")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Backup finished" in text_of(app, "#backup-summary"),
                       within=120, what="the summary")  # fmt: skip
        await pilot.press("F")
        await wait_for(pilot, lambda: "Following since" in text_of(app, "#backup-overall"),
                       what="following shown")  # fmt: skip
        assert "Following" in text_of(app, "#backup-title")
        assert "msg/s" not in text_of(app, "#backup-overall")
        assert "nothing new yet" in text_of(app, "#backup-overall")
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "Stop following" in footer
        assert "Keep following" not in footer
        row = next(iter(job.rows.values()))
        world = sandbox.world
        chat = next(
            world.chat(i) for i in range(len(world)) if world.chat(i).marked_id == row.chat_id
        )
        _message, event = sandbox.living.post(chat, "arrived while following")
        sandbox.push_event(chat, event)
        await wait_for(pilot, lambda: "1 new message" in text_of(app, "#backup-overall"),
                       what="what arrived")  # fmt: skip
        assert "the last change" in text_of(app, "#backup-overall")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        assert ("F", "Stop following") in app.screen.rows  # type: ignore[attr-defined]
        assert "Keep following" not in {d for _, d in app.screen.rows}  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen))
        await pilot.press("F")
        await wait_for(pilot, lambda: job.following is None and job.state == "finished",
                       what="following stopped")  # fmt: skip
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "Keep following" in footer
        assert "Following since" not in text_of(app, "#backup-overall")
