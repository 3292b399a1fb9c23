"""`tgtui backup --account` saves the files of the account's profile pictures and stories,
against the sandbox's account (two profile pictures, stories of photos and videos):

- each profile picture as ``account/profile_pictures/<photo id>.jpg`` with the bytes
  Telegram serves for its largest size, each story's photo or video as
  ``account/stories/<story id>.<ext>`` when the media choice takes it, the item's ``file``
  naming it (relative to the backup folder), 0600 files in 0700 folders;
- a second run fetches nothing again and writes nothing;
- a download that fails (expired file references the sandbox will not renew) leaves no
  file, not even a ``*.part``, is said in the run's notes and is saved by the next run,
  which adds one version to the item, once;
- ``--no-pictures`` and no media save none, and do not drop the ``file`` of files saved
  by an earlier run (no version back and forth);
- the engine's run saves them too, through its flood gate (a FLOOD_WAIT is honoured), and
  `tgtui backup --account --no-media` keeps the profile pictures (not the stories' files);
- a hostile world's story captions are kept as they are and never name a file;
- the TDE export (`before_chats` with the export's folder) links the saved files into
  ``profile_pictures/`` and ``stories/`` and writes their paths; a file not saved reads as
  Telegram Desktop's "not included", one lost since or refused (a link in its place, a
  ``file`` tgtui never writes) as "unavailable", never followed.
"""

from __future__ import annotations

import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.tl import types

from tests.flows.cli_process import run_tgtui
from tests.sandbox_process import start_sandbox_process
from tgtui.backup.account_data import account_notes, back_up_account
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.media import file_source
from tgtui.backup.selection import all_dialogs, target_of
from tgtui.export.account_tde import (
    PHOTO_NOT_INCLUDED,
    PHOTO_UNAVAILABLE,
    AccountData,
    before_chats,
    read_account,
)
from tgtui.format.account import read_section, saved_account_file
from tgtui.format.media_paths import MediaFilter
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.faults import FloodLimit
from tgtui.sandbox.names import HOSTILE

ALL = MediaFilter()
PICTURE_SIZE = "c"  # the sandbox's avatars: "a" 160 px, "c" 640 px (the largest)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world with media (the account's stories are its Saved Messages' photos and
    videos)."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=60, messages=300))


def add_video_story(sandbox: SandboxServer) -> int:
    """The account posts a story of the world's smallest video; its id."""
    world, history = sandbox.world, sandbox.history
    videos = []
    for index in range(len(world)):
        chat = world.chat(index)
        for k in range(1, min(chat.count, 300) + 1):
            media = getattr(history.message(chat, k), "media", None)
            if isinstance(media, types.MessageMediaDocument) and media.video:
                videos.append((media.document.size, index, k, media))
    assert videos
    smallest = min(videos, key=lambda v: v[:3])[3]
    return sandbox.account.add_story(smallest).id


def expected_story_bytes(sandbox: SandboxServer, story_id: int) -> bytes:
    """The bytes Telegram (the sandbox) serves for a story's photo or video."""
    story = sandbox.account.story(story_id)
    assert story is not None
    source = file_source(story.media)
    assert source is not None
    thumb = getattr(source.location, "thumb_size", "") or ""
    return sandbox.files.whole(source.location.id, thumb, source.size)


def assert_private(out: Path) -> None:
    for path in (out / "account").rglob("*"):
        mode = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.lstat().st_mode) == mode, path


def section(out: Path, name: str) -> dict[str, dict[str, Any]]:
    return read_section(out, name).current()


async def test_pictures_and_stories_are_saved_once_with_telegrams_bytes(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    add_video_story(sandbox)
    first = await back_up_account(client, out, clock=lambda: 1_000, media=ALL)
    pictures = section(out, "profile_pictures")
    stories = section(out, "stories")
    assert len(pictures) == 2
    assert len(stories) == len(sandbox.account.stories()) >= 2
    for key, data in pictures.items():
        assert data["file"] == f"account/profile_pictures/{key}.jpg"
        path = saved_account_file(out, data)
        assert path is not None
        picture = sandbox.world.avatars.picture(int(key), PICTURE_SIZE)
        assert path.read_bytes() == picture
        assert picture is not None
        assert picture.startswith(b"\xff\xd8\xff")
    kinds = set()
    for key, data in stories.items():
        path = saved_account_file(out, data)
        assert path is not None, data
        assert data["file"].startswith(f"account/stories/{key}.")
        assert path.read_bytes() == expected_story_bytes(sandbox, int(key))
        kinds.add(path.suffix)
    assert kinds == {".jpg", ".mp4"}  # photos and videos
    assert not list(out.rglob("*.part"))
    assert_private(out)
    assert "profile pictures (2 added, 2 files saved)" in account_notes(first)[0]

    # Nothing new: nothing fetched, nothing written.
    files = {p: p.read_bytes() for p in (out / "account").rglob("*") if p.is_file()}
    sandbox.log.clear()
    again = await back_up_account(client, out, clock=lambda: 2_000, media=ALL)
    assert sandbox.log.of("upload.getFile") == []
    assert {p: p.read_bytes() for p in (out / "account").rglob("*") if p.is_file()} == files
    assert account_notes(again)[0] == "account saved: nothing changed since the last run"


async def test_a_failed_download_leaves_nothing_and_is_saved_next_run(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    # Every file reference expired, renewed ones too: no file can be fetched.
    sandbox.faults.file_reference_ttl = -1
    first = await back_up_account(client, out, clock=lambda: 1_000, media=ALL)
    assert first["profile_pictures"].files_failed
    assert first["stories"].files_failed
    assert [e for e in sandbox.log.of("upload.getFile") if e.error == "FILE_REFERENCE_EXPIRED"]
    assert sandbox.log.of("stories.getStoriesByID")  # each story asked for again
    assert not [p for p in out.rglob("*") if p.is_file() and p.suffix != ".jsonl"]
    for name in ("profile_pictures", "stories"):
        for data in section(out, name).values():
            assert "file" not in data
    notes = account_notes(first)
    assert any("profile pictures: 2 files not saved" in n and "next run" in n for n in notes)

    sandbox.faults.file_reference_ttl = None
    second = await back_up_account(client, out, clock=lambda: 2_000, media=ALL)
    assert sorted(second["profile_pictures"].changed) == sorted(section(out, "profile_pictures"))
    for name in ("profile_pictures", "stories"):
        kept = read_section(out, name)
        for key, data in kept.current().items():
            assert saved_account_file(out, data) is not None
            assert [v.seen for v in kept.versions[key]] == [1_000, 2_000]  # one version more
    lines = {p: p.read_bytes() for p in (out / "account").glob("*.jsonl")}
    await back_up_account(client, out, clock=lambda: 3_000, media=ALL)
    assert {p: p.read_bytes() for p in (out / "account").glob("*.jsonl")} == lines


async def test_a_flood_wait_on_the_files_is_honoured_and_every_file_saved(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    sandbox.faults.flood["upload.getFile"] = FloodLimit(count=2, seconds=1)
    results = await back_up_account(client, out, clock=lambda: 1_000, media=ALL)
    assert not results["profile_pictures"].files_failed
    assert not results["stories"].files_failed
    for name in ("profile_pictures", "stories"):
        assert all(saved_account_file(out, d) for d in section(out, name).values())
    asked = sandbox.log.of("upload.getFile")
    floods = [e for e in asked if e.error == "FLOOD_WAIT_1"]
    assert floods  # Telegram said to wait...

    def part(entry: Any) -> tuple[int, str, int]:
        location = entry.request.location
        return location.id, getattr(location, "thumb_size", ""), entry.request.offset

    for flood in floods:  # ... and that part was not asked again before the wait was over
        again = next(e for e in asked if e.at > flood.at and part(e) == part(flood))
        assert again.at >= flood.at + 1


async def test_a_partial_file_is_not_taken_for_a_complete_one(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    await back_up_account(client, out, clock=lambda: 1_000)
    key, data = next(iter(section(out, "profile_pictures").items()))
    path = out / data["file"]
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # cut short (not by tgtui)
    path.chmod(0o600)
    sandbox.log.clear()
    await back_up_account(client, out, clock=lambda: 2_000)
    assert path.read_bytes() == whole
    assert len(sandbox.log.of("upload.getFile")) >= 1
    assert section(out, "profile_pictures")[key]["file"] == data["file"]


async def test_no_pictures_and_no_media_save_none_and_keep_what_was_saved(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    await back_up_account(client, out, clock=lambda: 1_000, pictures=False)
    assert sandbox.log.of("upload.getFile") == []
    assert not (out / "account" / "profile_pictures").exists()
    assert not (out / "account" / "stories").exists()
    for name in ("profile_pictures", "stories"):
        assert all("file" not in data for data in section(out, name).values())

    # Saved later by a run that wants them, then a run that does not: still named.
    await back_up_account(client, out, clock=lambda: 2_000, media=ALL)
    lines = {p: p.read_bytes() for p in (out / "account").glob("*.jsonl")}
    sandbox.log.clear()
    await back_up_account(client, out, clock=lambda: 3_000, pictures=False)
    assert sandbox.log.of("upload.getFile") == []
    assert {p: p.read_bytes() for p in (out / "account").glob("*.jsonl")} == lines


async def test_the_story_files_follow_the_media_choice(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    video = add_video_story(sandbox)
    photos = MediaFilter(frozenset({"photo"}))
    await back_up_account(client, out, clock=lambda: 1_000, media=photos)
    for data in section(out, "stories").values():
        saved = saved_account_file(out, data)
        if data["media_type"] == "MessageMediaPhoto":
            assert saved is not None
            assert saved.suffix == ".jpg"
        else:
            assert saved is None
            assert "file" not in data
    assert "file" not in section(out, "stories")[str(video)]
    assert all("file" in data for data in section(out, "profile_pictures").values())


async def test_the_engine_saves_them_in_a_backup_run(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    rows = [r for r in await all_dialogs(client) if r.peer is not None][:2]
    me = await client.get_me()
    options = BackupOptions(out, media=ALL, account=True, account_asked=True)
    result = await BackupEngine(client, options, account={"id": me.id}).run(
        [target_of(r) for r in rows]
    )
    assert result.all_complete
    assert any("2 files saved" in note for note in result.notes)
    for name in ("profile_pictures", "stories"):
        items = section(out, name)
        assert items
        assert all(saved_account_file(out, data) is not None for data in items.values())
    assert_private(out)


@pytest.mark.parametrize(
    "sandbox_options",
    [SandboxOptions(world=WorldOptions(seed=9, dialogs=60, messages=300, hostile=True))],
)
async def test_hostile_captions_are_kept_as_they_are_and_name_no_file(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    await back_up_account(client, out, clock=lambda: 1_000, media=ALL)
    stories = section(out, "stories")
    assert stories
    for key, data in stories.items():
        assert data["caption"] in HOSTILE
        assert data["file"].startswith(f"account/stories/{key}.")
    names = {p.name for p in (out / "account" / "stories").iterdir()}
    assert names == {Path(d["file"]).name for d in stories.values()}
    # Nothing anywhere but where tgtui writes.
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())


def _exported(out: Path, export: Path) -> tuple[dict[str, Any], AccountData]:
    """The account's sections of the whole-account result.json, with the export in
    ``export`` (as `tgtui export --format tde` writes them), parsed."""
    account = read_account(out)
    export.mkdir(mode=0o700)
    text = b"{" + before_chats(account, export) + b'"chats": {}}'
    return json.loads(text), account


async def test_the_tde_export_points_at_the_saved_files(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    video = add_video_story(sandbox)
    photos = MediaFilter(frozenset({"photo"}))  # the video story's file is not saved
    await back_up_account(client, out, clock=lambda: 1_000, media=photos)
    pictures = section(out, "profile_pictures")
    gone_key = sorted(pictures)[0]
    (out / pictures[gone_key]["file"]).unlink()  # lost from the backup since
    whole, account = _exported(out, tmp_path / "export")
    export = tmp_path / "export"

    exported = {item["date_unixtime"]: item["photo"] for item in whole["profile_pictures"]}
    for key, data in pictures.items():
        path = exported[str(data["date"])]
        if key == gone_key:
            assert path == PHOTO_UNAVAILABLE
            continue
        assert path == f"profile_pictures/{key}.jpg"
        assert (export / path).read_bytes() == (out / data["file"]).read_bytes()
    stories = section(out, "stories")
    media = [item["media"] for item in whole["stories"]]  # newest (highest id) first
    for key, item in zip(sorted(stories, key=int, reverse=True), media, strict=True):
        if key == str(video):
            assert item == PHOTO_NOT_INCLUDED
        else:
            assert item == f"stories/{key}.jpg"
            assert (export / item).read_bytes() == (out / stories[key]["file"]).read_bytes()
    assert account.files.linked == len(pictures) - 1 + len(stories) - 1
    assert account.files.missing == 1
    for path in export.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600)


async def test_a_planted_file_field_or_link_is_not_exported(
    client: TelegramClient, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    await back_up_account(client, out, clock=lambda: 1_000)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the export")
    pictures = section(out, "profile_pictures")
    first, second = sorted(pictures)
    target = out / pictures[first]["file"]
    target.unlink()
    target.symlink_to(secret)  # a link in the file's place
    lines = (out / "account" / "profile_pictures.jsonl").read_text()
    planted = dict(pictures[second], file="../../secret.txt")  # a path tgtui never writes
    lines += json.dumps({"key": second, "seen": 2_000, "data": planted}) + "\n"
    (out / "account" / "profile_pictures.jsonl").write_text(lines)
    whole, account = _exported(out, tmp_path / "export")
    assert [p["photo"] for p in whole["profile_pictures"]] == [PHOTO_UNAVAILABLE] * 2
    assert not (tmp_path / "export" / "profile_pictures").exists()
    assert any("../../secret.txt" in problem for problem in account.problems)


@pytest.fixture
async def sandbox_info(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A sandbox in a process of its own, for `tgtui backup` as a command."""
    process, info = await start_sandbox_process(
        "--dialogs", "3", "--messages", "40", "--seed", "4",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


async def test_backup_account_saves_the_pictures_even_without_media(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "b"
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--account", "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "profile pictures (2 added, 2 files saved)" in err
    pictures = section(out, "profile_pictures")
    assert sorted(p.name for p in (out / "account" / "profile_pictures").iterdir()) == sorted(
        f"{key}.jpg" for key in pictures
    )
    assert not (out / "account" / "stories").exists()  # --no-media: no story's file
    assert_private(out)
    code, _, err = await run_tgtui(tmp_path, sandbox_info, "backup", "--all", "--no-media",
                                   "--account", "--no-pictures", "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "account saved: nothing changed since the last run" in err
