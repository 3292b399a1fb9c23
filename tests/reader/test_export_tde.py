"""`tgtui export --format tde` against Telegram Desktop itself: real exports it wrote
(tde_fixtures/, sources noted there) and the rules of its writer, `export_output_json.cpp`
(tdesktop, Telegram/SourceFiles/export/output/), that those short excerpts do not reach."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telethon.tl import types

from tgtui.backup.actions import action_fields
from tgtui.export import tde

FIXTURES = Path(__file__).parent / "tde_fixtures"


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sets the local time zone (Telegram Desktop writes local time) for one test."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
        monkeypatch.setattr(tde, "local_date", tde.local_dates())

    yield use
    monkeypatch.undo()
    time.tzset()


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        fixture = json.loads(path.read_text(encoding="utf-8"))
        for case in fixture["cases"]:
            out.append((path.stem, fixture, case))
    return out


@pytest.mark.parametrize(
    ("name", "fixture", "case"),
    _cases(),
    ids=[f"{n}-{c['tde']['id']}" for n, _, c in _cases()],
)
def test_exported_message_equals_telegram_desktops(
    name: str, fixture: dict[str, Any], case: dict[str, Any], zone: Any
) -> None:
    zone(fixture["timezone"])
    ours = tde.message(case["backup"], case.get("path"))
    assert ours is not None
    theirs = case["tde"]
    newer = set(fixture["newer_fields"])
    # Field by field, in Telegram Desktop's order; values and their JSON types included.
    same = {k: v for k, v in ours.items() if k not in newer or k in theirs}
    assert list(same) == list(theirs), f"{name}: keys differ"
    for key, value in theirs.items():
        assert json.dumps(same[key]) == json.dumps(value), f"{name} {theirs['id']}: {key}"


def test_chat_id_is_bare_as_in_the_exports() -> None:
    for path in FIXTURES.glob("*.json"):
        fixture = json.loads(path.read_text(encoding="utf-8"))
        assert tde.bare_id(fixture["peer_id"]) == fixture["chat"]["id"]
    assert tde.bare_id(123456) == 123456  # a user
    assert tde.bare_id(-4567) == 4567  # a basic group


def _line(**fields: Any) -> dict[str, Any]:
    base = {"id": 7, "type": "message", "date_unixtime": "1704290481", "from": "Ana"}
    return {**base, "from_id": "user1", **fields}


def test_service_messages_name_the_actor_and_telegram_desktops_fields(zone: Any) -> None:
    zone("UTC")
    pinned = tde.message({**_line(type="service", action="pin_message"), "reply_to_message_id": 3})
    assert pinned is not None
    assert (pinned["actor"], pinned["actor_id"], pinned["message_id"]) == ("Ana", "user1", 3)
    assert "from" not in pinned
    assert "reply_to_message_id" not in pinned
    custom = tde.message(_line(type="service", action="custom_action", information_text="Hi"))
    assert custom is not None
    assert custom["information_text"] == "Hi"
    assert "action" not in custom
    # A backup written before the names were fixed still exports with Telegram's names.
    old = tde.message(_line(type="service", action="set_messages_t_t_l", period=86400))
    assert old is not None
    assert (old["action"], old["period"]) == ("set_messages_ttl", 86400)
    paid = tde.message(_line(type="service", action="send_payment", amount=500, currency="EUR"))
    assert paid is not None
    assert "actor" not in paid


def test_media_fields_as_telegram_desktop_writes_them(zone: Any) -> None:
    zone("UTC")
    sticker = tde.message(
        _line(media_type="sticker", sticker_emoji="🙂", mime_type="image/webp", file_size=9)
    )
    assert sticker is not None
    assert list(sticker)[6:] == [
        "file",
        "file_size",
        "media_type",
        "sticker_emoji",
        "mime_type",
        "text",
        "text_entities",
    ]
    assert sticker["file"] == tde.NOT_INCLUDED
    document = tde.message(_line(media_type="file", file_name="a.pdf", mime_type="x/y"))
    assert document is not None
    assert "media_type" not in document
    gone = tde.message(_line(media_type="photo", media_unavailable=True), tde.UNAVAILABLE)
    assert gone is not None
    assert gone["photo"] == tde.UNAVAILABLE
    venue = tde.message(
        _line(
            media_type="location",
            location_information={"latitude": 1.5, "longitude": 2.5},
            place_name="Cafe",
            address="Main St",
        )
    )
    assert venue is not None
    assert list(venue)[6:9] == ["place_name", "address", "location_information"]
    link = tde.message(_line(media_type="web_page", web_page_url="https://x.org"))
    assert link is not None
    assert "web_page_url" not in link
    assert "media_type" not in link


def test_text_pieces_carry_telegram_desktops_extra_fields(zone: Any) -> None:
    zone("UTC")
    record = _line(
        text="a b c d",
        text_entities=[
            {"type": "text_link", "text": "a", "href": "https://e.org"},
            {"type": "plain", "text": " "},
            {"type": "custom_emoji", "text": "b", "document_id": 5368324170671202286},
            {"type": "plain", "text": " "},
            {"type": "blockquote", "text": "c"},
            {"type": "mention_name", "text": "d", "user_id": 42},
        ],
    )
    message = tde.message(record)
    assert message is not None
    pieces = message["text_entities"]
    assert pieces[0] == {"type": "text_link", "text": "a", "href": "https://e.org"}
    assert pieces[2]["document_id"] == "5368324170671202286"  # a string, as TDE writes it
    assert pieces[4] == {"type": "blockquote", "text": "c", "collapsed": False}
    assert pieces[5] == {"type": "mention_name", "text": "d", "user_id": 42}
    assert message["text"][1] == " "
    assert message["text"][0]["type"] == "text_link"


def test_local_time_follows_the_zone_across_a_dst_change(zone: Any) -> None:
    zone("Europe/Berlin")
    # 2024-03-31 01:30 UTC is 03:30 summer time; 00:30 UTC was 01:30 winter time.
    assert tde.local_date("1711848600") == "2024-03-31T03:30:00"
    assert tde.local_date("1711845000") == "2024-03-31T01:30:00"
    assert tde.local_date("not a date") is None


@pytest.mark.parametrize(
    ("action", "name"),
    [
        (types.MessageActionSetMessagesTTL(period=60), "set_messages_ttl"),
        (types.MessageActionGameScore(game_id=1, score=5), "score_in_game"),
        (types.MessageActionPaymentSent(currency="EUR", total_amount=1), "send_payment"),
        (types.MessageActionChatJoinedByRequest(), "join_group_by_request"),
        (types.MessageActionGiftPremium(currency="EUR", amount=1, days=30), "send_premium_gift"),
        (types.MessageActionSetChatTheme(theme=types.ChatTheme(emoticon="🌙")), "edit_chat_theme"),
        (types.MessageActionBotAllowed(domain="example.org"), "allow_sending_messages"),
        (types.MessageActionScreenshotTaken(), "take_screenshot"),
        (types.MessageActionContactSignUp(), "joined_telegram"),
        (types.MessageActionChatMigrateTo(channel_id=5), "migrate_to_supergroup"),
    ],
)
def test_backup_lines_use_telegram_desktops_action_names(action: Any, name: str) -> None:
    fields = action_fields(action, lambda peer: None)
    assert fields["action"] == name


def test_json_output_keeps_line_separators_escaped(tmp_path: Path) -> None:
    from tgtui.export.chat_export import dumps, loads

    text = dumps({"text": "a\u2028b\u2029c\x01"})
    assert b"\\u2028" in text
    assert b"\\u2029" in text
    assert b"\xe2\x80\xa8" not in text
    assert loads(text) == {"text": "a\u2028b\u2029c\x01"}
    # What orjson refuses, the standard library reads (a lone surrogate), and writes back.
    assert loads(b'{"a": "\\ud800"}') == {"a": "\ud800"}
    assert json.loads(dumps({"a": "\ud800", "n": 2**70})) == {"a": "\ud800", "n": 2**70}
