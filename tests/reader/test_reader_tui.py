"""Reading a backup in the TUI, offline: the archive's chats, a chat from its newest message,
Home, a date jump, a reply jump and back, a saved file opened, new lines from a running
backup, and damaged lines shown as such."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text

from tests.reader.helpers import (
    SIZE,
    manifest_chats,
    on_cursor,
    reader,
    records,
    screen_lines,
    status,
)
from tests.tui.helpers import wait_for
from tgtui.archive.folder import ArchiveError
from tgtui.archive.service import ArchiveService
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.archive_list import ArchiveList
from tgtui.widgets.message_view import MessageView


def _biggest(folder: Path) -> dict[str, Any]:
    return max(manifest_chats(folder), key=lambda c: c["messages"])


async def test_archive_lists_the_manifest_and_opens_a_chat_at_its_newest(backup: Path) -> None:
    app = reader(backup)
    chat = _biggest(backup)
    saved = records(backup, chat)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        assert {c.id for c in listing.shown} == {c["id"] for c in manifest_chats(backup)}
        total = sum(c["messages"] for c in manifest_chats(backup))
        assert f"{total:,} messages" in status(app, "#archive-title")
        listing.cursor = next(i for i, c in enumerate(listing.shown) if c.id == chat["id"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        await wait_for(pilot, lambda: "of" in status(app, "#reader-status"))
        assert on_cursor(app)["id"] == saved[-1]["id"]
        assert f"message {len(saved):,} of {len(saved):,}" in status(app, "#reader-status")
        newest_text = next(r["text"] for r in reversed(saved) if r.get("text"))
        assert any(newest_text[:30] in line for line in screen_lines(app))
        await pilot.press("home")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == saved[0]["id"])
        assert f"message 1 of {len(saved):,}" in status(app, "#reader-status")
        await pilot.press("end")
        assert on_cursor(app)["id"] == saved[-1]["id"]
        await pilot.press("escape")
        assert isinstance(app.screen, ArchiveScreen)


async def test_jump_to_a_date(backup: Path) -> None:
    chat = _biggest(backup)
    saved = records(backup, chat)
    middle = saved[len(saved) // 2]
    when = dt.datetime.fromtimestamp(int(middle["date_unixtime"]), dt.UTC).astimezone()
    day = when.date()
    expected = next(
        r
        for r in saved
        if dt.datetime.fromtimestamp(int(r["date_unixtime"]), dt.UTC).astimezone().date() >= day
    )
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        service = app.service
        target = service.archive.chat(int(str(chat["id"])))
        assert target is not None
        await app.push_screen(ChatScreen(service, target))
        await pilot.pause()
        await pilot.press("d", *day.isoformat(), "enter")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == expected["id"])
        heading = f"{day:%A}, {day.day} {day:%B %Y}"
        assert any(heading in line for line in screen_lines(app))
        # A date that is not a date says so and stays.
        await pilot.press("d", *"someday", "enter")
        assert "is not a date" in status(app, "#date-error")
        await pilot.press("escape")
        assert on_cursor(app)["id"] == expected["id"]


async def test_reply_jumps_to_the_answered_message_and_backspace_returns(backup: Path) -> None:
    chat, reply = next(
        (c, r)
        for c in manifest_chats(backup)
        for r in records(backup, c)
        if isinstance(r.get("reply_to_message_id"), int)
        and not r.get("reply_to_peer_id")
        and any(o["id"] == r["reply_to_message_id"] for o in records(backup, c))
    )
    answered = next(r for r in records(backup, chat) if r["id"] == reply["reply_to_message_id"])
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chat(int(chat["id"]))
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target, message_id=reply["id"]))
        await wait_for(pilot, lambda: on_cursor(app)["id"] == reply["id"])
        quote = f"↩ {answered.get('from')}"
        assert any(quote in line for line in screen_lines(app))
        await pilot.press("right")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == answered["id"])
        await pilot.press("backspace")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == reply["id"])


def _a_saved_file(backup: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A chat and a message of it with a saved file (and no reply, so Enter opens the file)."""
    return next(
        (c, r)
        for c in manifest_chats(backup)
        for r in records(backup, c)
        if r.get("file") and not r.get("reply_to_message_id")
    )


async def _read_at(
    pilot: Any, app: Any, chat: dict[str, Any], message: dict[str, Any], opened: list[Path]
) -> None:
    """The chat opened in the reader with the cursor on ``message``; files it opens are
    noted in ``opened``."""
    target = app.service.archive.chat(int(chat["id"]))
    assert target is not None
    screen = ChatScreen(app.service, target, message_id=message["id"], opener=opened.append)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: on_cursor(app)["id"] == message["id"])


async def test_enter_opens_a_saved_file_with_the_system_opener(backup: Path) -> None:
    chat, with_file = _a_saved_file(backup)
    opened: list[Path] = []
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await _read_at(pilot, app, chat, with_file, opened)
        assert any("saved" in line and "▣" in line for line in screen_lines(app))
        await pilot.press("enter")
        assert opened == [backup / chat["path"] / with_file["file"]]
        assert opened[0].is_file()
        # The file gone: Enter says so, and opens nothing.
        opened[0].unlink()
        app.screen.query_one(MessageView).refresh_blocks()
        await pilot.press("enter")
        assert len(opened) == 1
        assert any("not saved yet" in line for line in screen_lines(app))


async def test_new_lines_from_a_running_backup_appear(backup: Path) -> None:
    chat = _biggest(backup)
    saved = records(backup, chat)
    jsonl = backup / chat["path"] / "messages.jsonl"
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chat(int(chat["id"]))
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await wait_for(pilot, lambda: on_cursor(app)["id"] == saved[-1]["id"])
        words = "Freshly saved words"
        newer = dict(
            saved[-1],
            id=saved[-1]["id"] + 1,
            text=words,
            text_entities=[{"type": "bold", "text": words}],
        )
        with jsonl.open("a", encoding="utf-8") as handle:
            # A line being written shows only once it is whole.
            line = json.dumps(newer)
            handle.write(line[:20])
            handle.flush()
            await pilot.pause(1.3)
            assert on_cursor(app)["id"] == saved[-1]["id"]
            handle.write(line[20:] + "\n")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == newer["id"], within=5)
        assert any("Freshly saved words" in line for line in screen_lines(app))
        assert f"of {len(saved) + 1:,}" in status(app, "#reader-status")


async def test_damaged_lines_are_shown_as_such_and_reading_goes_on(backup: Path) -> None:
    chat = _biggest(backup)
    saved = records(backup, chat)
    jsonl = backup / chat["path"] / "messages.jsonl"
    lines = jsonl.read_bytes().split(b"\n")
    lines[-3] = b'{"id": 12, "text": "cut off in the midd'
    lines[-5] = b"[1, 2, 3]"
    jsonl.write_bytes(b"\n".join(lines))
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        target = app.service.archive.chat(int(chat["id"]))
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await wait_for(pilot, lambda: on_cursor(app)["id"] == saved[-1]["id"])
        await pilot.press("i")  # the text only: the newest messages' pictures take the screen

        def shown() -> str:
            return "\n".join(screen_lines(app))

        await wait_for(pilot, lambda: "is not a message" in shown())
        assert "is not a readable message" in shown()
        # Jumps bisect around damaged lines.
        await pilot.press("home")
        await wait_for(pilot, lambda: on_cursor(app)["id"] == saved[0]["id"])


async def test_a_partial_chat_says_so_in_the_archive(backup: Path) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["chats"][0]["status"] = "partial"
    manifest["chats"][0]["reason"] = "stopped by the user"
    (backup / "manifest.json").write_text(json.dumps(manifest))
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        lines = [listing.render_line(y).text for y in range(listing.size.height)]
        assert any("partial" in line for line in lines)
        await pilot.press("down", "up")  # the detail line says why
        assert "partial: stopped by the user" in status(app, "#archive-detail")


async def test_a_chat_whose_file_is_not_a_file_is_refused_with_a_message(backup: Path) -> None:
    chat = _biggest(backup)
    jsonl = backup / chat["path"] / "messages.jsonl"
    jsonl.unlink()
    os.mkfifo(jsonl)  # reading it would block forever
    app = reader(backup)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        target = app.service.archive.chat(int(chat["id"]))
        assert target is not None
        await app.push_screen(ChatScreen(app.service, target))
        await pilot.pause()
        assert "is not a regular file" in status(app, "#reader-status")


def test_a_folder_without_a_backup_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="holds no backup"):
        ArchiveService(tmp_path)


async def test_a_saved_file_swapped_for_a_link_out_of_the_backup_is_not_saved(
    backup: Path, tmp_path: Path
) -> None:
    chat, with_file = _a_saved_file(backup)
    outside = tmp_path / "secret.txt"
    outside.write_text("not part of the backup")
    target = backup / chat["path"] / with_file["file"]
    target.unlink()
    target.symlink_to(outside)
    opened: list[Path] = []
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await _read_at(pilot, app, chat, with_file, opened)
        view = app.screen.query_one(MessageView)
        lines = [r.text.plain for r in view.rows if r.k == view.cursor and isinstance(r.text, Text)]
        media = [line for line in lines if "▣" in line]
        assert media
        assert not any(line.endswith("· saved") for line in media), media
        await pilot.press("enter")
        assert opened == []


async def test_the_archive_list_follows_clicks_and_vi_keys(backup: Path) -> None:
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        listing = app.screen.query_one(ArchiveList)
        assert len(listing.shown) >= 4
        await pilot.press("j", "j", "j", "k")
        assert listing.cursor == 2
        await pilot.press("G")
        assert listing.cursor == len(listing.shown) - 1
        await pilot.press("g")
        assert listing.cursor == 0
        await pilot.click(ArchiveList, offset=(10, 3))
        assert listing.cursor == 3
        clicked = listing.shown[3]
        await pilot.press("enter")  # opens the chat clicked
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert clicked.name in status(app, "#reader-title")
