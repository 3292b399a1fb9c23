"""The account's sections of the whole-account `result.json` against Telegram Desktop's
writer: golden excerpts written from its source (tdesktop,
Telegram/SourceFiles/export/output/export_output_json.cpp: `writePersonal`,
`writeUserpicsSlice`, `writeStoriesSlice`, `writeSavedContacts`, `writeFrequentContacts`,
`writeSessions`, `writeWebSessions`, `writeDialogStart` for a left chat; the `about` texts
from Telegram/Resources/langs/lang.strings), compared key by key, order and JSON types
included; and a hostile account/ folder, which never breaks the file."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tgtui.export import account_tde, tde
from tgtui.export.account_tde import (
    AccountData,
    after_chats,
    before_chats,
    contacts_order,
    format_phone,
    read_account,
)

# What Telegram Desktop writes for a profile picture or story file it did not save.
PHOTO_SKIPPED = "(Photo not included. Change data exporting settings to download.)"


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for one test (Telegram Desktop writes local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(tde, "local_date", tde.local_dates())
    yield
    monkeypatch.undo()
    time.tzset()


def _line(key: str, seen: int, data: dict[str, Any] | None) -> str:
    if data is None:
        return json.dumps({"key": key, "seen": seen, "removed": True})
    return json.dumps({"key": key, "seen": seen, "data": data})


def _write(out: Path, section: str, *lines: str) -> None:
    folder = out / "account"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{section}.jsonl").write_text("".join(line + "\n" for line in lines))


def _whole(account: AccountData) -> tuple[dict[str, Any], str]:
    """The account's part of result.json around an empty chats list, parsed, and as text."""
    text = (
        b'{\n "about": "x",\n'
        + before_chats(account)
        + b' "chats": {\n  "about": "y",\n  "list": [\n  ]\n }'
        + after_chats(account)
        + b"\n}\n"
    ).decode()
    return json.loads(text), text


def _same(ours: Any, theirs: Any, where: str = "") -> None:
    """Equal key by key: the same keys in the same order, the same values and JSON types."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} != {list(theirs)}"
        for key in theirs:
            _same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), where
        assert len(ours) == len(theirs), where
        for n, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _same(a, b, f"{where}[{n}]")
    else:
        assert json.dumps(ours) == json.dumps(theirs), f"{where}: {ours!r} != {theirs!r}"


def _golden_backup(out: Path) -> None:
    _write(
        out,
        "profile",
        _line(
            "self",
            1_700_000_000,
            {
                "user_id": 5_000_001,
                "first_name": "Ana",
                "last_name": "Costa",
                "phone": "79991234567",
                "username": "ana_c",
                "bio": "Hiking.",
            },
        ),
    )
    _write(
        out,
        "profile_pictures",
        _line("11", 1_700_000_000, {"photo_id": 11, "date": 1_690_000_000}),
        _line("12", 1_700_000_000, {"photo_id": 12, "date": 1_695_000_000}),
    )
    _write(
        out,
        "stories",
        _line(
            "3",
            1_700_000_000,
            {
                "id": 3,
                "date": 1_690_000_000,
                "expires": 1_690_086_400,
                "pinned": True,
                "caption": "x",
                "media_type": "MessageMediaPhoto",
            },
        ),
    )
    _write(
        out,
        "contacts",
        _line(
            "7",
            1_700_000_000,
            {"user_id": 7, "first_name": "bruno", "last_name": "", "phone": "12125550100"},
        ),
        _line(
            "8",
            1_700_000_100,
            {"user_id": 8, "first_name": "Álvaro", "last_name": "Z", "phone": "442071234567"},
        ),
        _line(
            "9",
            1_700_000_200,
            {"user_id": 9, "first_name": "Bia", "last_name": "", "phone": "5511987654321"},
        ),
        _line("9", 1_700_000_300, None),  # removed: not in the export
        _line("6", 1_700_000_400, {"user_id": 6, "first_name": "", "last_name": "", "phone": ""}),
        _line(
            "5",
            1_700_000_500,
            {"user_id": 5, "first_name": "Ann", "last_name": "", "phone": "4915112345678"},
        ),
        _line("5", 1_700_000_600, None),
        _line(  # added again: dated from then
            "5",
            1_700_000_700,
            {"user_id": 5, "first_name": "Ann", "last_name": "", "phone": "4915112345678"},
        ),
    )
    _write(
        out,
        "frequent_contacts",
        _line(
            "calls:7",
            1_700_000_000,
            {"id": 7, "category": "calls", "type": "user", "name": "Bruno", "rating": 0.5},
        ),
        _line(
            "people:8",
            1_700_000_000,
            {"id": 8, "category": "people", "type": "user", "name": "Álvaro", "rating": 0.25},
        ),
        _line(
            "people:40",
            1_700_000_000,
            {
                "id": 40,
                "category": "people",
                "type": "private_supergroup",
                "name": "Field Ops",
                "rating": 1.75,
            },
        ),
        _line(
            "inline_bots:50",
            1_700_000_000,
            {"id": 50, "category": "inline_bots", "type": "user", "name": "", "rating": 3},
        ),
    )
    session = {
        "hash": 0,
        "current": True,
        "last_active": 1_700_000_000,
        "ip": "203.0.113.5",
        "country": "Portugal",
        "region": "Lisbon",
        "app_name": "tgtui",
        "app_version": "",
        "device_model": "PC",
        "platform": "Linux",
        "system_version": "6.1",
        "created": 1_600_000_000,
    }
    other = {**session, "hash": 99, "current": False, "app_name": "", "app_version": "1.2"}
    _write(
        out,
        "sessions",
        _line("99", 1_700_000_000, {**other, "last_active": 1_650_000_000}),
        _line("0", 1_700_000_000, session),
    )
    _write(
        out,
        "web_sessions",
        _line(
            "4",
            1_700_000_000,
            {
                "hash": 4,
                "last_active": 1_680_000_000,
                "ip": "198.51.100.7",
                "region": "Porto",
                "bot_username": "",
                "domain": "example.org",
                "browser": "Firefox",
                "platform": "Linux",
                "created": 1_670_000_000,
            },
        ),
    )
    _write(
        out,
        "left_chats",
        _line(
            "1000",
            1_700_000_000,
            {"id": 1000, "title": "Old Club", "type": "public_channel", "username": "oldclub"},
        ),
    )


# Written from the writer's source, one section at a time (dates in UTC).
GOLDEN: dict[str, Any] = {
    "personal_information": {
        "user_id": 5000001,
        "first_name": "Ana",
        "last_name": "Costa",
        "phone_number": "+7 999 123 4567",
        "username": "@ana_c",
        "bio": "Hiking.",
    },
    "profile_pictures": [
        {"date": "2023-09-18T01:20:00", "date_unixtime": "1695000000", "photo": PHOTO_SKIPPED},
        {"date": "2023-07-22T04:26:40", "date_unixtime": "1690000000", "photo": PHOTO_SKIPPED},
    ],
    "stories": [
        {
            "date": "2023-07-22T04:26:40",
            "date_unixtime": "1690000000",
            "expires": "2023-07-23T04:26:40",
            "expires_unixtime": "1690086400",
            "pinned": True,
            "media": PHOTO_SKIPPED,
        }
    ],
    "contacts": {
        "about": (
            "If you allow access, your contacts are continuously synced with Telegram. Thanks "
            "to this, you can easily switch to Telegram and immediately connect with friends "
            "across all your devices. We use data about your contacts to let you know when "
            "they join Telegram, and to display them by the name you set for them in your "
            "phone.\n\nYou can disable contact syncing or delete your stored contacts in "
            "Settings > Privacy & Security on Telegram's mobile apps."
        ),
        "list": [
            # No name and no phone: only the date.
            {"date": "2023-11-14T22:20:00", "date_unixtime": "1700000400"},
            {
                "user_id": 5,
                "first_name": "Ann",
                "last_name": "",
                "phone_number": "+49 1511 2345678",
                "date": "2023-11-14T22:25:00",
                "date_unixtime": "1700000700",
            },
            {
                "user_id": 7,
                "first_name": "bruno",
                "last_name": "",
                "phone_number": "+1 212 555 0100",
                "date": "2023-11-14T22:13:20",
                "date_unixtime": "1700000000",
            },
            {  # "á" sorts after every ASCII letter in UTF-16, as in Qt
                "user_id": 8,
                "first_name": "Álvaro",
                "last_name": "Z",
                "phone_number": "+44 2071 234567",
                "date": "2023-11-14T22:15:00",
                "date_unixtime": "1700000100",
            },
        ],
    },
    "frequent_contacts": {
        "about": (
            "This rating shows which people you are likelier to message frequently. Telegram "
            "uses this data to populate the 'People' box at the top of the Search section. "
            "This rating is also calculated for inline bots so that the app can suggest the "
            "bots you are most likely to use in the attachment menu (or when you start a new "
            'message with "@").\n\nTo delete this data, go to Settings > Privacy & Security '
            "and disable 'Suggest Frequent Contacts' (requires Telegram for iOS v.4.8.3 or "
            "Telegram for Android v.4.8.10 or higher)."
        ),
        "list": [
            {
                "id": 40,
                "category": "people",
                "type": "private_supergroup",
                "name": "Field Ops",
                "rating": 1.75,
            },
            {"id": 8, "category": "people", "type": "user", "name": "Álvaro", "rating": 0.25},
            {"id": 50, "category": "inline_bots", "type": "user", "name": None, "rating": 3.0},
            {"id": 7, "category": "calls", "type": "user", "name": "Bruno", "rating": 0.5},
        ],
    },
    "sessions": {
        "about": (
            "We store session info to display your connected devices in Settings > Privacy & "
            "Security > Active Sessions."
        ),
        "list": [
            {
                "last_active": "2023-11-14T22:13:20",
                "last_active_unixtime": "1700000000",
                "last_ip": "203.0.113.5",
                "last_country": "Portugal",
                "last_region": "Lisbon",
                "application_name": "tgtui",
                # application_version: empty, left out (StringAllowEmpty)
                "device_model": "PC",
                "platform": "Linux",
                "system_version": "6.1",
                "created": "2020-09-13T12:26:40",
                "created_unixtime": "1600000000",
            },
            {
                "last_active": "2022-04-15T05:20:00",
                "last_active_unixtime": "1650000000",
                "last_ip": "203.0.113.5",
                "last_country": "Portugal",
                "last_region": "Lisbon",
                "application_name": None,  # StringAllowNull
                "application_version": "1.2",
                "device_model": "PC",
                "platform": "Linux",
                "system_version": "6.1",
                "created": "2020-09-13T12:26:40",
                "created_unixtime": "1600000000",
            },
        ],
    },
    "web_sessions": {
        "about": (
            "We store this to display the websites where you logged in using authentication "
            "via Telegram. This information is shown in Settings > Privacy & Security > Active "
            "Sessions."
        ),
        "list": [
            {
                "last_active": "2023-03-28T10:40:00",
                "last_active_unixtime": "1680000000",
                "last_ip": "198.51.100.7",
                "last_region": "Porto",
                "bot_username": None,
                "domain_name": "example.org",
                "browser": "Firefox",
                "platform": "Linux",
                "created": "2022-12-02T16:53:20",
                "created_unixtime": "1670000000",
            }
        ],
    },
    "left_chats": {
        "about": (
            "Below are the supergroups and channels from this export that you've left or "
            "where you were banned.\n\nNote that when you leave a channel or supergroup you've "
            "created, you have the option to either delete it, or simply leave (in case you "
            "want to rejoin later, or keep the community alive despite not being a member)."
        ),
        "list": [{"name": "Old Club", "type": "public_channel", "id": 1000, "messages": []}],
    },
}

# Telegram Desktop's order of the whole-account file (export_controller.cpp's steps).
ORDER = [
    "about",
    "personal_information",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
    "sessions",
    "web_sessions",
    "chats",
    "left_chats",
]


def test_each_section_is_telegram_desktops_key_by_key(tmp_path: Path, utc: None) -> None:
    out = tmp_path / "backup"
    _golden_backup(out)
    account = read_account(out)
    assert account.problems == []
    whole, text = _whole(account)
    assert list(whole) == ORDER
    for section, golden in GOLDEN.items():
        _same(whole[section], golden, section)
    # Numbers as the writer's NumberToString (std::to_string) writes a rating.
    assert '"rating":1.750000}' in text
    assert '"rating":3.000000}' in text


def test_sections_the_backup_does_not_have_are_left_out(tmp_path: Path, utc: None) -> None:
    out = tmp_path / "backup"
    whole, _text = _whole(read_account(out))  # no account/ at all
    assert list(whole) == ["about", "chats"]
    _write(out, "contacts")  # an empty section: there, with an empty list
    _write(out, "sessions", _line("0", 5, None))  # only a removed item: an empty list
    whole, _text = _whole(read_account(out))
    assert list(whole) == ["about", "contacts", "sessions", "chats"]
    assert whole["contacts"]["list"] == []
    assert whole["sessions"]["list"] == []


def test_a_profile_without_username_or_bio_leaves_them_out(tmp_path: Path, utc: None) -> None:
    out = tmp_path / "backup"
    profile = {"user_id": 1, "first_name": "A", "last_name": "", "phone": "", "username": ""}
    _write(out, "profile", _line("self", 5, {**profile, "bio": ""}))
    whole, _text = _whole(read_account(out))
    assert whole["personal_information"] == {
        "user_id": 1,
        "first_name": "A",
        "last_name": "",
        "phone_number": "",
    }


@pytest.mark.parametrize(
    ("phone", "formatted"),
    [
        ("79991234567", "+7 999 123 4567"),
        ("+7 999 123 45 67", "+7 999 123 4567"),  # spaces and + taken away first
        ("76011234567", "+7 601 123 45 67"),  # Kazakhstan: 7 then 6
        ("12125550100", "+1 212 555 0100"),
        ("12685551234", "+1268 555 1234"),  # the longer calling code wins
        ("5491112345678", "+54 91112345678"),  # a country without a pattern
        ("3361234", "+33 6 12 34"),  # a short number: no space after the last digit
        ("7999123456789", "+7 999 123 456789"),  # a long one: the rest after the pattern
        ("88812345678", "+888 1234 5678"),
        ("0123", "0123"),  # starting with 0: as it is
        ("9996621234", "9996621234"),  # no such calling code: as it is
        ("", ""),
    ],
)
def test_phone_numbers_as_format_phone_writes_them(phone: str, formatted: str) -> None:
    assert format_phone(phone) == formatted


def test_contacts_sort_as_qt_compares_lower_cased_names() -> None:
    names = [("b", ""), ("A", "z"), ("a", "b"), ("É", ""), ("e", "x"), ("", "")]
    records = [{"first_name": f, "last_name": last} for f, last in names]
    ordered = [(r["first_name"], r["last_name"]) for r in contacts_order(records)]
    assert ordered == [("", ""), ("a", "b"), ("A", "z"), ("b", ""), ("e", "x"), ("É", "")]


def test_a_hostile_account_folder_never_breaks_the_file(tmp_path: Path, utc: None) -> None:
    out = tmp_path / "backup"
    evil = '"}], "chats": {"list": []}, "x": "'
    _write(
        out,
        "profile",
        _line(
            "self",
            5,
            {
                "user_id": "1; DROP",
                "first_name": ["a"],
                "last_name": evil,
                "phone": 79991234567,
                "username": {"x": 1},
                "bio": None,
            },
        ),
    )
    _write(
        out,
        "profile_pictures",
        _line("1", 5, {"date": "yesterday"}),
        _line("2", 5, {"date": -5}),
        "not json",
        '{"key": 3, "seen": 5, "data": {}}',
    )
    _write(out, "stories", _line("1", 5, {"id": True, "date": 1e300, "pinned": "yes"}))
    _write(out, "contacts", _line("1", 5, {"first_name": evil, "phone": ["1"], "date": "x"}))
    _write(
        out,
        "frequent_contacts",
        _line("a", 5, {"id": 2**80, "category": "people", "type": "<b>", "rating": "NaN"}),
        '{"key": "b", "seen": 5, "data": {"category": "calls", "rating": NaN}}',
        _line("c", 5, {"category": "nonsense", "rating": 1}),
        '{"key": "d", "seen": 5, "data": {"category": "calls", "rating": 1' + "0" * 400 + "}}",
    )
    _write(out, "sessions", _line("1", 5, {"last_active": "\u00b2", "ip": 7, "app_name": evil}))
    _write(out, "web_sessions", _line("1", 5, {"domain": ["x"], "created": 2**70}))
    _write(out, "left_chats", _line("1", 5, {"id": -4, "title": evil, "type": "secret"}))
    (out / "account" / "unknown.jsonl").write_text("whatever\n")
    account = read_account(out)
    whole, _text = _whole(account)
    assert list(whole) == ORDER
    assert whole["chats"] == {"about": "y", "list": []}  # nothing injected
    assert whole["personal_information"] == {
        "user_id": 0,
        "first_name": "",
        "last_name": evil,
        "phone_number": "",
    }
    assert whole["profile_pictures"] == [{"photo": PHOTO_SKIPPED}, {"photo": PHOTO_SKIPPED}]
    assert whole["stories"] == [{"pinned": False, "media": PHOTO_SKIPPED}]
    [only] = whole["contacts"]["list"]
    assert only["first_name"] == evil
    assert only["phone_number"] == ""
    assert only["date_unixtime"] == "5"  # no date of its own: when the backup saw it
    frequent = whole["frequent_contacts"]["list"]
    assert [(f["id"], f["category"], f["type"], f["rating"]) for f in frequent] == [
        (0, "people", "user", 0.0),
        (0, "calls", "user", 0.0),  # a rating that is no number: none (0)
        (0, "calls", "user", 0.0),  # nor one too big for a number
    ]
    session = whole["sessions"]["list"][0]
    assert (session["last_active_unixtime"], session["last_ip"]) == ("0", "")
    assert session["application_name"] == evil
    assert whole["web_sessions"]["list"][0]["domain_name"] is None
    assert whole["left_chats"]["list"] == [{"name": evil, "type": None, "id": 0, "messages": []}]
    assert account.damaged == 2  # the two lines of profile_pictures that are no versions
    assert account.problems == []


def test_a_section_that_is_a_link_or_too_big_is_left_out_and_said(
    tmp_path: Path, utc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "backup"
    outside = tmp_path / "secret.jsonl"
    outside.write_text(_line("self", 5, {"user_id": 1, "first_name": "Other"}) + "\n")
    (out / "account").mkdir(parents=True)
    (out / "account" / "profile.jsonl").symlink_to(outside)
    os.mkfifo(out / "account" / "contacts.jsonl")
    _write(out, "sessions", _line("0", 5, {"ip": "x"}))
    monkeypatch.setattr(account_tde, "MAX_SECTION", 10)
    account = read_account(out)
    whole, _text = _whole(account)
    assert list(whole) == ["about", "chats"]
    said = "\n".join(account.problems)
    assert "account: its profile.jsonl cannot be read (it is a link" in said
    assert "account: its contacts.jsonl cannot be read" in said
    assert "account: its sessions.jsonl cannot be read" in said
    # A linked account/ folder is not followed either.
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "account").symlink_to(out / "account")
    assert read_account(linked).sections == {}
