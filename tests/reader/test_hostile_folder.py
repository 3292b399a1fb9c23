"""A backup folder received from someone else, opened as a user opens it: `tgtui search`,
`tgtui export` (processes, on a real file system) and the reader (Pilot).

Nothing in it may hang tgtui (FIFOs), exhaust its memory (links to /dev/zero), lead it to
read or write outside the folder (links: the index, chat folders, media files) or stop it
reading the rest (one hostile line is a damaged line: left out, counted and named)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.reader.helpers import SIZE, reader, screen_lines, status, toasts
from tests.reader.stranger import (
    Chat,
    line,
    message,
    no_traceback,
    plant,
    tgtui_run,
    two_chats,
)
from tests.tui.helpers import wait_for
from tgtui.archive.wording import saved_file
from tgtui.format.avatars import saved_file as avatar_file
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.archive_list import ArchiveList

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and links: POSIX")

HANG = 30  # seconds: tgtui answers these folders in about one; a hang fails instead


def _exported(out: Path) -> str:
    """Every text file of an export, as one string (to look for what must not be there)."""
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(out.rglob("*"))
        if path.is_file() and not path.is_symlink()
    )


# -- 1. FIFOs and endless files -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize("name", ["edits.jsonl", "deleted.jsonl", "state.json", "messages.jsonl"])
def test_a_fifo_or_endless_file_in_a_chat_hangs_nothing(
    tmp_path: Path, name: str, kind: str
) -> None:
    backup = tmp_path / "backup"
    family, _work = two_chats(backup)
    plant(backup / family.path / name, kind)
    found = tgtui_run("search", "otherword", "--in", str(backup), home=tmp_path, timeout=HANG)
    no_traceback(found)
    assert found.returncode == 0, found.stderr
    assert "Work" in found.stdout  # the other chat is searched
    if name != "messages.jsonl":
        found = tgtui_run("search", "riverword", "--in", str(backup), home=tmp_path, timeout=HANG)
        assert "3 messages match" in found.stderr  # and this one too, without that file
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode in (0, 1), done.stderr
    exported = _exported(out)
    assert "otherword two" in exported
    if name in ("edits.jsonl", "deleted.jsonl", "messages.jsonl"):
        assert done.returncode == 1  # what was not read is said, by its name
        assert name in done.stderr
    if name != "messages.jsonl":
        assert "riverword three" in exported


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_manifest_that_is_a_fifo_or_endless_is_one_line_of_error(
    tmp_path: Path, kind: str
) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    plant(backup / "manifest.json", kind)
    commands = (["search", "riverword", "--in", str(backup)], ["export", str(backup)])
    for command in (*commands, ["open", str(backup)]):
        done = tgtui_run(*command, home=tmp_path, timeout=HANG)
        assert done.returncode == 2
        assert done.stderr.strip().count("\n") == 0, done.stderr
        assert "manifest.json" in done.stderr
        assert "not a regular file" in done.stderr or "link" in done.stderr


# -- 2. the search index: never through a link ----------------------------------------------


def test_an_index_folder_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (elsewhere / "notes.txt").write_text("mine")
    (backup / ".index").symlink_to(elsewhere)
    done = tgtui_run("search", "riverword", "--in", str(backup), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 0
    assert sorted(os.listdir(elsewhere)) == ["notes.txt"]  # no tables written there
    assert elsewhere.stat().st_mode & 0o777 == 0o755  # nor its mode changed
    assert (backup / ".index").is_dir()
    assert not (backup / ".index").is_symlink()
    assert "link" in done.stderr
    assert ".index" in done.stderr


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_an_index_file_that_is_a_link_is_not_written_through(tmp_path: Path, suffix: str) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    victim = tmp_path / "places.sqlite"  # someone else's database, a link away
    with contextlib.closing(sqlite3.connect(victim)) as db:
        db.execute("CREATE TABLE mine (x)")
        db.commit()
    before = victim.read_bytes()
    (backup / ".index").mkdir(mode=0o700)
    (backup / ".index" / f"search.sqlite{suffix}").symlink_to(victim)
    done = tgtui_run("search", "riverword", "--in", str(backup), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert "3 messages match" in done.stderr
    assert victim.read_bytes() == before  # no table of the index written into it
    assert not (backup / ".index" / f"search.sqlite{suffix}").is_symlink()
    assert "link" in done.stderr


# -- 3. chat folders and files inside the backup, never links out of it -------------------


def _secret_outside(tmp_path: Path) -> Path:
    """A folder outside the backup that looks like a chat's, with a private key in it."""
    outside = tmp_path / "home-of-the-user"
    (outside / "media" / "file").mkdir(parents=True)
    (outside / "media" / "file" / "id_rsa").write_text("-----BEGIN PRIVATE KEY----- planted")
    planted = message(5, "secretword", media_type="file", file="media/file/id_rsa")
    (outside / "messages.jsonl").write_bytes(line(planted))
    return outside


@pytest.mark.parametrize("link", ["chat", "chats"])
def test_a_chat_folder_that_is_a_link_is_left_out(tmp_path: Path, link: str) -> None:
    backup = tmp_path / "backup"
    outside = _secret_outside(tmp_path)
    evil = Chat(-100_3, "Evil", folder="chats/3_evil")
    _family, _work = two_chats(backup)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["chats"].append(evil.entry())
    (backup / "manifest.json").write_text(json.dumps(manifest))
    if link == "chat":
        (backup / evil.path).symlink_to(outside)
    else:  # chats/ itself: every chat of the manifest lies behind it
        real = tmp_path / "real-chats"
        (backup / "chats").rename(real)
        (real / "3_evil").symlink_to(outside)
        (backup / "chats").symlink_to(real)
    found = tgtui_run("search", "secretword", "--in", str(backup), home=tmp_path, timeout=HANG)
    no_traceback(found)
    assert found.returncode == 1  # not searched
    assert "left out" in found.stderr
    assert "link" in found.stderr
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    exported = _exported(out)
    assert "PRIVATE KEY" not in exported
    assert "secretword" not in exported
    if link == "chat":
        assert "riverword three" in exported  # the other chats are exported
    assert not any(path.name == "id_rsa" for path in out.rglob("*"))


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_a_media_file_that_is_a_link_is_neither_exported_nor_opened(
    tmp_path: Path, where: str
) -> None:
    backup = tmp_path / "backup"
    outside = _secret_outside(tmp_path)
    family, _work = two_chats(backup)
    media = backup / family.path / "media" / "file"
    media.mkdir(parents=True)
    if where == "outside":
        (media / "key.txt").symlink_to(outside / "media" / "file" / "id_rsa")
    else:  # a link to another file of the same chat: a link all the same
        (media / "other.txt").write_text("-----BEGIN PRIVATE KEY----- inside")
        (media / "key.txt").symlink_to(media / "other.txt")
    with (backup / family.path / "messages.jsonl").open("ab") as handle:
        handle.write(line(message(2000, "look", media_type="file", file="media/file/key.txt")))
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert "PRIVATE KEY" not in _exported(out)
    assert "(File unavailable, please try again later)" in _exported(out)
    chat = backup / family.path
    assert saved_file(message(2000, "look", file="media/file/key.txt"), chat) is None  # Enter


def test_a_path_from_the_root_names_nothing_outside_the_backup(tmp_path: Path) -> None:
    """A record's file, or the userpics' index, naming "/home/.../id_rsa": joined to the
    backup's folder, an absolute path would replace it. Neither exported nor opened."""
    backup = tmp_path / "backup"
    secret = _secret_outside(tmp_path) / "media" / "file" / "id_rsa"
    family, _work = two_chats(backup)
    with (backup / family.path / "messages.jsonl").open("ab") as handle:
        handle.write(line(message(2000, "look", media_type="file", file=str(secret))))
    (backup / "avatars").mkdir()
    index = {"peer": "user1", "photo_id": "1", "file": str(secret), "seen": 1}
    (backup / "avatars" / "index.jsonl").write_bytes(line(index))
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert "PRIVATE KEY" not in _exported(out)
    chat = backup / family.path
    assert saved_file(message(2000, "look", file=str(secret)), chat) is None  # Enter
    assert avatar_file(backup, str(secret)) is None  # the preview pane, the export's userpics
    assert avatar_file(backup, "avatars/../../home-of-the-user/media/file/id_rsa") is None


# -- 4. one hostile line is a damaged line: left out, counted, named -------------------------

DEEP = b'{"id": 7, "text": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n"
DAMAGED = {
    "nested 200,000 deep": DEEP,
    "id 2^63": line(message(2**63, "riverword huge")),
    "id 2^64": line(message(2**64, "riverword huger")),
    "id a boolean": line({**message(3, "riverword bool"), "id": True}),
}
ODD_FIELDS = {
    "date_unixtime superscript two": line(message(4, "odd", date_unixtime="²")),
    "date_unixtime arabic three": line(message(5, "odd", date_unixtime="٣")),
    "media_type a list": line(message(6, "odd", media_type=["photo"])),
    "poll voters many": line(
        message(
            7,
            "odd",
            media_type="poll",
            poll={"question": "q", "answers": [{"text": "a", "voters": "many"}]},
        )
    ),
    "file_size 10^400": line(message(8, "odd", media_type="file", file_size=10**400)),
    "reactions count many": line(message(9, "odd", reactions=[{"type": "emoji", "count": "x"}])),
    "text half a surrogate pair": line(message(10, "odd \ud800 half")),
}


@pytest.mark.parametrize("name", list(DAMAGED))
def test_a_damaged_line_is_left_out_counted_and_named(tmp_path: Path, name: str) -> None:
    backup = tmp_path / "backup"
    two_chats(backup, extra=[DAMAGED[name]])
    found = tgtui_run("search", "riverword", "--in", str(backup), home=tmp_path, timeout=HANG)
    no_traceback(found)
    assert found.returncode == 0
    assert "3 messages match" in found.stderr  # the rest is searched
    assert "1 damaged line" in found.stderr
    assert "Family (line 2)" in found.stderr
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 1  # as README says of damaged lines
    assert "1 damaged line" in done.stderr
    assert "line 2" in done.stderr
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    family = result["chats"]["list"][0]
    assert [m["id"] for m in family["messages"]] == [1, 1000, 1001]


@pytest.mark.parametrize("name", list(ODD_FIELDS))
def test_a_field_of_an_odd_type_is_taken_as_absent(tmp_path: Path, name: str) -> None:
    backup = tmp_path / "backup"
    two_chats(backup, extra=[ODD_FIELDS[name]])
    found = tgtui_run("search", "odd", "--in", str(backup), "--json", home=tmp_path, timeout=HANG)
    no_traceback(found)
    assert found.returncode == 0
    assert len(found.stdout.splitlines()) == 1
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert len(result["chats"]["list"][0]["messages"]) == 4


def test_a_manifest_with_odd_entries_keeps_the_good_chats(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    _family, work = two_chats(backup)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["account"] = {"name": [[["nested"]]]}
    manifest["chats"] += [
        {**work.entry(), "id": 2**63},  # past SQLite's integers
        {**work.entry(), "id": "-1002"},
        {**work.entry(), "name": ["not", "text"], "messages": "many", "id": -1009},
        "not an entry",
    ]
    (backup / "manifest.json").write_text(json.dumps(manifest))
    found = tgtui_run("search", "riverword", "--in", str(backup), home=tmp_path, timeout=HANG)
    no_traceback(found)
    assert "3 messages match" in found.stderr
    assert "no usable id" in found.stderr
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 1, done.stderr  # the chats left out are said, by name
    assert "no usable id" in done.stderr
    assert "riverword three" in _exported(out)


def test_a_manifest_nested_deep_is_one_line_of_error(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    (backup / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    done = tgtui_run("search", "riverword", "--in", str(backup), home=tmp_path, timeout=HANG)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "nested too deep" in done.stderr


# -- 5. one sanitiser: JSON lines and HTML pages ----------------------------------------------


def test_search_json_escapes_what_a_terminal_acts_on_and_keeps_it_exact(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    name = "Fam\ud800ily\x7f\u202e\x9b"  # half a surrogate pair, DEL, a bidi override, CSI
    _family, _work = two_chats(backup)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["chats"][0]["name"] = name
    (backup / "manifest.json").write_text(json.dumps(manifest))
    done = tgtui_run("search", "riverword", "--in", str(backup), "--json", home=tmp_path)
    no_traceback(done)
    assert done.returncode == 0
    for raw in ("\x7f", "\u202e", "\x9b"):
        assert raw not in done.stdout
    hits = [json.loads(text) for text in done.stdout.splitlines()]
    assert len(hits) == 3
    assert {hit["chat"] for hit in hits} == {name}  # the same name, parsed back


def test_the_html_export_keeps_no_bidi_override_in_links(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    shown = "https://bank.example/\u202etxt.exe"
    entities = [{"type": "text_link", "text": "pay \u2066here\u2069", "href": shown}]
    two_chats(backup, extra=[line(message(50, "pay here", text_entities=entities))])
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--format", "html", "--out", str(out), home=tmp_path)
    no_traceback(done)
    page = (out / "chats" / "chat_1" / "messages.html").read_text(encoding="utf-8")
    assert "bank.example/txt.exe" in page
    for override in ("\u202e", "\u2066", "\u2069"):
        assert override not in page


# -- 6. bounds on what a search asks ----------------------------------------------------------


def test_a_limit_past_any_number_is_one_line_of_error(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    done = tgtui_run(
        "search", "riverword", "--in", str(backup), "--limit", str(10**23), home=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "--limit" in done.stderr


def test_thousands_of_words_are_refused_at_once(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    two_chats(backup)
    words = [f"w{n}" for n in range(4000)]
    started = time.monotonic()
    done = tgtui_run("search", *words, "--in", str(backup), home=tmp_path)
    assert time.monotonic() - started < 10
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    repeated = tgtui_run("search", *["riverword"] * 3000, "--in", str(backup), home=tmp_path)
    assert repeated.returncode == 0  # the same word many times is one word
    assert "3 messages match" in repeated.stderr


# -- the reader -------------------------------------------------------------------------------


async def test_the_reader_opens_a_hostile_folder_and_reads_the_rest(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    outside = _secret_outside(tmp_path)
    family, _work = two_chats(backup, extra=[DEEP, ODD_FIELDS["text half a surrogate pair"]])
    for name in ("edits.jsonl", "state.json"):
        plant(backup / family.path / name, "fifo")
    plant(backup / family.path / "deleted.jsonl", "zero")
    evil = Chat(-100_3, "Evil", folder="chats/3_evil")
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["chats"].append(evil.entry())
    (backup / "manifest.json").write_text(json.dumps(manifest))
    (backup / evil.path).symlink_to(outside)
    app = reader(backup)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        assert [chat.name for chat in listing.shown] == ["Family", "Work"]  # not "Evil"
        await wait_for(pilot, lambda: any("Evil" in toast for toast in toasts(app)))
        target = app.service.archive.chat(family.id)
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await wait_for(pilot, lambda: "riverword three" in "\n".join(screen_lines(app)))
        await pilot.press("home")
        await wait_for(pilot, lambda: "riverword one" in "\n".join(screen_lines(app)))
        shown = "\n".join(screen_lines(app))
        assert "is not a readable message" in shown  # the damaged line, as such
        assert "odd \ufffd half" in shown
        assert "message 1 of 5" in status(app, "#reader-status")
