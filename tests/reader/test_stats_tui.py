"""The statistics screen on a real backup (made from the sandbox): opened from the archive
for the chat under the cursor (`c`) and for every chat (`C`), it shows the figures
`tgtui stats --json` gives for the same chats, whole at 80x24 in English and Portuguese;
it counts in a thread (Escape goes back meanwhile), says when lines are damaged, shows
strangers' names cleaned, and draws in the app's theme."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.pilot import Pilot

from tests.reader.helpers import reader, status
from tests.tui.helpers import wait_for
from tests.tui.screen_text import footer_keys, rows, wrapped_mid_value
from tgtui import i18n
from tgtui.archive.service import ArchiveService
from tgtui.i18n import _, counted, number, pgettext, short_date, short_datetime
from tgtui.reader_app import ReaderApp
from tgtui.screens import stats
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.help import HelpScreen, keys_of
from tgtui.screens.palette import commands_of
from tgtui.screens.stats import Counted, StatsScreen
from tgtui.stats.wording import WEEKDAYS
from tgtui.widgets.archive_list import ArchiveList
from tgtui.widgets.stats_plots import HeatMap, SenderBars, TimePlot
from tgtui.widgets.stats_sections import SHOWN_PRIVATE

SMALL = (80, 24)


@pytest.fixture(params=["en", "pt_BR"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test in English, then in Brazilian Portuguese."""
    language = str(request.param)
    i18n.use(i18n.PORTUGUESE if language == "pt_BR" else i18n.ENGLISH)
    yield language
    i18n.use(i18n.ENGLISH)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The screen and `tgtui stats` in one time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def stats_json(folder: Path, *chats: int) -> dict[str, Any]:
    """What `tgtui stats --json` says of ``chats`` (every chat without any)."""
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "stats", "--in", str(folder), "--json"]
        + [str(chat) for chat in chats],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def open_stats(pilot: Pilot[Any], key: str) -> StatsScreen:
    """From the archive, the statistics screen ``key`` opens, once counted."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
    listing = app.screen.query_one(ArchiveList)
    await wait_for(pilot, lambda: bool(listing.shown))
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    await wait_for(pilot, lambda: screen.counted is not None, within=30)
    await pilot.pause(0.2)
    return screen


async def every_row(pilot: Pilot[Any], screen: StatsScreen) -> list[str]:
    """Every row the screen shows, scrolled through from the top, each page checked: 24 rows,
    no number on one row and its unit on the next."""
    body = screen.query_one("#stats-body")
    body.scroll_to(y=0, animate=False)
    await pilot.pause()
    seen: list[str] = []
    while True:
        lines = rows(pilot.app)
        assert len(lines) == pilot.app.size.height
        assert wrapped_mid_value(lines) == []
        seen.extend(lines)
        if body.scroll_y >= body.max_scroll_y:
            return seen
        body.scroll_to(y=body.scroll_y + body.size.height - 1, animate=False)
        await pilot.pause(0.1)


def local(iso: str) -> str:
    """A date of `--json` as the screen writes it."""
    return short_datetime(dt.datetime.fromisoformat(iso))


async def test_a_chats_statistics_are_those_of_tgtui_stats(backup: Path, language: str) -> None:
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        archive = app.screen
        chat = archive.query_one(ArchiveList).current
        assert chat is not None
        screen = await open_stats(pilot, "c")
        assert screen.chat == chat
        figures = stats_json(backup, chat.id)
        assert figures["messages"] > 0
        assert chat.name in status(app, "#stats-title")
        assert _("Counted from the backup as it is now.") in status(app, "#stats-status")
        assert "esc" in footer_keys(app)
        lines = await every_row(pilot, screen)
        screen_text = "\n".join(lines)
        for shown in (
            _("messages: {count}").format(count=number(figures["messages"])),
            _("words: {count}").format(count=number(figures["words"])),
            _("links: {count}").format(count=number(figures["links"])),
            _("senders: {count}").format(count=number(figures["sender_count"])),
            _("first message: {date}").format(date=local(figures["first"]["date"])),
            _("last message: {date}").format(date=local(figures["last"]["date"])),
            _("busiest day: {day}, {messages}").format(
                day=short_date(dt.date.fromisoformat(figures["busiest_day"]["day"])),
                messages=counted(
                    "{count} message", "{count} messages", figures["busiest_day"]["messages"]
                ),
            ),
            _("messages by hour of day and weekday (time zone {zone})").format(zone="UTC"),
        ):
            assert shown in screen_text, shown
        # The heat map's weekday totals, the top sender's bar, the media's counts.
        for weekday, hours in enumerate(figures["hours"]):
            row = next(line for line in lines if line.lstrip().startswith(_(WEEKDAYS[weekday])))
            assert number(sum(hours)) in row.split(), row
        top = figures["senders"][0]
        bar = next(line for line in lines if line.lstrip().startswith(top["name"][:15]))
        assert number(top["messages"]) in bar
        for kind in figures["media"].values():
            assert _("{count} messages").format(count=number(kind["messages"])) in screen_text
        # Escape goes back to the chats.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)


async def test_the_whole_backups_statistics_at_80x24(backup: Path, language: str) -> None:
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_stats(pilot, "C")
        assert screen.chat is None
        figures = stats_json(backup)
        lines = await every_row(pilot, screen)
        screen_text = "\n".join(lines)
        assert _("the whole backup") in status(app, "#stats-title")
        assert _("messages: {count}").format(count=number(figures["messages"])) in screen_text
        assert figures["by_day"] is None  # years of messages: drawn month by month
        assert _("messages by month") in screen_text
        months = figures["by_month"]
        first = months[0]["month"]
        label = stats.month_label(first)
        assert label == (f"{first[5:]}/{first[:4]}" if language == "pt_BR" else first)
        plot = screen.query_one(TimePlot)
        assert plot.series == [(stats.month_label(m["month"]), m["messages"]) for m in months]
        assert label in screen_text  # the first month labels the axis
        senders = screen.query_one(SenderBars)
        assert [(s.name, s.count) for s in senders.senders] == [
            (s["name"], s["messages"]) for s in figures["senders"][:10]
        ]
        assert screen.query_one(HeatMap).hours == figures["hours"]
        for chat in figures["private_chats"][:SHOWN_PRIVATE]:
            assert any(line.lstrip().startswith(chat["name"][:20]) for line in lines), chat["name"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))


async def test_it_counts_in_a_thread_and_escape_goes_back_meanwhile(
    backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first count on a big backup takes a while: the screen says it is counting (and for
    how long), keys still work, Escape goes back; the count ending later harms nothing."""
    release = threading.Event()
    real = stats.count

    def slow(service: ArchiveService, chat: Any) -> Counted:
        assert threading.current_thread() is not threading.main_thread()
        release.wait(30)
        return real(service, chat)

    monkeypatch.setattr(stats, "count", slow)
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        archive = app.screen
        await wait_for(pilot, lambda: bool(archive.query_one(ArchiveList).shown))
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
        counting = _("Counting… {seconds} s").split("…")[0]
        await wait_for(pilot, lambda: counting in status(app, "#stats-status"))
        # The count of seconds goes on while the figures are counted (1, 2, ... as they pass).
        ticking = [_("Counting… {seconds} s").format(seconds=n) for n in range(1, 60)]
        await wait_for(pilot, lambda: any(t in status(app, "#stats-status") for t in ticking))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)
        release.set()
        await pilot.pause(0.5)
        assert app.screen is archive
        # Opened again, it counts again and shows the figures.
        screen = await open_stats(pilot, "C")
        assert screen.counted is not None
        assert screen.counted.figures is not None


async def test_damaged_lines_are_said(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    chat = manifest["chats"][0]
    with (backup / chat["path"] / "messages.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "not a record"\n')
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_stats(pilot, "C")
        assert screen.counted is not None
        assert screen.counted.figures is not None
        assert screen.counted.figures.damaged == 1
        said = counted(
            "note: {count} damaged line of the backup is not counted",
            "note: {count} damaged lines of the backup are not counted",
            1,
        )
        assert said in status(app, "#stats-status")


async def test_strangers_names_are_shown_cleaned(hostile_backup: Path) -> None:
    """Senders, chats and words of a hostile backup: no control character, no bidi override,
    no markup read as markup reaches the screen."""
    app = ReaderApp(ArchiveService(hostile_backup))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_stats(pilot, "C")
        assert screen.counted is not None
        assert screen.counted.figures is not None
        figures = screen.counted.figures
        assert any(not s.name.isprintable() for s in figures.senders) or any(
            "[" in s.name for s in figures.senders
        )
        drawn = [screen.query_one(SenderBars).render(), screen.query_one("#stats-terms").render()]
        for renderable in drawn:
            text = str(renderable)
            assert not any(ord(c) < 0x20 and c != "\n" for c in text), text
            assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in text)
        lines = await every_row(pilot, screen)
        assert lines


async def test_it_follows_the_apps_theme(backup: Path) -> None:
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_stats(pilot, "c")
        for theme in ("catppuccin-latte", "textual-dark"):
            app.theme = theme
            await pilot.pause(0.2)
            primary = Color.parse(app.theme_variables["primary"]).rich_color
            heat = screen.query_one(HeatMap).get_component_rich_style("heat-map--cell")
            bars = screen.query_one(SenderBars).get_component_rich_style("sender-bars--bar")
            assert heat.color == primary
            assert bars.color == primary
            plot = screen.query_one(TimePlot)
            background = Color.parse(app.theme_variables["surface"]).rich_color
            segments = list(plot.render_line(0))
            assert any(s.style is not None and s.style.bgcolor == background for s in segments), (
                theme
            )


async def test_the_palette_and_the_keys_screen_offer_it(backup: Path, language: str) -> None:
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        archive = app.screen
        await wait_for(pilot, lambda: bool(archive.query_one(ArchiveList).shown))
        commands = {command.title: command for command in commands_of(archive)}
        assert _("Statistics of the chat") in commands
        assert _("Statistics of the backup") in commands
        assert ("c", _("Stats")) in [(k, _(n)) for k, n in keys_of(archive)]
        assert ("C", _("All stats")) in [(k, _(n)) for k, n in keys_of(archive)]
        ran = commands[_("Statistics of the backup")].callback()
        if inspect.isawaitable(ran):
            await ran
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.chat is None
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.under_title == pgettext("screen", "Statistics")
        assert ("esc", "Back") in help_screen.rows
