"""Each sender's userpic in the reader: in a chat of several senders, the first message of
each sender's run has their userpic beside its name line (the saved one, in half blocks, else
their initials on their colour), in a gutter that keeps every message's text in one column;
a one-to-one chat and a chat of one sender have none; `i` and ``images = "off"`` hide them;
a userpic file that is no picture (a link, a FIFO, a bomb, noise, too big) leaves the
initials, the chat reading on."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.strip import Strip

from tests.reader.helpers import SIZE, screen_lines
from tests.reader.stranger import Chat, bomb_png, line, message, write_backup
from tests.tui.helpers import wait_for
from tests.tui.screen_text import cut, rows, wrapped_mid_value
from tgtui.archive.service import ArchiveService
from tgtui.format.userpics import COLOURS, colour_index
from tgtui.reader_app import ReaderApp
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import PictureChoice
from tgtui.widgets.userpics import GUTTER, Sender, UserpicLine

BLOCKS = PictureChoice("blocks", "blocks")
ANA = {"from": "Ana Lima", "from_id": "user1"}
BRUNO = {"from": "Bruno Costa", "from_id": "user2"}
USERPIC = (2, 6)  # the columns of a userpic on screen (after the cursor's two)


def _backup(root: Path, userpic: str | None = "good") -> Path:
    """A group where Ana Lima (her picture saved as ``userpic`` says: good, link, fifo, bomb,
    noise, huge; None: not saved) and Bruno Costa (none saved) talk; a one-to-one chat and a
    group where only Ana writes."""
    friends = Chat(-100_5, "Friends")
    friends.lines = [
        line(message(1, "first from ana", **ANA)),
        line(message(2, "ana again", **ANA)),  # a minute later: her run goes on
        line(message(3, "hi ana", **BRUNO)),
        line(message(40, "ana after bruno", **ANA)),
        line(message(41, "ana once more", **ANA)),
        line(message(70, "ana half an hour on", **ANA)),  # long after: a run of its own
    ]
    alone = Chat(-100_6, "Ana alone", [line(message(n, f"note {n}", **ANA)) for n in (1, 2)])
    direct = Chat(6, "Bruno", [line(message(1, "hey", **BRUNO)), line(message(2, "hello", **ANA))])
    chats = [friends, alone, direct]
    entries = [chat.entry() for chat in chats]
    entries[2]["type"] = "personal_chat"
    manifest = {"schema_version": 1, "account": {"id": 77, "name": "Me"}, "chats": entries}
    write_backup(root, chats, manifest)
    folder = root / "avatars"
    folder.mkdir()
    index = [{"peer": "user2", "photo_id": None, "seen": 1}]
    if userpic is not None:
        picture = folder / "user1_5.jpg"
        if userpic == "good":
            from PIL import Image

            Image.new("RGB", (160, 160), (200, 30, 30)).save(picture, "JPEG")
        elif userpic == "link":
            outside = root.parent / "outside.jpg"
            outside.write_bytes(bomb_png(4, 4))
            picture.symlink_to(outside)
        elif userpic == "fifo":
            os.mkfifo(picture)
        elif userpic == "bomb":
            picture.write_bytes(bomb_png(100_000, 100_000))
        elif userpic == "noise":
            picture.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(3000))
        elif userpic == "huge":  # over the size cap (sparse: nothing written)
            with picture.open("wb") as handle:
                handle.truncate(25 * 1024 * 1024)
        index.append({"peer": "user1", "photo_id": "5", "file": "avatars/user1_5.jpg", "seen": 1})
    (folder / "index.jsonl").write_text("".join(json.dumps(e) + "\n" for e in index))
    return root


async def _open(app: ReaderApp, name: str) -> MessageView:
    chat = next(c for c in app.service.archive.chats if c.name == name)
    await app.push_screen(ChatScreen(app.service, chat))
    return app.screen.query_one(MessageView)


def _userpic(view: MessageView, y: int) -> Strip:
    """The cells of screen line ``y`` where a userpic goes."""
    return view.render_line(y).crop(*USERPIC)


def _header(view: MessageView, text: str) -> int:
    """The screen line of the name line of the message saying ``text``."""
    log = view.chat_log
    assert log is not None
    ys = [y for y, row in enumerate(view.rows) if log.at(row.k).get("text") == text]
    assert ys, text
    return next(y for y in ys if "──" not in view.render_line(y).text)  # under its day line


def _red(strip: Strip) -> bool:
    """Every cell is a red half block (Ana's saved picture)."""
    cells = [segment for segment in strip if segment.text.strip()]
    for segment in cells:
        colour = segment.style.color if segment.style else None
        if "▀" not in segment.text or colour is None or colour.triplet is None:
            return False
        red, green, blue = colour.triplet
        if not (red > 150 and green < 90 and blue < 90):
            return False
    return sum(segment.cell_length for segment in cells) == USERPIC[1] - USERPIC[0]


def _initials(strip: Strip, letters: str, peer: str) -> bool:
    """The cells show ``letters`` (or, on the second line, nothing) on ``peer``'s colour."""
    wanted = COLOURS[colour_index(peer)].lstrip("#")
    for segment in strip:
        background = segment.style.bgcolor if segment.style else None
        if background is None or background.triplet is None:
            return False
        if background.triplet.hex.lstrip("#") != wanted:
            return False
    return letters in strip.text and "▀" not in strip.text


def _no_userpic(view: MessageView, y: int) -> bool:
    return _userpic(view, y).text.strip() == "" and not isinstance(view.rows[y].text, UserpicLine)


async def test_each_sender_s_run_starts_with_their_userpic_beside_the_name(
    tmp_path: Path,
) -> None:
    app = ReaderApp(ArchiveService(_backup(tmp_path / "backup")), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        view = await _open(app, "Friends")
        await wait_for(pilot, lambda: view.count == 6)
        first = _header(view, "first from ana")
        await wait_for(pilot, lambda: _red(_userpic(view, first)), what="Ana's picture")
        assert _red(_userpic(view, first + 1))  # two lines high
        lines = [text.rstrip() for text in screen_lines(app)]
        assert "Ana Lima" in lines[first]
        assert "first from ana" in lines[first + 1]
        # Her next message, a minute later, goes on her run: no userpic again.
        assert _no_userpic(view, _header(view, "ana again"))
        # Bruno has no saved picture: his initials, on his colour, on his name line.
        bruno = _header(view, "hi ana")
        assert _initials(_userpic(view, bruno), "BC", "user2")
        assert _initials(_userpic(view, bruno + 1), "", "user2")
        assert "Bruno Costa" in lines[bruno]
        # After Bruno, Ana starts a run again (her picture again); long after it, too.
        assert _red(_userpic(view, _header(view, "ana after bruno")))
        assert _no_userpic(view, _header(view, "ana once more"))
        assert _red(_userpic(view, _header(view, "ana half an hour on")))
        # Every message's text in one column, userpic or not.
        said = ("first from ana", "ana again", "hi ana", "ana half an hour on")
        column = {line.index(text) for line in lines for text in said if line.endswith(text)}
        assert len(column) == 1
        # The picture is decoded once, by the list's picture thread, into its cache.
        assert view.pictures.decoded == 1


async def test_i_and_the_setting_hide_the_userpics_and_their_gutter(tmp_path: Path) -> None:
    root = _backup(tmp_path / "backup")
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        view = await _open(app, "Friends")
        await wait_for(pilot, lambda: view.count == 6)
        await wait_for(pilot, lambda: _red(_userpic(view, _header(view, "first from ana"))))
        await pilot.press("i")
        await wait_for(pilot, lambda: not any(isinstance(r.text, UserpicLine) for r in view.rows))
        lines = screen_lines(app)
        # The lines as without userpics: the time right after the cursor's column.
        assert re.match(r"^[ ▌] \d\d:\d\d Ana Lima", lines[_header(view, "first from ana")])
        assert not any("▀" in line for line in lines)
        await pilot.press("i")
        await wait_for(pilot, lambda: _red(_userpic(view, _header(view, "first from ana"))))
    app = ReaderApp(ArchiveService(root), pictures=PictureChoice("off", "off"))
    async with app.run_test(size=SIZE) as pilot:
        view = await _open(app, "Friends")
        await wait_for(pilot, lambda: view.count == 6)
        await pilot.pause()
        assert not any(isinstance(row.text, UserpicLine) for row in view.rows)
        assert view.pictures.decoded == 0
        await pilot.press("i")
        await wait_for(pilot, lambda: _red(_userpic(view, _header(view, "first from ana"))))


@pytest.mark.parametrize("name", ["Bruno", "Ana alone"])
async def test_a_one_to_one_chat_or_one_sender_s_has_no_userpics(tmp_path: Path, name: str) -> None:
    app = ReaderApp(ArchiveService(_backup(tmp_path / "backup")), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        view = await _open(app, name)
        await wait_for(pilot, lambda: view.count == 2)
        await pilot.pause()
        assert not any(isinstance(row.text, UserpicLine) for row in view.rows)
        assert re.match(r"^[ ▌] \d\d:\d\d ", screen_lines(app)[1])


@pytest.mark.parametrize("kind", ["link", "fifo", "bomb", "noise", "huge"])
async def test_a_userpic_file_that_is_no_picture_leaves_the_initials(
    tmp_path: Path, kind: str
) -> None:
    plain = ReaderApp(ArchiveService(_backup(tmp_path / "plain", userpic=None)), pictures=BLOCKS)
    async with plain.run_test(size=SIZE) as pilot:
        view = await _open(plain, "Friends")
        await wait_for(pilot, lambda: "user1" in view.userpics.found)
        await pilot.pause()
        without = screen_lines(plain)
    app = ReaderApp(ArchiveService(_backup(tmp_path / "backup", kind)), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        view = await _open(app, "Friends")
        await wait_for(pilot, lambda: "user1" in view.userpics.found, what="Ana's file")
        if kind in ("link", "fifo"):  # never opened: not a regular file
            assert view.userpics.found["user1"] is None
        else:  # read (up to the size cap), and refused
            slot = view.userpics.slot(Sender.of(ANA))
            assert slot is not None
            await wait_for(pilot, lambda: slot.key in view.pictures.failed, what=kind)
        await pilot.pause()
        first = _header(view, "first from ana")
        assert _initials(_userpic(view, first), "AL", "user1")
        assert screen_lines(app) == without  # the initials, as with none saved
        await pilot.press("up", "up", "i", "i", "down")
        assert isinstance(app.screen, ChatScreen)
        assert any("ana half an hour on" in text for text in screen_lines(app))


async def test_userpics_at_80x24(tmp_path: Path) -> None:
    app = ReaderApp(ArchiveService(_backup(tmp_path / "backup")), pictures=BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await _open(app, "Friends")
        await wait_for(pilot, lambda: view.count == 6)
        await wait_for(pilot, lambda: _red(_userpic(view, _header(view, "first from ana"))))
        lines = rows(app)
        assert len(lines) == 24
        assert wrapped_mid_value(lines) == []
        assert cut(lines, ["Friends", "Ana Lima", "Bruno Costa", "ana half an hour on"]) == []
        for line in screen_lines(app):
            assert len(line) == 80
        # The text column: the gutter (a userpic and a space) and the time's.
        assert screen_lines(app)[_header(view, "first from ana") + 1].index("first") == (
            2 + GUTTER + 6
        )


async def _read_friends(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ReaderApp)
    view = await _open(app, "Friends")
    await wait_for(pilot, lambda: view.count == 6)
    await wait_for(pilot, lambda: _red(_userpic(view, _header(view, "first from ana"))))
    await pilot.pause(0.2)


def test_the_reader_with_the_senders_userpics_at_80x24(
    snap_compare: Callable[..., bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        app = ReaderApp(ArchiveService(_backup(tmp_path / "backup")), pictures=BLOCKS)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_read_friends)
    finally:
        monkeypatch.undo()
        time.tzset()
