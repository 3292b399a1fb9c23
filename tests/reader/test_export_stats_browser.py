"""The statistics pages of the HTML export in a real browser (headless Chromium, issue 33):
each chat's and the whole export's render from file:// with their charts (inline SVG, sized),
nothing is asked of the network, every figure is the one `tgtui stats --json` gives for the
same chats, and a hostile backup's names are text, in the light and the dark scheme."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.reader.browser import browser_page, chromium
from tests.reader.test_export_browser import _watched
from tgtui.archive.folder import open_archive
from tgtui.cli import main
from tgtui.export.run import chat_folder

pytestmark = pytest.mark.skipif(
    chromium() is None and not os.environ.get("CI"),
    reason="needs Chromium (Debian: apt install chromium); CI installs it and never skips",
)

# Every chart of a page: its kind, its laid-out size, and the tooltip of each bar or cell.
_CHARTS = """() => Array.from(document.querySelectorAll("svg.chart"), svg => {
  const box = svg.getBoundingClientRect();
  return [svg.getAttribute("class"), box.width, box.height,
          svg.querySelector(":scope > title").textContent,
          Array.from(svg.querySelectorAll("rect > title"), t => t.textContent)];
})"""

_FIGURES = """() => Object.fromEntries(Array.from(document.querySelectorAll("dd[data-figure]"),
  d => [d.dataset.figure, d.textContent]))"""


def _stats_json(backup: Path, capsys: pytest.CaptureFixture[str], *chats: str) -> Any:
    capsys.readouterr()
    assert main(["stats", *chats, "--in", str(backup), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _month_tips(tips: list[str]) -> dict[str, tuple[int, int]]:
    """A by-month chart's tooltips ("March 2024: 12 messages, 130 words") as months with
    messages ("2024-03" -> (12, 130))."""
    months = "January February March April May June July August September October November December"
    found = {}
    for tip in tips:
        match = re.fullmatch(r"(\w+) (\d{4}): ([\d,]+) messages?, ([\d,]+) words", tip)
        assert match is not None, tip
        month = months.split().index(match[1]) + 1
        count, words = _count(match[3]), _count(match[4])
        if count or words:
            found[f"{match[2]}-{month:02}"] = (count, words)
    return found


def _check_page(page: Any, html: Path, expected: Any) -> None:
    """The statistics page ``html`` (open in ``page``) shows the figures ``expected`` (`tgtui
    stats --json`'s) and its charts are drawn, at a size."""
    page.goto(html.as_uri())
    shown = page.evaluate(_FIGURES)
    for key in ("messages", "words", "links", "sender_count", "edited", "deleted"):
        assert _count(shown[key]) == expected[key], key
    assert _count(shown["service_messages"]) == expected["service_messages"]
    charts = {title: (kind, width, height, tips) for kind, width, height, title, tips in
              page.evaluate(_CHARTS)}  # fmt: skip
    for kind, width, height, _tips in charts.values():
        assert "chart" in kind
        assert width > 300
        assert height > 40  # a ranked chart of one row is that low
    by_month = {row["month"]: (row["messages"], row["words"]) for row in expected["by_month"]}
    assert _month_tips(charts["Messages by month"][3]) == by_month
    cells = charts["Messages by hour of day and weekday"][3]
    grid = [[0] * 24 for _ in range(7)]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    for tip in cells[: 7 * 24]:
        match = re.fullmatch(r"(\w+), (\d\d):00 to \d\d:59: ([\d,]+) messages", tip)
        assert match is not None, tip
        grid[days.index(match[1])][int(match[2])] = _count(match[3])
    assert grid == expected["hours"]
    senders = [tip.rsplit(": ", 1) for tip in charts["Top senders"][3]]
    assert [(name, _count(n.split(" ")[0])) for name, n in senders] == [
        (s["name"] or s["id"] or "unknown", s["messages"]) for s in expected["senders"]
    ]
    words = [tip.rsplit(": ", 1) for tip in charts.get("Most used words", ("", 0, 0, []))[3]]
    assert [(w, _count(n)) for w, n in words] == [
        (w["word"], w["count"]) for w in expected["top_words"]
    ]
    media = page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-table=media] tr td:nth-child(2)"),
        td => td.textContent)"""
    )
    assert [_count(n) for n in media] == [m["messages"] for m in expected["media"].values()]


def test_the_statistics_pages_render_and_say_what_tgtui_stats_says(
    backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export"
    chats = open_archive(backup).chats
    assert main(["export", str(backup), "--out", str(out), "--format", "html"]) == 0
    whole = _stats_json(backup, capsys)
    with browser_page(height=1200) as page:
        failed, errors, asked = _watched(page)
        # From the list of chats to the whole export's page, and from a chat's page to its own.
        page.goto((out / "index.html").as_uri())
        page.locator(".stats-link a").click()
        page.wait_for_url("**/export/stats.html")
        _check_page(page, out / "stats.html", whole)
        listed = page.locator("table.chats td:first-child a")
        assert listed.count() == len(chats)
        for index, chat in enumerate(chats, 1):
            folder = out / chat_folder(index, len(chats))
            page.goto((folder / "messages.html").as_uri())
            page.locator("header .bar a.stats").click()
            page.wait_for_url(f"**/{chat_folder(index, len(chats))}/stats.html")
            _check_page(page, folder / "stats.html", _stats_json(backup, capsys, str(chat.id)))
        # The dark scheme: the charts take the page's colours.
        page.emulate_media(color_scheme="dark")
        page.goto((out / "stats.html").as_uri())
        fill = page.evaluate("getComputedStyle(document.querySelector('svg.chart rect.col')).fill")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert fill == "rgb(106, 178, 242)"
        assert background == "rgb(15, 18, 22)"
    assert failed == []
    assert errors == []
    assert asked
    assert all(url.startswith("file://") for url in asked)


def test_a_hostile_backups_statistics_are_text(hostile_backup: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert main(["export", str(hostile_backup), "--out", str(out), "--format", "html"]) == 0
    dialogs: list[str] = []
    pages = [out / "stats.html", *sorted(out.glob("chats/*/stats.html"))]
    assert len(pages) > 1
    with browser_page() as page:
        failed, errors, asked = _watched(page)

        def refuse(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", refuse)
        for html in pages:
            page.goto(html.as_uri())
            tags = set(page.evaluate("Array.from(document.querySelectorAll('*'), e => e.tagName)"))
            # Only what the statistics pages write (SVG's tags are lower case).
            assert tags <= {
                "HTML", "HEAD", "META", "TITLE", "LINK", "BODY", "DIV", "HEADER", "MAIN", "H1",
                "H2", "A", "P", "DL", "DT", "DD", "SECTION", "FIGURE", "TABLE", "TBODY", "TR",
                "TD", "TH", "svg", "title", "desc", "text", "rect", "line",
            }, (html, tags)  # fmt: skip
            assert page.locator("svg.chart").count() >= 3
    assert dialogs == []
    assert failed == []
    assert errors == []
    assert all(url.startswith("file://") for url in asked)
    text = "".join(p.read_text("utf-8") for p in pages)
    assert "<script" not in text
