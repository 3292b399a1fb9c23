"""What tgtui says of a stranger's backup is true and exact: a manifest naming one chat folder
several times shows one chat, a date that is not a date shows as unknown, a media file
refused as a link is said to be refused (not "not in the backup"), and `search --json`
prints every string as saved, the text as the message's text.

Processes on a real file system (`tgtui_run`), and the archive under Pilot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.reader.helpers import SIZE, reader
from tests.reader.stranger import line, message, no_traceback, tgtui_run, two_chats
from tests.tui.helpers import wait_for
from tgtui.screens.archive import ArchiveScreen
from tgtui.widgets.archive_list import ArchiveList

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and links: POSIX")

HANG = 60


def _one_folder_three_names(backup: Path) -> None:
    """Family's folder listed three times in the manifest, under other names and ids, and a
    last backup date that is not a date."""
    family, _work = two_chats(backup)
    manifest = json.loads((backup / "manifest.json").read_text())
    entry = manifest["chats"][0]
    entry["updated"] = "²"
    manifest["chats"] += [
        {**entry, "id": -100_7, "name": "Family again"},
        {**entry, "id": -100_8, "name": "Family once more", "path": f"chats/./{family.path[6:]}/"},
    ]
    (backup / "manifest.json").write_text(json.dumps(manifest))


def test_one_folder_is_one_chat_in_search_and_export(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    _one_folder_three_names(backup)
    found = tgtui_run("search", "riverword", "--in", str(backup), "--json", home=tmp_path)
    no_traceback(found)
    assert found.returncode == 0
    hits = [json.loads(text) for text in found.stdout.splitlines()]
    assert sorted(hit["message_id"] for hit in hits) == [1, 1000, 1001]  # each once
    assert {hit["chat"] for hit in hits} == {"Family"}  # the first entry is read
    assert "3 messages match" in found.stderr
    for name in ("'Family again' (-1007)", "'Family once more' (-1008)"):
        assert f"the chat {name} is left out: its folder is the folder of 'Family'" in (
            found.stderr
        )
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 1  # entries of the manifest left out: said, and the exit says it
    assert "Exported 2 chats, 5 messages" in done.stderr
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert [chat["name"] for chat in result["chats"]["list"]] == ["Family", "Work"]


async def test_the_archive_lists_one_folder_once_and_no_date_that_is_not_one(
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup"
    _one_folder_three_names(backup)
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        assert [chat.name for chat in listing.shown] == ["Family", "Work"]
        rows = "\n".join(listing.render_line(y).text for y in range(listing.size.height))
        assert "²" not in rows
        assert "Family again" not in rows


def test_export_says_media_files_refused_as_links_or_not_files(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    family, _work = two_chats(backup)
    media = backup / family.path / "media" / "file"
    media.mkdir(parents=True)
    (media / "other.txt").write_text("a file of the same chat")
    (media / "key.txt").symlink_to(media / "other.txt")
    os.mkfifo(media / "pipe.bin")
    with (backup / family.path / "messages.jsonl").open("ab") as handle:
        for number, name in enumerate(("key.txt", "pipe.bin", "key.txt", "gone.bin"), 2000):
            planted = message(number, "look", media_type="file", file=f"media/file/{name}")
            handle.write(line(planted))
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 1  # left out for a reason the user should know
    assert "Family: media/file/key.txt is refused: it is a link" in done.stderr
    assert "Family: media/file/pipe.bin is refused: it is not a regular file" in done.stderr
    assert done.stderr.count("key.txt") == 1  # one file, named once
    assert "1 not in the backup" in done.stderr  # gone.bin: really not there
    assert "(File unavailable, please try again later)" in (out / "result.json").read_text()


def test_search_json_prints_exact_strings_and_the_text_alone(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    sender = "X\ud800Y\x7f"  # half a surrogate pair and DEL: exact, escaped
    photo = message(
        500,
        "caption diagram",
        **{"from": sender},
        media_type="photo",
        file_name="diagram_15.png",
    )
    family, _work = two_chats(backup, extra=[line(photo)])
    edited = {**photo, "text": "caption edited D0", "edited_unixtime": str(1_767_300_000)}
    (backup / family.path / "edits.jsonl").write_bytes(line(edited))
    done = tgtui_run("search", "d0", "--in", str(backup), "--json", home=tmp_path)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "\x7f" not in done.stdout
    assert "\\ud800" in done.stdout  # written as an escape, which parses back to it
    (hit,) = [json.loads(text) for text in done.stdout.splitlines()]
    assert hit["from"] == sender
    assert hit["text"] == "caption edited D0"  # the latest version's text, alone
    assert hit["file_name"] == "diagram_15.png"
    by_name = tgtui_run("search", "diagram_15", "--in", str(backup), "--json", home=tmp_path)
    (hit,) = [json.loads(text) for text in by_name.stdout.splitlines()]
    assert hit["message_id"] == 500  # still found by its file name
    assert hit["text"] == "caption edited D0"
    plain = tgtui_run("search", "riverword", "--in", str(backup), "--json", home=tmp_path)
    hits = [json.loads(text) for text in plain.stdout.splitlines()]
    assert {hit["text"] for hit in hits} == {"riverword one", "riverword two", "riverword three"}
    assert {hit["file_name"] for hit in hits} == {None}
