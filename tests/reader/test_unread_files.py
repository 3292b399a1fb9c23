"""A stranger's backup whose chat files cannot be read, or end in gigabytes of nothing: every
reader says which chat's which file was not read and why (`tgtui search` on stderr, the
archive's status line, the search screen, the reader), and reads the rest.

Processes on a real file system (`tgtui_run`), and the reader under Pilot."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

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
from tests.tui.helpers import text_of, wait_for
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import SearchScreen

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and links: POSIX")

HANG = 60  # seconds: these folders are answered in about one; a hang fails instead
FIFO = "it is not a regular file but a FIFO"
LINK = "it is a link"


def _search(backup: Path, home: Path, *words: str) -> Any:
    done = tgtui_run("search", *words, "--in", str(backup), home=home, timeout=HANG)
    no_traceback(done)
    return done


# -- 1. a chat's file that cannot be read is named, with why -----------------------------------


def test_search_names_every_chat_whose_messages_cannot_be_read(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    family, work = two_chats(backup)
    for chat in (family, work):
        plant(backup / chat.path / "messages.jsonl", "fifo")
    for _run in range(2):  # built, then from the index: said each time
        done = _search(backup, tmp_path, "riverword")
        assert done.returncode == 1  # nothing matched, as README says
        assert "0 messages match" in done.stderr
        assert f"Family: messages.jsonl is not read: {FIFO}" in done.stderr
        assert f"Work: messages.jsonl is not read: {FIFO}" in done.stderr


def test_search_names_a_chat_whose_messages_are_a_link_and_finds_the_others(
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup"
    family, _work = two_chats(backup)
    plant(backup / family.path / "messages.jsonl", "zero")
    found = _search(backup, tmp_path, "otherword")
    assert found.returncode == 0
    assert "Work" in found.stdout
    assert f"Family: messages.jsonl is not read: {LINK}" in found.stderr
    missing = _search(backup, tmp_path, "riverword")
    assert missing.returncode == 1
    assert f"Family: messages.jsonl is not read: {LINK}" in missing.stderr


def test_search_names_edits_and_deletions_it_cannot_read(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    family, _work = two_chats(backup)
    for name in ("edits.jsonl", "deleted.jsonl"):
        plant(backup / family.path / name, "zero")
    for _run in range(2):  # built, then from the index: said each time
        done = _search(backup, tmp_path, "riverword")
        assert done.returncode == 0
        assert "3 messages match" in done.stderr
        assert f"Family: edits.jsonl is not read: {LINK}" in done.stderr
        assert f"Family: deleted.jsonl is not read: {LINK}" in done.stderr
    only_work = _search(backup, tmp_path, "otherword", "--chat", "Work")
    assert "Family" not in only_work.stderr  # a chat not searched is not talked about


async def test_the_archive_and_the_search_screen_name_the_files_not_read(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    family, work = two_chats(backup)
    for chat in (family, work):
        plant(backup / chat.path / "messages.jsonl", "fifo")
    app = reader(backup)
    async with app.run_test(size=(160, 34)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await wait_for(
            pilot, lambda: "Search index built" in status(app, "#archive-status"), within=30
        )
        line = status(app, "#archive-status")
        assert "Family: messages.jsonl is not read" in line
        assert "Work: messages.jsonl is not read" in line
        await pilot.press("s", *"riverword")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_for(pilot, lambda: screen.shown_for == "riverword", within=30)
        assert status(app, "#search-count") == "No messages match."
        notes = text_of(app, "#search-notes")
        assert f"Family: messages.jsonl is not read: {FIFO}" in notes
        assert "Work: messages.jsonl is not read" in notes


async def test_the_reader_says_which_of_the_chats_files_it_did_not_read(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    family, _work = two_chats(backup)
    for name in ("edits.jsonl", "deleted.jsonl"):
        plant(backup / family.path / name, "zero")
    app = reader(backup)
    async with app.run_test(size=(160, 34), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        target = app.service.archive.chat(family.id)
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await wait_for(pilot, lambda: "riverword three" in "\n".join(screen_lines(app)))
        notes = text_of(app, "#reader-notes")
        assert f"edits.jsonl is not read: {LINK}" in notes
        assert f"deleted.jsonl is not read: {LINK}" in notes
        assert any("edits.jsonl is not read" in toast for toast in toasts(app))
        await pilot.press("escape")
        work = app.service.archive.chat(-100_2)
        assert work is not None
        await app.push_screen(ChatScreen(app.service, work))
        await wait_for(pilot, lambda: "otherword two" in "\n".join(screen_lines(app)))
        assert text_of(app, "#reader-notes") == ""  # a whole chat: nothing to say


# -- 2. a tail of gigabytes without a newline ---------------------------------------------------


def _grow(path: Path, by: int) -> None:
    """Make ``path`` ``by`` bytes longer without writing them (a hole, as `truncate -s +N`);
    skip where the file system cannot hold so big a file."""
    try:
        os.truncate(path, path.stat().st_size + by)
    except OSError as exc:
        if exc.errno in (errno.EFBIG, errno.EINVAL, errno.ENOSPC):
            pytest.skip(f"this file system cannot hold a file that big: {exc}")
        raise


def test_a_huge_sparse_tail_is_one_damaged_line_and_the_rest_is_searched(
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup"
    family, _work = two_chats(backup)
    # A tebibyte that is not there: reading it, even as zeros, would take an hour.
    _grow(backup / family.path / "messages.jsonl", 1 << 40)
    for _run in range(2):  # built, then from the index: the same damaged line, once
        done = _search(backup, tmp_path, "riverword")
        assert done.returncode == 0
        assert "3 messages match" in done.stderr
        assert "1 damaged line of the backup is not searched: Family (line 4)" in done.stderr
    out = tmp_path / "export"
    exported = tgtui_run("export", str(backup), "--out", str(out), home=tmp_path, timeout=HANG)
    no_traceback(exported)
    assert exported.returncode == 1  # the tail, named as a damaged line
    assert "1 damaged line" in exported.stderr
    assert "line 4" in exported.stderr
    assert "riverword three" in (out / "chats" / "chat_1" / "messages.html").read_text()


async def test_the_reader_shows_the_messages_before_a_huge_tail(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    many = [line(message(n, f"line{n} riverword")) for n in range(1, 1512)]
    family = Chat(-100_1, "Family", many)
    from tests.reader.stranger import write_backup

    write_backup(backup, [family])
    _grow(backup / family.path / "messages.jsonl", 1 << 30)  # `truncate -s +1G`
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        target = app.service.archive.chat(family.id)
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await wait_for(pilot, lambda: "line1511 riverword" in "\n".join(screen_lines(app)))
        shown = "\n".join(screen_lines(app))
        assert "No messages saved" not in shown
        assert "bytes without a line end" in shown  # the tail, named as damaged
        await wait_for(pilot, lambda: "of 1,512" in status(app, "#reader-status"))
        await pilot.press("home")
        await wait_for(pilot, lambda: "line1 riverword" in "\n".join(screen_lines(app)))
        assert "message 1 of 1,512" in status(app, "#reader-status")
