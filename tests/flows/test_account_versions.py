"""Every section of the account's own data kept as versions over runs, the way `tgtui backup
--account --takeout` runs it (the backup engine in a data export, the stories' files saved):
between two runs the account changes each section through Telegram's own methods (its
names, bio and username; a profile picture and a story deleted; a channel left; a frequent
contact's rating reset; a session and a website ended; a contact removed and another
added). The second run keeps the first run's versions as they were, adds each change as a
new version and marks what is gone; the files stay private and are only appended to; the
files of the picture and story deleted stay on disk; the reader's account view shows the
profile as it is now and marks what went."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, functions, types

from tgtui.archive.account import read_account
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.takeout import Takeout
from tgtui.format.account import PROFILE_KEY, SECTIONS, read_section
from tgtui.format.media_paths import MediaFilter
from tgtui.format.versioned import Versions
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.account_data import ABOUT
from tgtui.sandbox.world import SELF_USERNAME, Kind
from tgtui.widgets.account_lines import account_entries

DEVICES = 2


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world whose account is signed in elsewhere too and has stories."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=80, messages=300, devices=DEVICES))


async def _back_up(client: TelegramClient, out: Path, me: int) -> list[str]:
    """One `tgtui backup --account --takeout` run of the account's data; its notes."""
    takeout = Takeout(client)
    await takeout.start(files=True, max_file_size=None)
    try:
        options = BackupOptions(out, media=MediaFilter(), account=True, account_asked=True)
        engine = BackupEngine(client, options, account={"id": me}, wrap=takeout.wrap)
        result = await engine.run([])
    finally:
        await takeout.finish(success=True)
    return result.notes


def _read_all(out: Path) -> dict[str, Versions]:
    return {section: read_section(out, section) for section in SECTIONS}


def _only(keys: set[str]) -> str:
    assert len(keys) == 1, keys
    return next(iter(keys))


async def _change_the_account(client: TelegramClient, sandbox: SandboxServer) -> dict[str, Any]:
    """Change every section as a user would (from this client or another device); what was
    changed, by section."""
    changed: dict[str, Any] = {}
    await client(
        functions.account.UpdateProfileRequest(
            first_name="Ana", last_name="Lima", about="Moved to Porto."
        )
    )
    await client(functions.account.UpdateUsernameRequest("ana_lima"))
    newest = (await client.get_profile_photos("me"))[0]
    photo = types.InputPhoto(newest.id, newest.access_hash, newest.file_reference)
    assert await client(functions.photos.DeletePhotosRequest([photo])) == [newest.id]
    changed["profile_pictures"] = str(newest.id)
    archive = await client(
        functions.stories.GetStoriesArchiveRequest(types.InputPeerSelf(), offset_id=0, limit=10)
    )
    story = archive.stories[0].id
    assert await client(functions.stories.DeleteStoriesRequest(types.InputPeerSelf(), [story]))
    changed["stories"] = str(story)
    channel = next(d.entity for d in await client.get_dialogs() if d.is_channel and not d.is_group)
    await client.delete_dialog(channel)  # a channel is left (channels.leaveChannel)
    changed["left_chats"] = str(channel.id)
    top = await client(
        functions.contacts.GetTopPeersRequest(offset=0, limit=10, hash=0, correspondents=True)
    )
    frequent = top.categories[0].peers[0].peer.user_id
    await client(
        functions.contacts.ResetTopPeerRatingRequest(
            types.TopPeerCategoryCorrespondents(), await client.get_input_entity(frequent)
        )
    )
    changed["frequent_contacts"] = f"people:{frequent}"
    sessions = await client(functions.account.GetAuthorizationsRequest())
    ended = next(a.hash for a in sessions.authorizations if not a.current)
    assert await client(functions.account.ResetAuthorizationRequest(ended))
    changed["sessions"] = str(ended)
    web = (await client(functions.account.GetWebAuthorizationsRequest())).authorizations[0]
    assert await client(functions.account.ResetWebAuthorizationRequest(web.hash))
    changed["web_sessions"] = str(web.hash)
    # Contacts are added and removed from another device (the sandbox's hooks).
    contacts = sandbox.account.contacts()
    gone = contacts[0].user_id
    assert sandbox.account.remove_contact(gone)
    world = sandbox.world
    known = {c.user_id for c in contacts}
    stranger = next(
        world.chat(i)
        for i in range(len(world))
        if world.chat(i).kind is Kind.USER
        and world.chat(i).bare_id not in known
        and not world.is_saved(world.chat(i))
        and not world.is_deleted(world.chat(i))
    )
    sandbox.account.add_contact(stranger, int(time.time()))
    changed["contacts"] = (str(gone), str(stranger.bare_id))
    return changed


async def test_each_section_changed_between_runs_is_kept_as_versions(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    me = await client.get_me()
    await _back_up(client, out, me.id)
    first = _read_all(out)
    for section in SECTIONS:
        assert first[section].current(), section  # every section has items to change
    assert len(first["stories"].current()) >= 2
    assert first["profile"].current()[PROFILE_KEY]["bio"] == ABOUT
    folder = out / "account"
    lines = {path: path.read_bytes() for path in folder.glob("*.jsonl")}
    files = {path: path.read_bytes() for path in folder.rglob("*") if path.parent != folder}
    assert len(files) >= 2 + len(first["stories"].current())  # two pictures, every story

    changed = await _change_the_account(client, sandbox)
    notes = await _back_up(client, out, me.id)
    later = _read_all(out)

    # Nothing rewritten: each section only appended to, every file saved still there.
    for path, data in lines.items():
        now = path.read_bytes()
        assert now.startswith(data), path
        assert len(now) > len(data), path  # every section changed
    for path, data in files.items():
        assert path.read_bytes() == data, path
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    # Every item's first version is still its first.
    for section in SECTIONS:
        for key, versions in first[section].versions.items():
            assert later[section].versions[key][: len(versions)] == versions, (section, key)

    # The profile: a second version with the new names, bio and username.
    before, after = (v.data for v in later["profile"].versions[PROFILE_KEY])
    assert before is not None
    assert after is not None
    assert (before["first_name"], before["last_name"]) == ("Demo", "User")
    assert (before["bio"], before["username"]) == (ABOUT, SELF_USERNAME)
    assert (after["first_name"], after["last_name"]) == ("Ana", "Lima")
    assert (after["bio"], after["username"]) == ("Moved to Porto.", "ana_lima")
    assert after["phone"] == before["phone"] == me.phone
    # What was deleted, ended or reset is marked gone, its versions kept.
    for section in ("profile_pictures", "stories", "frequent_contacts", "sessions"):
        gone = changed[section]
        assert _only(set(later[section].removed())) == gone, section
        kept = later[section].versions[gone]
        assert kept[0] == first[section].versions[gone][-1]
        assert kept[-1].data is None
    assert set(later["web_sessions"].removed()) == {changed["web_sessions"]}
    for section in ("profile_pictures", "stories"):  # the others there still, unchanged
        for key in set(first[section].current()) - {changed[section]}:
            assert later[section].versions[key] == first[section].versions[key], (section, key)
    removed, added = changed["contacts"]
    assert set(later["contacts"].removed()) == {removed}
    assert added in later["contacts"].current()
    # The picture and the story deleted: their files are kept, named by their last version.
    for section in ("profile_pictures", "stories"):
        last = later[section].versions[changed[section]][-2].data
        assert last is not None
        assert (out / last["file"]).read_bytes() == files[out / last["file"]]
    # A frequent contact reset: another moved up in its place.
    people = set(later["frequent_contacts"].current()) - set(first["frequent_contacts"].current())
    assert len(people) == 1
    # The channel left: added to the chats left, those left before untouched.
    left = set(later["left_chats"].current()) - set(first["left_chats"].current())
    assert left == {changed["left_chats"]}
    assert later["left_chats"].current()[changed["left_chats"]]["type"] == "public_channel"
    assert not later["left_chats"].removed()
    said = notes[0]
    assert said.startswith("account saved: profile (1 changed); profile pictures (1 gone)")
    assert "stories (1 gone)" in said
    assert "chats left (1 added)" in said

    # The reader's account view: the profile as it is now, the gone marked.
    shown = [entry.text.plain for entry in account_entries(read_account(out), out)]
    assert any("Ana Lima" in line and "@ana_lima" in line for line in shown)
    assert not any("Demo User" in line for line in shown)
    assert any("Moved to Porto." in line for line in shown)
    # The profile's heading counts the pictures as the other sections count their items.
    assert any(line.endswith("2 profile pictures, 1 removed") for line in shown)
    pictures = [line for line in shown if "picture of" in line]
    assert len(pictures) == 2
    assert sum("removed on" in line for line in pictures) == 1
    assert all("file saved" in line for line in pictures)
    stories = [line for line in shown if "story of" in line]
    assert sum("removed on" in line for line in stories) == 1
