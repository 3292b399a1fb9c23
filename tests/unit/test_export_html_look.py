"""A chat page of the HTML export reads like a chat (issue 32): messages grouped under one
sender as Telegram Desktop groups them (each condition of its rule breaks a group), userpics
of coloured initials taken safely from any name, replies quoting the message they answer,
and files shown in place only when they are what a browser can show."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.reader.stranger import DATE, message
from tgtui.export import html_pages, tde
from tgtui.export.html_media import Pictures, initials, playable
from tgtui.export.html_pages import HtmlChat

Record = dict[str, Any]


def _pages(folder: Path, records: list[Record], paths: dict[int, str] | None = None) -> str:
    """The pages one process writes for ``records`` (their text, one after the other)."""
    folder.mkdir(parents=True, exist_ok=True)
    chat = HtmlChat(folder, "Chat", "chats/chat_1")
    for record in records:
        path = (paths or {}).get(record["id"])
        converted = tde.message(record, path)
        assert converted is not None
        chat.add(record, converted, path)
    chat.finish()
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("messages*.html")))


def _joined(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'class="message joined" id="message(\d+)"', page)}


def _at(seconds: int, record: Record) -> Record:
    return {**record, "date_unixtime": str(seconds)}


def _local_midnight() -> int:
    return int(dt.datetime(2026, 3, 2).timestamp())  # naive: this machine's local time


FORWARDED = {"forwarded_from": "Chan", "forwarded_from_id": "channel9"}

# (what the second message is, whether it joins the first: Ana's, at DATE + 60)
CASES: dict[str, tuple[Record, bool]] = {
    "same sender, a minute later": (message(2, "b"), True),
    "900 s later": (_at(DATE + 60 + 900, message(2, "b")), True),
    "901 s later": (_at(DATE + 60 + 901, message(2, "b")), False),
    "another sender": (message(2, "b", from_id="user2", **{"from": "Bea"}), False),
    "via a bot": (message(2, "b", via_bot="@gif"), False),
    "forwarded": (message(2, "b", **FORWARDED), False),
}


@pytest.mark.parametrize("case", CASES)
def test_a_message_joins_the_one_before_as_telegram_desktop_groups_them(
    tmp_path: Path, case: str
) -> None:
    second, joins = CASES[case]
    page = _pages(tmp_path, [message(1, "a"), second])
    assert _joined(page) == ({2} if joins else set())
    one = page.split('id="message2"')[1].split("</div></div>")[0]
    assert ('class="from' in one) is not joins
    assert ("userpic" in one) is not joins


def test_forwarded_messages_join_within_a_second_of_the_same_origin(tmp_path: Path) -> None:
    records = [
        message(1, "a", **FORWARDED),
        message(2, "b", **FORWARDED),  # a minute later: apart
        _at(DATE + 120 + 1, message(3, "c", **FORWARDED)),  # a second later: joined
        _at(DATE + 120 + 1, message(4, "d", forwarded_from="Other", forwarded_from_id="user5")),
        _at(DATE + 120 + 1, message(5, "e")),  # not forwarded after a forwarded one
    ]
    assert _joined(_pages(tmp_path, records)) == {3}


def test_a_new_day_a_service_message_and_a_new_page_start_a_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    midnight = _local_midnight()
    across = [_at(midnight - 30, message(1, "a")), _at(midnight + 30, message(2, "b"))]
    assert _joined(_pages(tmp_path / "day", across)) == set()
    service = {**message(2, ""), "type": "service", "action": "pin_message"}
    records = [message(1, "a"), service, message(3, "c"), message(4, "d")]
    assert _joined(_pages(tmp_path / "service", records)) == {4}
    monkeypatch.setattr(html_pages, "PAGE_SIZE", 2)
    page = _pages(tmp_path / "pages", [message(n, "x") for n in range(1, 6)])
    assert _joined(page) == {2, 4}  # 1-2, 3-4, 5: each page starts a group


def test_a_reply_quotes_the_message_on_its_page_escaped_else_says_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_pages, "PAGE_SIZE", 3)
    hostile = {"from": "<img src=x onerror=alert(1)>", "from_id": "user6"}
    records = [
        message(1, "first <b>words</b>\nand more " + "long " * 40, **hostile),
        message(2, "", media_type="photo"),
        message(3, "to 1", reply_to_message_id=1),
        message(4, "to 3, on the page before", reply_to_message_id=3),
        message(5, "to 4", reply_to_message_id=4),
        message(6, "to 2", reply_to_message_id=5),
    ]
    records[5]["reply_to_message_id"] = 2  # a photo: quoted by its kind, on another page
    pages = _pages(tmp_path, records)
    found = re.search(r'id="message3".*?(<div class="reply">.*?</div>)', pages, re.DOTALL)
    assert found is not None
    quote = found.group(1)
    assert quote.startswith('<div class="reply"><a href="#message1">')
    assert "&lt;img src=x onerror=alert(1)&gt;</span>" in quote
    assert "first &lt;b&gt;words&lt;/b&gt; and more long" in quote  # one line
    assert quote.count("long") < 40
    assert "…</span>" in quote
    assert "<img" not in quote
    assert 'In reply to <a href="messages.html#message3">this message</a>' in pages
    assert '<a href="#message4"><span class="from' in pages
    assert 'In reply to <a href="messages.html#message2">this message</a>' in pages


def test_a_photo_alone_is_quoted_by_its_kind(tmp_path: Path) -> None:
    records = [message(1, "", media_type="photo"), message(2, "that", reply_to_message_id=1)]
    assert '<span class="quote">photo</span>' in _pages(tmp_path, records)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Ana Lima", "AL"),
        ("ana", "A"),
        ("Ana  Maria Lima", "AM"),
        ("", "?"),
        ("   ", "?"),
        ("<b>x</b> &y", "BY"),
        ("<<< >>>", "&lt;&gt;"),
        ('"quoted" name', "QN"),
        ("\u202eevil \u2066twin\u2069", "ET"),
        ("\ud800 \x00\x1b", "?"),
        ("\x1b[31m red", "3R"),
        ("e\u0301cole", "E\u0301"),
        ("🚀 Rocket", "🚀R"),
        ("👨\u200d👩\u200d👧 Family", "👨\u200d👩\u200d👧F"),
        ("👍🏽 ok", "👍🏽O"),
        ("ßtraße", "ß"),
        ("٣ arabic", "٣A"),
    ],
)
def test_initials_are_one_or_two_graphemes_of_any_name_escaped(name: str, shown: str) -> None:
    assert initials(name) == shown


def test_a_file_is_shown_in_place_only_when_it_is_what_a_browser_shows(tmp_path: Path) -> None:
    folder = tmp_path / "chat"
    (folder / "stickers").mkdir(parents=True)
    (folder / "stickers" / "1.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    (folder / "stickers" / "2.webp").write_bytes(b"noise of the right size")
    assert playable(folder / "stickers" / "1.webp")
    assert not playable(folder / "stickers" / "2.webp")
    assert not playable(folder / "stickers" / "3.webp")  # missing
    records = [
        message(n, "", media_type="sticker", mime_type="image/webp", sticker_emoji="<😀>")
        for n in (1, 2)
    ]
    page = _pages(folder, records, {1: "stickers/1.webp", 2: "stickers/2.webp"})
    assert '<img src="stickers/1.webp" loading="lazy" alt="Sticker &lt;😀&gt;">' in page
    assert '<div class="media file"><a href="stickers/2.webp">sticker' in page


def test_a_link_preview_is_a_card_with_its_words_escaped_and_only_a_web_address_linked(
    tmp_path: Path,
) -> None:
    page = _pages(
        tmp_path / "chat",
        [
            message(
                1,
                "see https://garden.example/post/7",
                media_type="web_page",
                web_page_url="https://garden.example/post/7",
                web_page_site="Garden & Co",
                web_page_title="Tomatoes <b>in</b> May",
                web_page_description="Line one\nline two",
            ),
            message(
                2,
                "careful",
                media_type="web_page",
                web_page_url="javascript:alert(1)",
                web_page_title='<script>alert("x")</script>',
            ),
            message(3, "old backup", media_type="web_page", web_page_url="https://old.example/"),
        ],
    )
    cards = re.findall(r'<div class="media link-preview">(.*?)</div>\n', page)
    assert cards[0] == (
        '<div class="site">Garden &amp; Co</div>'
        '<a class="title" href="https://garden.example/post/7" rel="noopener noreferrer">'
        "Tomatoes &lt;b&gt;in&lt;/b&gt; May</a>"
        '<div class="description">Line one<br>line two</div>'
    )
    assert '<div class="title">&lt;script&gt;' in cards[1]  # not linked, not run
    assert "javascript:" not in page
    assert "<script>" not in page
    # A backup made before the words were kept: its address, linked.
    assert 'href="https://old.example/"' in cards[2]


def test_a_link_preview_s_picture_takes_its_place_before_it_loads(tmp_path: Path) -> None:
    """The thumbnail's size the backup kept gives the card's picture its width and height
    (no jump of the page as lazy pictures load); a size not believed gives none."""

    class Saved(Pictures):
        def preview(self, record: Record) -> str | None:
            return f"thumbs/{record['id']}.jpg"

    folder = tmp_path / "chat"
    folder.mkdir()
    chat = HtmlChat(folder, "Chat", "chats/chat_1", pictures=Saved())
    sizes: list[tuple[object, object]] = [(320, 100), (0, 100), (True, 100), ("320", 100)]
    for n, (width, height) in enumerate(sizes, 1):
        record = message(
            n,
            "a link",
            media_type="web_page",
            web_page_url="https://garden.example/",
            web_page_title="Garden",
            thumbnail_width=width,
            thumbnail_height=height,
        )
        converted = tde.message(record, None)
        assert converted is not None
        chat.add(record, converted, None)
    chat.finish()
    page = (folder / "messages.html").read_text(encoding="utf-8")
    pictures = re.findall(r'<img src="thumbs/(\d)\.jpg"([^>]*)>', page)
    assert [n for n, _rest in pictures] == ["1", "2", "3", "4"]
    assert 'width="320" height="100"' in pictures[0][1]
    assert all("width=" not in rest for _n, rest in pictures[1:])
