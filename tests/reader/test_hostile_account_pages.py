"""A backup folder received from someone else, with the account's data (``account/``: its
sections, its profile pictures' and stories' files) and a forum's topics (``topics.jsonl``):
`tgtui export` (a process, on a real file system), the export's account pages in-process,
and the reader's Account view (Pilot).

An item's ``file`` that climbs out of the folder, names a path from the root, a link, a FIFO
or a linked folder places nothing in the export and opens nothing; a section or topics file
that is sparse and endless is not read to its end; a link swapped in for a saved file after
it was looked at is not left in the export; every string is escaped on the pages."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from tests.reader.helpers import SIZE, open_account, reader
from tests.reader.stranger import Chat, line, message, no_traceback, tgtui_run, write_backup
from tgtui.archive.account import read_account as reader_account
from tgtui.archive.folder import open_archive
from tgtui.export import files as export_files
from tgtui.export import html_topics
from tgtui.export.account_tde import before_chats, read_account
from tgtui.export.html_account import write_account_pages
from tgtui.export.run import export_backup
from tgtui.format.account import MAX_SECTION, read_section
from tgtui.format.topics import read_topics
from tgtui.format.versioned import MAX_LINE

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and links: POSIX")

HANG = 30  # seconds: tgtui answers these folders in about one; a hang fails instead
SEEN = 1_767_225_600
SCRIPT = "<script>alert(1)</script>"
BIDI = "\u202e"
KEY = "-----BEGIN PRIVATE KEY----- planted"
OUT_AND_BACK = "home-of-the-user/1.jpg"  # from the backup's folder, out to the secret


def _secret(tmp_path: Path) -> Path:
    """A private key outside the backup, in a folder of its own."""
    outside = tmp_path / "home-of-the-user"
    outside.mkdir(exist_ok=True)
    secret = outside / "1.jpg"
    secret.write_text(KEY)
    return secret


def _section(backup: Path, name: str, items: list[tuple[str, dict[str, Any]]]) -> None:
    (backup / "account").mkdir(exist_ok=True)
    (backup / "account" / f"{name}.jsonl").write_bytes(
        b"".join(line({"key": key, "seen": SEEN, "data": data}) for key, data in items)
    )


def _forum(backup: Path, topics: bytes | None = None) -> Chat:
    """A backup of one forum (its topic 5 titled with a script) and the account's profile."""
    forum = Chat(
        -100_1,
        "Family",
        [line(message(1, "riverword one")), line(message(2, "riverword two", topic_id=5))],
    )
    write_backup(backup, [forum])
    title = {"id": 5, "title": SCRIPT + BIDI, "icon_color": 2**62, "icon_emoji_id": 1}
    if topics is None:
        topics = line({"key": "5", "seen": SEEN, "data": title})
    (backup / forum.path / "topics.jsonl").write_bytes(topics)
    profile = {
        "first_name": SCRIPT,
        "last_name": BIDI + "evil",
        "bio": "<img src=x onerror=alert(1)>",
        "username": "\"'><svg onload=alert(1)>",
        "phone": "<b>1</b>",
    }
    _section(backup, "profile", [("self", profile)])
    return forum


def _pages(out: Path) -> str:
    """Every page of an export, as one string."""
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(out.rglob("*.html"))
        if path.is_file() and not path.is_symlink()
    )


def _links_in(out: Path) -> list[Path]:
    return [path for path in out.rglob("*") if path.is_symlink()]


def _hostile_files(tmp_path: Path, backup: Path) -> None:
    """Profile pictures and stories whose files lead out of the backup, one way each."""
    secret = _secret(tmp_path)
    pictures = backup / "account" / "profile_pictures"
    pictures.mkdir(parents=True)
    (pictures / "3.jpg").symlink_to(secret)  # a link to a file outside
    os.mkfifo(pictures / "4.jpg")  # a FIFO: opening it would wait forever
    (pictures / "5.jpg").symlink_to("/dev/zero")  # endless
    (backup / "account" / "stories").symlink_to(secret.parent)  # a linked folder
    items: list[tuple[str, dict[str, Any]]] = [
        ("1", {"date": SEEN + 1, "file": "account/profile_pictures/../../../" + OUT_AND_BACK}),
        ("2", {"date": SEEN + 2, "file": str(secret)}),
        ("3", {"date": SEEN + 3, "file": "account/profile_pictures/3.jpg"}),
        ("4", {"date": SEEN + 4, "file": "account/profile_pictures/4.jpg"}),
        ("5", {"date": SEEN + 5, "file": "account/profile_pictures/5.jpg"}),
    ]
    _section(backup, "profile_pictures", items)
    story = {"id": 1, "date": SEEN, "file": "account/stories/1.jpg", "caption": SCRIPT}
    _section(backup, "stories", [("1", story)])


def test_account_files_that_lead_out_are_neither_exported_nor_followed(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    _forum(backup)
    _hostile_files(tmp_path, backup)
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    assert done.returncode == 1, done.stdout + done.stderr  # the refused files are said
    said = done.stdout + done.stderr
    assert "account/profile_pictures/3.jpg is refused" in said
    assert "account/profile_pictures/4.jpg is refused" in said
    assert KEY not in "\n".join(
        path.read_text(errors="replace") for path in out.rglob("*") if path.is_file()
    )
    assert not _links_in(out)
    pages = _pages(out)
    assert "riverword two" in pages  # the forum's topic page
    assert (out / "lists" / "profile_pictures.html").is_file()
    for hostile in ("<script", "<img src=x", "<svg onload", "<b>1", BIDI):
        assert hostile not in pages, hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "lists" / "stories.html").read_text()


@pytest.mark.parametrize("where", ["account/contacts.jsonl", "topics.jsonl"])
def test_a_sparse_endless_section_or_topics_file_is_not_read_to_its_end(
    tmp_path: Path, where: str
) -> None:
    """`truncate -s 64G`: a hole reads as zeros and holds no newline, so reading it line by
    line reads 64 GiB (minutes); bigger than a section or topics file ever is, it is refused
    at once, and said."""
    backup = tmp_path / "backup"
    forum = _forum(backup)
    path = backup / (where if where.startswith("account") else f"{forum.path}/{where}")
    path.touch()
    try:
        os.truncate(path, 64 << 30)
    except OSError:
        pytest.skip("this file system holds no 64 GiB sparse file")
    out = tmp_path / "export"
    done = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(done)
    said = done.stdout + done.stderr
    assert f"{path.name} cannot be read" in said, said
    assert "riverword two" in _pages(out)  # the rest is exported
    if where.startswith("account"):  # the reader's Account view: refused, and said
        started = time.monotonic()
        found = reader_account(backup)
        assert time.monotonic() - started < 5
        assert any("contacts.jsonl" in note for note in found.notes)
        assert MAX_SECTION < 64 << 30
    else:  # the reader's topic list, `tgtui search --topic`: refused at once
        started = time.monotonic()
        with pytest.raises(OSError, match="bigger than"):
            read_topics(path.parent)
        assert time.monotonic() - started < 5


def test_a_link_swapped_in_after_the_check_is_not_left_in_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The saved file is a regular file when looked at, and a link to a file outside by the
    time it is hard-linked into the export (a folder someone else writes to meanwhile). A
    hard link of a link is a link: the export would hold a link out of itself, which its
    pages and a zip of it follow. It is taken away, and the file said not placed."""
    backup = tmp_path / "backup"
    _forum(backup)
    secret = _secret(tmp_path)
    pictures = backup / "account" / "profile_pictures"
    pictures.mkdir(parents=True)
    (pictures / "7.jpg").write_bytes(b"\xff\xd8\xff fine")
    item = {"date": SEEN, "file": "account/profile_pictures/7.jpg"}
    _section(backup, "profile_pictures", [("7", item)])
    real_link = os.link

    def swapped(source: Any, target: Any, **kwargs: Any) -> None:
        os.unlink(source)
        os.symlink(secret, source)  # the swap, between the check and the link
        real_link(source, target, **kwargs)
        os.unlink(source)
        (pictures / "7.jpg").write_bytes(b"\xff\xd8\xff fine")

    monkeypatch.setattr(export_files.os, "link", swapped)  # type: ignore[attr-defined]
    for export in ("html", "json"):
        root = tmp_path / export
        root.mkdir()
        account = read_account(backup)
        if export == "html":
            placed = write_account_pages(root, backup, account).tally
            said = placed.problems
        else:
            before_chats(account, root)
            placed, said = account.files, account.problems
        assert not _links_in(root), export
        assert placed.linked == 0, export  # linked, found a link, taken away
        assert any("link" in problem for problem in said), export


async def test_the_account_view_of_a_hostile_folder_opens_nothing_outside(
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup"
    _forum(backup)
    _hostile_files(tmp_path, backup)
    opened: list[Path] = []
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_account(pilot, opened)
        shown = "\n".join(entry.text.plain for entry in screen.lines.items)
        assert BIDI not in shown
        for index, _entry in enumerate(screen.lines.items):
            screen.lines.move_to(index)
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
    assert opened == []
    assert json.loads((backup / "manifest.json").read_text())["chats"]  # left as it was


def test_a_forum_of_a_topic_a_message_is_read_twice_not_once_a_topic_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each message in a topic of its own: the topic pages were written 64 topics a reading
    of the whole chat, so N topics read the chat N/64 times (20,000 such messages took 26 s,
    a million would take most of a day). Each line is read at most twice now."""
    backup = tmp_path / "backup"
    count = 1_000
    forum = Chat(
        -100_1, "Forum", [line(message(i, f"w{i}", topic_id=i)) for i in range(1, count + 1)]
    )
    write_backup(backup, [forum])
    (backup / forum.path / "topics.jsonl").write_bytes(b"")
    parsed = 0
    real_loads = html_topics.loads  # type: ignore[attr-defined]

    def counting(raw: bytes) -> Any:
        nonlocal parsed
        parsed += 1
        return real_loads(raw)

    monkeypatch.setattr(html_topics, "loads", counting)
    out = tmp_path / "export"
    export_backup(open_archive(backup), out, "html", parallel=False)
    folder = next((out / "chats").iterdir())
    assert len(list(folder.glob("topic*.html"))) == count + 1  # and topics.html
    assert "w777" in (folder / html_topics.topic_page(777)).read_text()
    assert parsed <= 2 * count


def test_a_rating_past_any_float_is_taken_as_absent_by_the_account_view(tmp_path: Path) -> None:
    """A frequent contact rated 10**400 (JSON has no limit): the export reads it as no
    rating; the reader's Account view must too, not stop reading the account (its worker
    dies and the view says "Reading the account's data…" for ever)."""
    from tgtui.widgets.account_lines import account_entries

    backup = tmp_path / "backup"
    _forum(backup)
    rated = {"name": "Ana", "category": "people", "type": "user", "rating": 10**400}
    _section(backup, "frequent_contacts", [("1", rated)])
    entries = account_entries(reader_account(backup), backup)
    assert any("Ana" in entry.text.plain for entry in entries)


def test_a_line_of_300_000_empty_objects_is_damage_not_megabytes(tmp_path: Path) -> None:
    """`[{},{},...]` in a versioned line: 3 bytes of JSON a dict of about 64 bytes, so a
    hostile file under the size cap would be read as gigabytes. A line of more objects and
    lists than an item ever has is a damaged line, counted; the rest is read."""
    backup = tmp_path / "backup"
    _forum(backup)
    bomb = b'{"key":"2","seen":1,"data":{"x":[' + b"{}," * 300_000 + b"{}]}}\n"
    assert len(bomb) < MAX_LINE
    (backup / "account").mkdir(exist_ok=True)
    good = line({"key": "1", "seen": SEEN, "data": {"device": "Laptop", "current": True}})
    (backup / "account" / "sessions.jsonl").write_bytes(good + bomb * 20)
    tracemalloc.start()
    try:
        read = read_section(backup, "sessions")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert list(read.current()) == ["1"]
    assert read.damaged == 20
    assert peak < 16 * 1024 * 1024  # was about 20 MB of dicts a line, 400 MB in all
