"""`tgtui export --format tde` of a backup made with the account's own data (`backup
--account`, in a data export for the chats left) against the sandbox's account: the
whole-account result.json has every section Telegram Desktop's has, in its order and shape
(tests/unit/test_export_account_tde.py checks each against golden excerpts of its writer),
holds each item as it is now (a contact removed and a session ended between two runs are
not there), and is read by a third-party reader of Telegram Desktop's exports."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tgtui.backup.account_data import back_up_account
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.backup.takeout import Takeout
from tgtui.cli import main
from tgtui.export.account_tde import (
    ABOUT_CONTACTS,
    ABOUT_FREQUENT,
    ABOUT_LEFT_CHATS,
    ABOUT_SESSIONS,
    ABOUT_WEB_SESSIONS,
    PHOTO_NOT_INCLUDED,
    contacts_order,
    format_phone,
)
from tgtui.format.account import read_section
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.account_data import ABOUT

DEVICES = 3
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


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world whose account is signed in on other devices too."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=80, messages=200, devices=DEVICES))


async def _account_run(client: TelegramClient, out: Path, when: int) -> None:
    """`backup --account --takeout`'s account part (the chats left need a data export)."""
    takeout = Takeout(client)
    await takeout.start(files=False, max_file_size=None)
    try:
        results = await back_up_account(client, out, clock=lambda: when, wrap=takeout.wrap)
    finally:
        await takeout.finish(success=True)
    assert all(result.problem is None for result in results.values()), results


async def _backup(client: TelegramClient, sandbox: SandboxServer, out: Path) -> dict[str, str]:
    """A backup of a few chats and of the account, over two runs: between them a contact is
    removed and a session ended. Which were (keys)."""
    rows = [r for r in await all_dialogs(client) if r.peer is not None][:3]
    me = await client.get_me()
    engine = BackupEngine(client, BackupOptions(out), account={"id": me.id})
    assert (await engine.run([target_of(r) for r in rows])).all_complete
    await _account_run(client, out, 1_000)
    contacts = read_section(out, "contacts").current()
    gone = sorted(contacts)[0]
    assert sandbox.account.remove_contact(int(gone))
    sessions = read_section(out, "sessions").current()
    ended = next(key for key, s in sessions.items() if not s["current"])
    assert sandbox.account.end_session(int(ended))
    await _account_run(client, out, 2_000)
    return {"contact": gone, "session": ended}


def _keys(item: dict[str, Any]) -> list[str]:
    return list(item)


async def test_the_whole_account_file_has_every_section_in_telegram_desktops_shape(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    changed = await _backup(client, sandbox, out)
    export = tmp_path / "export"
    assert main(["export", str(out), "--out", str(export), "--format", "tde"]) == 0
    whole = json.loads((export / "result.json").read_text(encoding="utf-8"))
    assert list(whole) == ORDER

    me = await client.get_me()
    personal = whole["personal_information"]
    expected = {
        "user_id": me.id,
        "first_name": me.first_name or "",
        "last_name": me.last_name or "",
        "phone_number": format_phone(me.phone or ""),
    }
    if me.username:
        expected["username"] = "@" + me.username
    expected["bio"] = ABOUT
    assert personal == expected
    assert _keys(personal) == list(expected)

    pictures = whole["profile_pictures"]
    assert len(pictures) == len(read_section(out, "profile_pictures").current()) >= 1
    saved_pictures = read_section(out, "profile_pictures").current()
    for picture in pictures:
        assert _keys(picture) == ["date", "date_unixtime", "photo"]
        # Its file saved by the backup, placed beside result.json as Telegram Desktop does.
        kept = [
            p for p in saved_pictures.values() if p.get("date") == int(picture["date_unixtime"])
        ]
        assert len(kept) == 1
        if "file" in kept[0]:
            assert picture["photo"] == f"profile_pictures/{Path(kept[0]['file']).name}"
            assert (export / picture["photo"]).read_bytes() == (out / kept[0]["file"]).read_bytes()
        else:
            assert picture["photo"] == PHOTO_NOT_INCLUDED
    assert any(p["photo"] != PHOTO_NOT_INCLUDED for p in pictures)  # the sandbox's are saved
    stamps = [int(p["date_unixtime"]) for p in pictures]
    assert stamps == sorted(stamps, reverse=True)  # the newest first, as Telegram lists them

    stories = whole["stories"]
    assert len(stories) == len(read_section(out, "stories").current()) >= 1
    for story in stories:
        assert _keys(story) == [
            "date",
            "date_unixtime",
            "expires",
            "expires_unixtime",
            "pinned",
            "media",
        ]
        assert isinstance(story["pinned"], bool)

    contacts = whole["contacts"]
    assert _keys(contacts) == ["about", "list"]
    assert contacts["about"] == ABOUT_CONTACTS
    saved = read_section(out, "contacts")
    now = saved.current()
    assert changed["contact"] not in now  # removed on Telegram: not exported
    listed = contacts["list"]
    in_order = contacts_order(list(now.values()))
    assert [c["user_id"] for c in listed] == [c["user_id"] for c in in_order]
    for item in listed:
        assert _keys(item) == [
            "user_id",
            "first_name",
            "last_name",
            "phone_number",
            "date",
            "date_unixtime",
        ]
        record = now[str(item["user_id"])]
        assert item["phone_number"] == format_phone(record["phone"])
        assert item["phone_number"].startswith("+888 ")  # the sandbox's numbers
        # When it was added, as Telegram gives it to a data export (contacts.getSaved).
        added = {c.user_id: c.added for c in sandbox.account.contacts()}
        assert item["date_unixtime"] == str(record["date"]) == str(added[item["user_id"]])

    frequent = whole["frequent_contacts"]
    assert frequent["about"] == ABOUT_FREQUENT
    categories = [f["category"] for f in frequent["list"]]
    assert categories == sorted(categories, key=["people", "inline_bots", "calls"].index)
    assert len(frequent["list"]) == len(read_section(out, "frequent_contacts").current())
    for item in frequent["list"]:
        assert _keys(item) == ["id", "category", "type", "name", "rating"]
        assert isinstance(item["rating"], float)

    sessions = whole["sessions"]
    assert sessions["about"] == ABOUT_SESSIONS
    assert len(sessions["list"]) == DEVICES  # one of 1 + DEVICES ended between the runs
    for item in sessions["list"]:
        keys = _keys(item)
        if "application_version" not in keys:  # left out when empty, as Telegram Desktop does
            keys.insert(6, "application_version")
        assert keys == [
            "last_active",
            "last_active_unixtime",
            "last_ip",
            "last_country",
            "last_region",
            "application_name",
            "application_version",
            "device_model",
            "platform",
            "system_version",
            "created",
            "created_unixtime",
        ]

    web = whole["web_sessions"]
    assert web["about"] == ABOUT_WEB_SESSIONS
    assert len(web["list"]) == len(read_section(out, "web_sessions").current()) >= 1
    for item in web["list"]:
        assert _keys(item) == [
            "last_active",
            "last_active_unixtime",
            "last_ip",
            "last_region",
            "bot_username",
            "domain_name",
            "browser",
            "platform",
            "created",
            "created_unixtime",
        ]

    left = whole["left_chats"]
    assert left["about"] == ABOUT_LEFT_CHATS
    assert {c["id"] for c in left["list"]} == {c.id for c in sandbox.account.left_channels()}
    for chat in left["list"]:
        assert _keys(chat) == ["name", "type", "id", "messages"]
        assert chat["messages"] == []
        assert chat["type"] in ("private_channel", "public_channel", "public_supergroup",
                                "private_supergroup")  # fmt: skip

    assert len(whole["chats"]["list"]) == 3  # the chats, untouched

    # A third-party reader of the contacts of Telegram Desktop's result.json (PyPI's
    # TelegramContract2vCard: name -> phone and date, as it turns them into vCards).
    reader: Any = importlib.import_module("TelegramContract2vCard.main")
    read = reader.json2dict(str(export / "result.json"))
    assert read == {
        c["first_name"] + c["last_name"]: {"phone": c["phone_number"], "date": c["date"]}
        for c in listed
    }


async def test_a_backup_without_account_data_exports_as_before(
    client: TelegramClient, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    rows = [r for r in await all_dialogs(client) if r.peer is not None][:2]
    engine = BackupEngine(client, BackupOptions(out), account={"id": 1})
    assert (await engine.run([target_of(r) for r in rows])).all_complete
    export = tmp_path / "export"
    assert main(["export", str(out), "--out", str(export), "--format", "tde"]) == 0
    whole = json.loads((export / "result.json").read_text(encoding="utf-8"))
    assert list(whole) == ["about", "chats"]
