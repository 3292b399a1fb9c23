"""`tgtui backup --account`: the account's own data kept as versions, against the sandbox's
account (its contacts, sessions, websites, frequent contacts, stories, the chats it left):
what is new or changed since the last run is added, what is gone is marked and kept, nothing
is rewritten; phone numbers never reach the log; the chats left need a data export; the
frequent contacts are paged, and their ratings alone make no new version."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from telethon import TelegramClient

from tgtui.backup.account_data import PAGE, account_notes, back_up_account
from tgtui.backup.takeout import Takeout
from tgtui.format.account import PROFILE_KEY, SECTIONS, read_section, section_path
from tgtui.log import setup_logging, stop_logging
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.account_data import ABOUT
from tgtui.sandbox.world import Kind

DEVICES = 3


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A world whose account is signed in on other devices too."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=80, messages=200, devices=DEVICES))


def _stranger(sandbox: SandboxServer, contacts: set[str]) -> object:
    world = sandbox.world
    return next(
        world.chat(i)
        for i in range(len(world))
        if world.chat(i).kind is Kind.USER
        and str(world.chat(i).bare_id) not in contacts
        and not world.is_saved(world.chat(i))
        and not world.is_deleted(world.chat(i))
    )


async def test_each_section_is_kept_and_changes_are_added_as_versions(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    log = setup_logging(tmp_path / "logs", debug=True)
    try:
        first = await back_up_account(client, out, clock=lambda: 1_000)
    finally:
        stop_logging()
    assert first["left_chats"].problem is not None  # only in a data export
    assert "--takeout" in first["left_chats"].problem
    assert not section_path(out, "left_chats").exists()  # not asked: no file says "none"
    for section in SECTIONS:
        if section != "left_chats":
            assert first[section].problem is None, (section, first[section].problem)
            assert section_path(out, section).is_file(), section
    folder = out / "account"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for file in folder.rglob("*"):  # the sections, and the profile pictures' folder
        mode = 0o700 if file.is_dir() else 0o600
        assert stat.S_IMODE(file.stat().st_mode) == mode, file
    profile = read_section(out, "profile").current()[PROFILE_KEY]
    assert profile["bio"] == ABOUT
    me = await client.get_me()
    assert (profile["user_id"], profile["phone"]) == (me.id, me.phone)
    sessions = read_section(out, "sessions").current()
    assert len(sessions) == 1 + DEVICES
    assert sum(1 for s in sessions.values() if s["current"]) == 1
    contacts = read_section(out, "contacts").current()
    assert contacts
    assert all(c["phone"] for c in contacts.values())
    assert read_section(out, "web_sessions").current()
    assert read_section(out, "frequent_contacts").current()
    assert read_section(out, "stories").current()
    assert len(read_section(out, "profile_pictures").current()) >= 1
    # No phone number and no session address in the log.
    logged = log.read_text(encoding="utf-8")
    for secret in [me.phone, *(c["phone"] for c in contacts.values())]:
        assert secret not in logged
    for session in sessions.values():
        # This session's address is the sandbox's own loopback here, which Telethon names
        # when it connects (to download the profile pictures): not one Telegram gave.
        if session["ip"] and session["ip"] != "127.0.0.1":
            assert session["ip"] not in logged

    # Nothing changed: nothing written.
    sizes = {f.name: f.stat().st_size for f in folder.rglob("*") if f.is_file()}
    again = await back_up_account(client, out, clock=lambda: 2_000)
    assert {f.name: f.stat().st_size for f in folder.rglob("*") if f.is_file()} == sizes
    assert account_notes(again)[0] == "account saved: nothing changed since the last run"

    # A contact removed, another added, a session ended elsewhere: versions, none rewritten.
    gone = sorted(contacts)[0]
    assert sandbox.account.remove_contact(int(gone))
    stranger = _stranger(sandbox, set(contacts))
    sandbox.account.add_contact(stranger, int(time.time()))  # type: ignore[arg-type]
    ended = next(s for s in sessions.values() if not s["current"])
    assert sandbox.account.end_session(ended["hash"])
    before = {f: f.read_bytes() for f in folder.glob("*.jsonl")}
    third = await back_up_account(client, out, clock=lambda: 3_000)
    for path, data in before.items():
        assert path.read_bytes().startswith(data), path  # only appended to
    assert third["contacts"].removed == [gone]
    assert third["contacts"].added == [str(stranger.bare_id)]  # type: ignore[attr-defined]
    assert third["sessions"].removed == [str(ended["hash"])]
    kept = read_section(out, "contacts")
    assert gone not in kept.current()
    assert kept.removed()[gone].seen == 3_000
    assert [v.seen for v in kept.versions[gone]] == [1_000, 3_000]  # the first one kept
    assert kept.versions[gone][0].data == contacts[gone]
    notes = account_notes(third)
    assert "contacts (1 added, 1 gone)" in notes[0]
    assert "sessions (1 gone)" in notes[0]


async def test_the_chats_left_are_kept_in_a_data_export(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    takeout = Takeout(client)
    await takeout.start(files=False, max_file_size=None)
    try:
        results = await back_up_account(client, out, wrap=takeout.wrap)
    finally:
        await takeout.finish(success=True)
    assert results["left_chats"].problem is None
    left = read_section(out, "left_chats").current()
    assert {int(k) for k in left} == {c.id for c in sandbox.account.left_channels()}
    assert all(c["type"].endswith(("channel", "supergroup")) for c in left.values())


async def test_a_damaged_line_is_passed_over_and_the_rest_read(tmp_path: Path) -> None:
    out = tmp_path / "backup"
    path = section_path(out, "contacts")
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b'{"key": "1", "seen": 5, "data": {"first_name": "Ana"}}\n'
        b"not json\n"
        b'{"key": 2, "seen": 5, "data": {}}\n'  # a key that is not a string
        b'{"key": "3", "seen": "x", "data": {}}\n'  # a time that is not one
        b'{"key": "1", "seen": 9, "removed": true}\n' + b"x" * 2_000_000 + b"\n"
        b'{"key": "4", "seen": 9, "data": {"first_name": "Bia"}}\n'
    )
    section = read_section(out, "contacts")
    assert section.damaged == 4
    assert section.current() == {"4": {"first_name": "Bia"}}
    assert list(section.removed()) == ["1"]


async def test_a_data_export_keeps_when_each_contact_was_added(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    takeout = Takeout(client)
    await takeout.start(files=False, max_file_size=None)
    try:
        await back_up_account(client, out, clock=lambda: 1_000, wrap=takeout.wrap)
    finally:
        await takeout.finish(success=True)
    added = {str(c.user_id): c.added for c in sandbox.account.contacts()}
    kept = read_section(out, "contacts").current()
    assert kept
    assert {key: data["date"] for key, data in kept.items()} == {k: added[k] for k in kept}
    # A run outside a data export cannot know the dates: it keeps them, adds no version.
    lines = section_path(out, "contacts").read_bytes()
    again = await back_up_account(client, out, clock=lambda: 2_000)
    assert again["contacts"].changed == []
    assert section_path(out, "contacts").read_bytes() == lines


ONLY_FREQUENT = [s for s in SECTIONS if s != "frequent_contacts"]


@pytest.mark.parametrize(
    "sandbox_options", [SandboxOptions(world=WorldOptions(seed=9, dialogs=400, messages=20))]
)
async def test_frequent_contacts_are_paged_and_a_new_rating_alone_adds_no_version(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    account = sandbox.account
    account.top_per_category = 150  # more than one page of contacts.getTopPeers (100)
    top = account.top_peers()["correspondents"]
    assert len(top) > PAGE
    await back_up_account(client, out, clock=lambda: 1_000, skip=ONLY_FREQUENT)
    kept = read_section(out, "frequent_contacts").current()
    people = {v["id"]: v["rating"] for v in kept.values() if v["category"] == "people"}
    assert people == {chat.bare_id: rating for chat, rating in top}
    # Telegram recomputes the ratings as chats are used: not a new version every run.
    account.top_rating_scale = 0.5
    path = section_path(out, "frequent_contacts")
    lines = path.read_bytes()
    again = await back_up_account(client, out, clock=lambda: 2_000, skip=ONLY_FREQUENT)
    assert again["frequent_contacts"].changed == []
    assert path.read_bytes() == lines
    # A peer no longer among them is a change: marked gone, its ratings kept.
    account.top_per_category = 120
    third = await back_up_account(client, out, clock=lambda: 3_000, skip=ONLY_FREQUENT)
    dropped = {f"people:{chat.bare_id}" for chat, _rating in top[120:]}
    assert set(third["frequent_contacts"].removed) == dropped
    assert path.read_bytes().startswith(lines)


async def test_a_section_telegram_gave_none_of_is_an_empty_file(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Asked and empty (frequent contacts turned off; no chat left, in a takeout) is told
    apart from never asked (the chats left outside a takeout) by the file being there."""
    out = tmp_path / "backup"
    sandbox.account.set_top_peers(False)
    results = await back_up_account(client, out, skip=ONLY_FREQUENT)
    assert results["frequent_contacts"].problem is None
    assert results["frequent_contacts"].total == 0
    path = section_path(out, "frequent_contacts")
    assert path.read_bytes() == b""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
