"""`tgtui search` in a backup that kept the account's data (`--account`) finds the saved
contacts the words name (by name, username or phone digits; a contact gone from Telegram
too, marked), listed after the messages and marked as contacts, in text and in `--json`; a
search narrowed to messages (`--chat`, `--from`, dates) lists none; a word only a contact
has is a match (exit code 0)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import targets
from tgtui.archive.account import ContactHit, contact_line
from tgtui.backup.account_data import back_up_account
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.account import read_section
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.names import HOSTILE


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A world with contacts, some with usernames."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=60, messages=60, media=False))


def _search(out: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "tgtui", "search", "--in", str(out), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("TGTUI_")},
    )
    return done.returncode, done.stdout, done.stderr


def _json(out: Path, *args: str) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Exit code, message lines and contact lines of `tgtui search --json`."""
    code, stdout, _stderr = _search(out, "--json", *args)
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert {line["type"] for line in lines} <= {"message", "contact"}
    kinds = [line["type"] for line in lines]
    assert kinds == sorted(kinds, key=lambda kind: kind == "contact")  # contacts after
    return (
        code,
        [x for x in lines if x["type"] == "message"],
        [x for x in lines if x["type"] == "contact"],
    )


def _words(*parts: str) -> set[str]:
    """Each word of the parts in lower case and without accents, as a plain script folds."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return set(re.findall(r"\w+", text))


async def test_contacts_are_found_by_name_username_and_phone_apart_from_messages(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    engine = BackupEngine(client, BackupOptions(out), account={"id": 77_777})
    assert (await engine.run(await targets(client))).all_complete
    await back_up_account(client, out, clock=lambda: 1_000)
    saved = read_section(out, "contacts").current()
    gone = min(saved, key=int)
    assert sandbox.account.remove_contact(int(gone))
    await back_up_account(client, out, clock=lambda: 2_000)
    contacts = read_section(out, "contacts")
    every: dict[str, dict[str, Any]] = {}
    for key, versions in contacts.versions.items():
        data = next(v.data for v in reversed(versions) if v.data is not None)
        every[key] = data
    assert gone in contacts.removed()

    # By a first name: every contact (there now or gone) with that name, and no other.
    first = every[gone]["first_name"]
    code, messages, found = _json(out, first.upper())
    named = {
        k
        for k, c in every.items()
        if first.casefold() in _words(c["first_name"], c["last_name"], c["username"])
    }
    assert {str(c["user_id"]) for c in found} == named
    gone_line = next(c for c in found if str(c["user_id"]) == gone)
    assert gone_line["removed"] == "1970-01-01T00:33:20"  # the second run's time, UTC
    assert gone_line["phone"] == every[gone]["phone"]
    assert code == 0

    # By username (a word no message has): that contact only, and it is a match.
    key, someone = next((k, c) for k, c in every.items() if c["username"] and k != gone)
    code, messages, found = _json(out, someone["username"])
    assert (code, messages) == (0, [])
    assert [c["user_id"] for c in found] == [int(key)]
    assert found[0]["username"] == someone["username"]
    assert found[0]["removed"] is None

    # By phone digits, typed with spaces and a plus: the contacts whose number has them.
    phone = someone["phone"]
    typed = f"+{phone[:3]} {phone[3:7]} {phone[7:]}"
    code, _messages, found = _json(out, typed)
    assert [c["user_id"] for c in found] == [int(key)]
    tail = phone[-4:]
    code, _messages, found = _json(out, tail)
    assert {str(c["user_id"]) for c in found} == {k for k, c in every.items() if tail in c["phone"]}

    # As text: after the messages, each marked; the count of each on stderr.
    code, stdout, stderr = _search(out, someone["username"])
    assert code == 0
    name = f"{someone['first_name']} {someone['last_name']}".strip()
    assert stdout.splitlines() == [f"contact  {name}  @{someone['username']} · {phone}"]
    assert "0 messages match" in stderr
    assert "1 contact matches" in stderr

    # Narrowed to messages (a chat, a sender, a date): no contact.
    chat = json.loads((out / "manifest.json").read_text())["chats"][0]["id"]
    for narrowed in (["--chat", str(chat)], ["--from", "a"], ["--since", "2000-01-01"]):
        code, _messages, found = _json(out, first, *narrowed)
        assert code in (0, 1), narrowed  # searched (a chat, a sender named so exist)
        assert found == [], narrowed
    code, stdout, stderr = _search(out, someone["username"], "--since", "2000-01-01")
    assert code == 1
    assert "contact" not in stdout + stderr


@pytest.mark.parametrize(
    "sandbox_options",
    [
        SandboxOptions(
            world=WorldOptions(seed=9, dialogs=60, messages=60, media=False, hostile=True)
        )
    ],
)
async def test_a_hostile_contact_is_listed_as_plain_cut_text(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Contacts' names come from other people: a found contact whose name holds markup,
    terminal escapes, controls, bidi overrides or hundreds of bytes is one line of plain
    text, none of it run by the terminal."""
    out = tmp_path / "backup"
    engine = BackupEngine(client, BackupOptions(out), account={"id": 77_777})
    assert (await engine.run(await targets(client))).all_complete
    await back_up_account(client, out, clock=lambda: 1_000)
    saved = read_section(out, "contacts").current()
    hostile = [c for c in saved.values() if c["first_name"] in HOSTILE and c["phone"]]
    assert len(hostile) >= 3
    for contact in hostile[:4]:
        code, stdout, stderr = _search(out, contact["phone"][-7:])
        assert code == 0, stderr
        found = stdout.splitlines()
        assert found
        for line in found:
            assert line.startswith("contact  ")
            assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in line), line
            assert "\u202e" not in line
            assert len(line.encode()) < 400  # a name cut, not hundreds of bytes
        if "[" in contact["first_name"]:  # markup shown as written, not applied
            assert any("[" in line for line in found)
    # A name of hundreds of bytes (none of this world's contacts has one) is cut too.
    for name in (n for n in HOSTILE if len(n.encode()) > 255):
        hit = ContactHit("5", name, name, "", "", None, None)
        shown, _rest = contact_line(hit)
        assert len(shown.encode()) < 255
