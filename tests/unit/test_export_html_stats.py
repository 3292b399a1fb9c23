"""The statistics pages' charts and the pictures of the HTML export, without a browser: the
SVG writer (escaping, empty data, one month, gaps, centuries, hostile names), the page's
words, and the saved pictures placed safely (a hostile backup's paths never followed)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.reader.stranger import Chat, line, message, write_backup
from tgtui.archive.folder import open_archive
from tgtui.export import html_svg, run
from tgtui.export.files import FilePlacer, SavedPictures
from tgtui.export.html_stats import day_columns, month_columns, span, stats_body, stats_page
from tgtui.export.html_svg import Column, Row, columns, heat_map, nice_step, ranked
from tgtui.format.userpics import chat_peer
from tgtui.stats.figures import Figures, Ranked

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> \u202eevil\u202c & \"quoted\"\n" + "long " * 20


def _svg(text: str) -> ET.Element:
    """The chart as XML (a well-formed SVG, whatever its names held)."""
    return ET.fromstring(text)


def _tips(svg: ET.Element) -> list[str]:
    return [t.text or "" for rect in svg.iter(f"{SVG}rect") for t in rect.iter(f"{SVG}title")]


def test_a_hostile_name_is_text_in_a_chart_cut_to_its_length() -> None:
    chart = ranked([Row(HOSTILE, 3, "3 (100.0%)"), Row("Ana", 1, "1")], "Top senders", "messages")
    assert "<script" not in chart
    assert "\u202e" not in chart
    svg = _svg(chart)
    labels = [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels[0].startswith("<script>alert('x')</scri")
    assert len(labels[0]) <= html_svg.LABEL_CHARS
    assert labels[0].endswith("…")
    assert "\n" not in labels[0]
    assert _tips(svg)[0].startswith("<script>alert('x')</script> evil & \"quoted\"")
    assert svg.get("width") == "720"
    assert svg.get("viewBox") == f"0 0 720 {svg.get('height')}"


def test_empty_data_draws_an_empty_chart() -> None:
    for chart in (
        columns([], "Messages by month", "messages a month"),
        ranked([], "Top senders", "messages"),
        heat_map([], "Messages by hour", ""),
    ):
        svg = _svg(chart)
        assert svg.get("width") == "720"
        assert int(svg.get("height") or 0) > 0
        assert all(rect.get("height") != "nan" for rect in svg.iter(f"{SVG}rect"))
    grid = _svg(heat_map([[0] * 24] * 7, "Messages by hour", "UTC"))
    cells = [r for r in grid.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(cells) == 7 * 24
    assert {r.get("class") for r in cells} == {"cell none"}


def test_one_month_is_one_labelled_column() -> None:
    bars = month_columns({"2024-03": (5, 10)})
    assert bars == [Column(5, "Mar 2024", "March 2024: 5 messages, 10 words")]
    svg = _svg(columns(bars, "Messages by month", "messages a month"))
    assert _tips(svg) == ["March 2024: 5 messages, 10 words"]
    assert "Mar 2024" in [t.text for t in svg.iter(f"{SVG}text")]
    assert "messages a month" in [t.text for t in svg.iter(f"{SVG}text")]


def test_months_without_messages_are_columns_at_zero_and_labels_never_overlap() -> None:
    bars = month_columns({"2023-11": (1, 2), "2025-02": (7, 9), "bad": (1, 1)})
    assert len(bars) == 16
    assert [b.value for b in bars if b.value] == [1, 7]
    assert [b.label for b in bars if b.label] == ["2023", "2024", "2025"]
    assert month_columns({"2023-11": (1, 2), "2025-02": (7, 9)}, words=True)[-1].value == 9
    # Every month of a hostile backup's centuries: by year, each labelled where there is room.
    wide = month_columns({"1970-01": (1, 1), "2026-05": (2, 2)})
    assert (
        len(wide) == 2026 - 1970 + 1 == len(month_columns({"1970-01": (1, 1), "2026-05": (2, 2)}))
    )
    svg = _svg(columns(wide, "Messages by year", "messages a year"))
    xs = [float(t.get("x") or 0) for t in svg.iter(f"{SVG}text") if t.get("y") == "216"]
    assert len(xs) < len(wide)
    assert all(b - a >= 4 * html_svg._CHAR for a, b in itertools.pairwise(xs))
    assert len(month_columns({"1970-01": (1, 1), "9999-12": (2, 2)})) == 9999 - 1970 + 1


def test_days_are_columns_with_the_days_between() -> None:
    bars = day_columns({"2024-02-28": (2, 4), "2024-03-02": (1, 1), "nonsense": (9, 9)})
    assert [b.value for b in bars] == [2, 0, 0, 1]  # 29 February, 1 March
    assert bars[2].label == "1 Mar"
    assert bars[0].tip == "28 February 2024: 2 messages, 4 words"


@pytest.mark.parametrize(
    ("top", "step"), [(0, 1), (3, 1), (9, 5), (40, 10), (41, 20), (1234, 500), (10**9, 5 * 10**8)]
)
def test_the_axis_steps_are_round(top: int, step: int) -> None:
    assert nice_step(top) == step


def test_lengths_of_time_are_in_words() -> None:
    assert span(0) == "0 seconds"
    assert span(45) == "45 seconds"
    assert span(3600 + 300) == "1 hour 5 minutes"
    assert span(3 * 86_400 + 4 * 3600 + 59) == "3 days 4 hours"


def test_a_page_of_no_messages_says_so_and_one_of_hostile_words_escapes_them() -> None:
    empty = Figures(since=None, until=None, time_zone="UTC")
    assert "No messages to count here." in stats_body(empty)
    figures = Figures(since=dt.datetime(2024, 1, 1).astimezone(), until=None, time_zone="UTC")
    figures.messages, figures.words = 3, 9
    figures.by_month = {"2024-01": (3, 9)}
    figures.words_top = [Ranked(HOSTILE, 2)]
    figures.senders = [Ranked("user1", 3, HOSTILE)]
    figures.sender_count = 1
    page = stats_page(figures, HOSTILE, "css/style.css", '<a href="index.html">All</a>')
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "script-src 'none'" in page
    assert '<dd data-figure="messages">3</dd>' in page
    assert "From 2024-01-01 00:00" in page


def test_a_chats_peer_is_named_as_a_records_from_id() -> None:
    assert chat_peer(123) == "user123"
    assert chat_peer(-456) == "chat456"
    assert chat_peer(-1_000_000_000_789) == "channel789"
    assert chat_peer(0) is None


# -- the saved pictures, placed safely ------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60


def _pictures(tmp_path: Path) -> tuple[SavedPictures, Path, Path]:
    backup = tmp_path / "backup"
    chat = backup / "chats" / "1_chat"
    (chat / "thumbs").mkdir(parents=True)
    (backup / "avatars").mkdir()
    export = tmp_path / "export"
    folder = export / "chats" / "chat_1"
    folder.mkdir(parents=True)
    placer = FilePlacer(chat, folder, {})
    return SavedPictures(placer, backup, export, "chats/chat_1", "channel5"), backup, export


def test_saved_pictures_are_placed_in_the_export_and_nothing_else(tmp_path: Path) -> None:
    pictures, backup, export = _pictures(tmp_path)
    chat = backup / "chats" / "1_chat"
    (chat / "thumbs" / "11.jpg").write_bytes(JPEG)
    (chat / "thumbs" / "12.jpg").write_bytes(b"not a picture at all")
    os.symlink("/etc/passwd", chat / "thumbs" / "13.jpg")
    os.mkfifo(chat / "thumbs" / "14.jpg")
    (tmp_path / "outside.jpg").write_bytes(JPEG)
    (backup / "avatars" / "user1_2.jpg").write_bytes(JPEG)
    (backup / "avatars" / "channel5_3.jpg").write_bytes(JPEG)
    os.symlink(tmp_path / "outside.jpg", backup / "avatars" / "user2_3.jpg")
    index = [
        {"peer": "user1", "photo_id": "2", "file": "avatars/user1_2.jpg"},
        {"peer": "channel5", "photo_id": "3", "file": "avatars/channel5_3.jpg"},
        {"peer": "user2", "photo_id": "3", "file": "avatars/user2_3.jpg"},
        {"peer": "user3", "photo_id": "3", "file": "../outside.jpg"},
        {"peer": "user4", "photo_id": "3", "file": "avatars/user1_2.jpg"},  # not its own
    ]
    (backup / "avatars" / "index.jsonl").write_text("".join(json.dumps(e) + "\n" for e in index))
    assert pictures.preview({"thumbnail": "thumbs/11.jpg"}) == "thumbs/11.jpg"
    assert (export / "chats" / "chat_1" / "thumbs" / "11.jpg").read_bytes() == JPEG
    for hostile in ("thumbs/12.jpg", "thumbs/13.jpg", "thumbs/14.jpg", "../../../outside.jpg",
                    "thumbs/../../outside.jpg", "/etc/passwd", 5):  # fmt: skip
        assert pictures.preview({"thumbnail": hostile}) is None, hostile
    assert pictures.userpic("user1") == "../../avatars/user1_2.jpg"
    assert pictures.userpic(pictures.chat or "") == "../../avatars/channel5_3.jpg"
    for peer in ("user2", "user3", "user4", "user9"):
        assert pictures.userpic(peer) is None, peer
    placed = sorted(str(p.relative_to(export)) for p in export.rglob("*") if p.is_file())
    assert placed == [
        "avatars/channel5_3.jpg",
        "avatars/user1_2.jpg",
        "chats/chat_1/thumbs/11.jpg",
    ]


def test_a_name_with_a_lone_surrogate_has_its_statistics(tmp_path: Path) -> None:
    chat = Chat(-1001, "Chat", [line(message(1, "hi", **{"from": "bad \ud800 name"}))])
    backup = write_backup(tmp_path / "backup", [chat])
    summary = run.export_backup(open_archive(backup), tmp_path / "out", "html")
    assert summary.problems == []
