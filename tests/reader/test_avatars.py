"""The chats' pictures in the terminal: the one the backup saved (avatars/) drawn small in the
reader's header, beside the archive's chat under the cursor and in the chat list's preview
pane; the name's initials on a colour where none is saved, or where the saved file is no
picture (a link, a bomb, noise); `i` hides them. A link preview's saved picture is drawn
under it like a photo."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.reader.helpers import SIZE, screen_lines
from tests.reader.stranger import Chat, bomb_png, line, message, write_backup
from tests.tui.helpers import wait_for
from tgtui.archive.service import ArchiveService
from tgtui.reader_app import ReaderApp
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.avatar import Avatar
from tgtui.widgets.chat_preview import ChatPreview
from tgtui.widgets.message_pictures import PictureLine
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import PictureChoice

BLOCKS = PictureChoice("blocks", "blocks")
RED = (200, 30, 30)


def _jpeg(
    path: Path, colour: tuple[int, int, int] = RED, size: tuple[int, int] = (160, 160)
) -> int:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG", quality=90)
    return path.stat().st_size


def _backup(root: Path, avatar: str | None = "good") -> tuple[Chat, Chat]:
    """Two chats: "Ana Lima" (-1001, peer chat1001), whose picture is saved as ``avatar``
    says (good, link, bomb, noise, or None: not saved), and "Work" (none saved)."""
    ana = Chat(-100_1, "Ana Lima", [line(message(n, f"hello {n}")) for n in range(1, 6)])
    work = Chat(-100_2, "Work", [line(message(n, f"work {n}")) for n in range(1, 4)])
    write_backup(root, [ana, work])
    if avatar is None:
        return ana, work
    folder = root / "avatars"
    folder.mkdir()
    picture = folder / "chat1001_7.jpg"
    if avatar == "good":
        _jpeg(picture)
    elif avatar == "link":
        outside = root.parent / "outside.jpg"
        _jpeg(outside)
        picture.symlink_to(outside)
    elif avatar == "bomb":
        picture.write_bytes(bomb_png(100_000, 100_000))
    elif avatar == "noise":
        picture.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(3000))
    elif avatar == "fifo":
        os.mkfifo(picture)
    entries = [
        {"peer": "chat1002", "photo_id": None, "seen": 1},
        {"peer": "chat1001", "photo_id": "7", "file": "avatars/chat1001_7.jpg", "seen": 1},
    ]
    (folder / "index.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return ana, work


def _lines(avatar: Avatar) -> list[str]:
    return [avatar.render_line(y).text for y in range(avatar.size.height)]


def _red_blocks(avatar: Avatar) -> bool:
    """The avatar shows the saved (red) picture in half blocks."""
    for y in range(avatar.size.height):
        for segment in avatar.render_line(y):
            colour = segment.style.color if segment.style else None
            if "▀" in segment.text and colour is not None and colour.triplet is not None:
                red, green, blue = colour.triplet
                if red > 150 and green < 90 and blue < 90:
                    return True
    return False


def _initials(avatar: Avatar, letters: str) -> bool:
    """The avatar shows ``letters`` on its colour, filling every cell."""
    lines = _lines(avatar)
    coloured = all(
        segment.style is not None and segment.style.bgcolor is not None
        for y in range(avatar.size.height)
        for segment in avatar.render_line(y)
    )
    shown = any(letters in text for text in lines) and not any("▀" in text for text in lines)
    return shown and coloured


async def _open(app: ReaderApp, name: str) -> ChatScreen:
    chat = next(c for c in app.service.archive.chats if c.name == name)
    screen = ChatScreen(app.service, chat)
    await app.push_screen(screen)
    return screen


async def test_the_reader_header_draws_the_saved_picture_and_i_hides_it(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    _backup(root)
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, "Ana Lima")
        avatar = screen.query_one("#reader-avatar", Avatar)
        await wait_for(pilot, lambda: _red_blocks(avatar), what="the chat's picture")
        assert avatar.size == (4, 2)
        view = screen.query_one(MessageView)
        assert avatar.pictures is view.pictures  # the list's cache and thread
        assert any("hello 5" in text for text in screen_lines(app))
        await pilot.press("i")
        await wait_for(pilot, lambda: not avatar.display, what="the picture hidden")
        await pilot.press("i")
        await wait_for(pilot, lambda: avatar.display and _red_blocks(avatar))


async def test_a_chat_without_a_saved_picture_shows_its_initials(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    _backup(root, avatar=None)
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, "Ana Lima")
        avatar = screen.query_one("#reader-avatar", Avatar)
        await wait_for(pilot, lambda: _initials(avatar, "AL"), what="the initials")
        assert avatar.slot is None


async def test_pictures_off_in_the_setting_hide_the_header_picture(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    _backup(root)
    app = ReaderApp(ArchiveService(root), pictures=PictureChoice("off", "off"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, "Ana Lima")
        avatar = screen.query_one("#reader-avatar", Avatar)
        await wait_for(pilot, lambda: screen.query_one(MessageView).count == 5)
        assert not avatar.display
        await pilot.press("i")
        await wait_for(pilot, lambda: avatar.display and _red_blocks(avatar))


@pytest.mark.parametrize("kind", ["link", "bomb", "noise", "fifo"])
async def test_hostile_avatar_files_show_initials_and_the_chat_reads_on(
    tmp_path: Path, kind: str
) -> None:
    root = tmp_path / "backup"
    _backup(root, avatar=kind)
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, "Ana Lima")
        avatar = screen.query_one("#reader-avatar", Avatar)
        view = screen.query_one(MessageView)
        if kind in ("bomb", "noise"):  # a regular file: decoded, and refused
            await wait_for(pilot, lambda: avatar.slot is not None, what=kind)
            slot = avatar.slot
            assert slot is not None
            await wait_for(pilot, lambda: slot.key in view.pictures.failed, what=kind)
        else:  # a link or a FIFO: never opened
            await wait_for(pilot, lambda: view.count == 5)
            await pilot.pause()
            assert avatar.slot is None
        assert _initials(avatar, "AL")
        assert any("hello 5" in text for text in screen_lines(app))
        await pilot.press("up", "i", "i")
        assert isinstance(app.screen, ChatScreen)


async def test_a_hostile_index_is_passed_over(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    _backup(root)
    index = root / "avatars" / "index.jsonl"
    outside = tmp_path / "index.jsonl"
    lines = [
        b"[1, 2]\n",
        b'{"peer": "chat1001", "photo_id": "7", "file": "../../etc/passwd"}\n',
        b'{"peer": "chat1001", "photo_id": "7", "file": "avatars/user1_7.jpg"}\n',
        b"\xff\xfe not json\n",
        b"{" * 5000 + b"\n",
    ]
    outside.write_bytes(b"".join(lines))
    index.unlink()
    index.symlink_to(outside)  # refused: a link
    await _shows_initials(root)
    index.unlink()
    index.write_bytes(b"".join(lines))  # a file, with lines that name nothing tgtui writes
    await _shows_initials(root)


async def _shows_initials(root: Path) -> None:
    """Ana Lima's chat opens with her initials in the header, no picture."""
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, "Ana Lima")
        avatar = screen.query_one("#reader-avatar", Avatar)
        await wait_for(pilot, lambda: screen.query_one(MessageView).count == 5)
        await pilot.pause(0.2)
        assert avatar.slot is None
        assert _initials(avatar, "AL")


async def test_the_archive_shows_the_picture_of_the_chat_under_the_cursor(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    _backup(root)
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        screen = app.screen
        assert isinstance(screen, ArchiveScreen)
        avatar = screen.query_one("#archive-avatar", Avatar)
        listing = screen.chat_list

        def under_cursor(name: str) -> None:
            listing.cursor = next(i for i, c in enumerate(listing.shown) if c.name == name)

        under_cursor("Ana Lima")
        await wait_for(pilot, lambda: _red_blocks(avatar), what="Ana's picture")
        under_cursor("Work")
        await wait_for(pilot, lambda: _initials(avatar, "W"), what="Work's initials")
        await pilot.press("i")
        await wait_for(pilot, lambda: not avatar.display)
        under_cursor("Ana Lima")
        await pilot.pause()
        assert not avatar.display
        await pilot.press("i")
        await wait_for(pilot, lambda: avatar.display and _red_blocks(avatar))


@dataclass
class _Settings:
    backup_dir: Path


@dataclass
class _Context:
    settings: _Settings


class _PreviewApp(App[None]):
    """The chat list's preview pane alone, in an app whose backups are in ``folder``."""

    def __init__(self, folder: Path, images: str = "auto") -> None:
        super().__init__()
        self.context = _Context(_Settings(folder))
        self.context.settings.images = images  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield ChatPreview(id="chat-preview")


async def test_the_preview_pane_shows_the_backed_up_picture_or_initials(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    _backup(root)
    app = _PreviewApp(root)
    async with app.run_test(size=(80, 24)) as pilot:
        preview = app.query_one(ChatPreview)
        assert preview.avatar is None  # made with the first chat shown
        preview.show_chat("Ana Lima", -100_1, "ana")
        avatar = preview.avatar
        assert avatar is not None
        await wait_for(pilot, lambda: _red_blocks(avatar), what="the backed-up picture")
        title = str(preview.query_one("#preview-title").render())
        assert "Ana Lima" in title
        assert "id -1001" in title
        assert "@ana" in title
        preview.show_chat("Zé Work", -100_2)
        await wait_for(pilot, lambda: _initials(avatar, "ZW"), what="initials")
        preview.focus()
        await pilot.press("i")
        await wait_for(pilot, lambda: not avatar.display)
    app = _PreviewApp(root, images="off")
    async with app.run_test(size=(80, 24)) as pilot:
        preview = app.query_one(ChatPreview)
        preview.show_chat("Ana Lima", -100_1)
        await pilot.pause()
        assert preview.avatar is not None
        assert not preview.avatar.display


@pytest.mark.parametrize("environ", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
async def test_a_terminal_without_colours_shows_no_picture_unless_blocks_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]
) -> None:
    root = tmp_path / "backup"
    _backup(root)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    app = _PreviewApp(root)  # config.toml says nothing of images
    async with app.run_test(size=(80, 24)) as pilot:
        preview = app.query_one(ChatPreview)
        preview.show_chat("Ana Lima", -100_1)
        await pilot.pause()
        assert preview.avatar is not None
        assert not preview.avatar.display
    app = _PreviewApp(root, images="blocks")  # asked for: drawn all the same
    async with app.run_test(size=(80, 24)) as pilot:
        preview = app.query_one(ChatPreview)
        preview.show_chat("Ana Lima", -100_1)
        avatar = preview.avatar
        assert avatar is not None
        await wait_for(pilot, lambda: _red_blocks(avatar), what="the picture, asked for")


async def test_a_link_preview_s_saved_picture_is_drawn_under_it(tmp_path: Path) -> None:
    root = tmp_path / "backup"
    chat = Chat(-100_3, "Links")
    folder = root / chat.path
    size = _jpeg(folder / "thumbs" / "555.jpg", (20, 40, 220), (320, 180))
    page: dict[str, Any] = message(
        2,
        "see https://example.com/garden",
        media_type="web_page",
        web_page_url="https://example.com/garden",
        web_page_site="Garden News",
        web_page_title="Tomatoes in May",
        thumbnail="thumbs/555.jpg",
    )
    chat.lines = [line(message(1, "before")), line(page), line(message(3, "after"))]
    write_backup(root, [chat])
    assert size > 0
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, "Links")
        view = screen.query_one(MessageView)

        def picture_rows() -> list[PictureLine]:
            return [row.text for row in view.rows if isinstance(row.text, PictureLine)]

        await wait_for(pilot, lambda: bool(picture_rows()), what="the preview's picture")
        slot = picture_rows()[0].slot
        assert slot.source.path.name == "555.jpg"
        await wait_for(pilot, lambda: slot.key in view.pictures.cache)
        await pilot.pause()
        lines = screen_lines(app)
        ys = [y for y, row in enumerate(view.rows) if isinstance(row.text, PictureLine)]
        # A record without its thumbnail's size (written before tgtui kept it): a square
        # box, the wide picture in its top rows. One with the size gets a box of the
        # picture's shape (test_reader_pictures: a wide link preview's picture).
        assert "▀" in lines[ys[0]]
        assert sum("▀" in lines[y] for y in ys) >= len(ys) // 2
        assert "link preview · Garden News · Tomatoes in May" in lines[ys[0] - 1]
        await pilot.press("i")
        await wait_for(pilot, lambda: not picture_rows())


async def _read_ana(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
    avatar = app.screen.query_one("#reader-avatar", Avatar)
    view = app.screen.query_one(MessageView)
    await wait_for(pilot, lambda: _red_blocks(avatar), what="the chat's picture")
    await wait_for(
        pilot,
        lambda: all(
            row.text.slot.key in view.pictures.cache
            for row in view.rows
            if isinstance(row.text, PictureLine)
        ),
        what="the photo",
    )
    await pilot.pause(0.2)


def test_the_reader_with_its_chat_picture_at_80x24(
    snap_compare: Callable[..., bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        root = tmp_path / "backup"
        ana, work = _backup(root)
        size = _jpeg(root / ana.path / "media" / "photos" / "6.jpg", (40, 160, 90), (320, 240))
        photo = message(
            6,
            "the garden",
            media_type="photo",
            file="media/photos/6.jpg",
            width=320,
            height=240,
            file_size=size,
        )
        ana.lines += [line(photo), line(message(7, "lovely"))]
        write_backup(root, [ana, work])
        app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_read_ana)
    finally:
        monkeypatch.undo()
        time.tzset()
