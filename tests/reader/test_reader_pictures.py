"""Pictures in the reader: a saved photo drawn under its message in half blocks, `i` hiding
and showing them, a wide link preview's picture in a box of its shape (the record's
thumbnail size), and files that are no pictures (corrupt, a decompression bomb, a link out
of the folder, a FIFO) shown as one line saying why, the reader going on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.reader.helpers import SIZE, manifest_chats, records, screen_lines
from tests.reader.stranger import Chat, bomb_png, line, message, write_backup
from tests.tui.helpers import wait_for
from tgtui.archive.service import ArchiveService
from tgtui.reader_app import ReaderApp
from tgtui.screens.reader import ChatScreen
from tgtui.widgets.message_pictures import PictureLine
from tgtui.widgets.message_view import MessageView
from tgtui.widgets.picture_rows import PictureChoice

BLOCKS = PictureChoice("blocks", "blocks")


def _photo(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A chat and its newest message with a saved photo."""
    for chat in manifest_chats(folder):
        for record in reversed(records(folder, chat)):
            if record.get("media_type") == "photo" and record.get("file"):
                return chat, record
    raise AssertionError("the backup has no saved photo")


def _picture_rows(view: MessageView) -> list[PictureLine]:
    return [row.text for row in view.rows if isinstance(row.text, PictureLine)]


async def _open_at(app: ReaderApp, chat_id: object, message_id: int | None = None) -> ChatScreen:
    """The chat open in the reader, at ``message_id`` (None: its newest)."""
    target = app.service.archive.chat(int(str(chat_id)))
    assert target is not None
    screen = ChatScreen(app.service, target, message_id=message_id)
    await app.push_screen(screen)
    return screen


async def test_a_photo_is_drawn_under_its_message_and_i_hides_it(backup: Path) -> None:
    chat, photo = _photo(backup)
    app = ReaderApp(ArchiveService(backup), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        await _open_at(app, chat["id"], photo["id"])
        view = app.screen.query_one(MessageView)
        name = Path(photo["file"]).name

        def mine() -> list[PictureLine]:
            return [row for row in _picture_rows(view) if row.slot.source.path.name == name]

        await wait_for(pilot, lambda: bool(mine()))
        slot = mine()[0].slot
        await wait_for(pilot, lambda: slot.key in view.pictures.cache)
        await pilot.pause()
        lines = screen_lines(app)
        rows = view.rows
        ys = [y for y, row in enumerate(rows) if row.text in mine()]
        assert len(ys) == slot.box.rows >= 3
        assert all("▀" in lines[y] for y in ys)  # the picture's lines, in half blocks
        # Under its own message: its media line is just above the picture.
        above = rows[ys[0] - 1]
        assert above.k == rows[ys[0]].k
        assert name in lines[ys[0] - 1]
        assert "photo" in lines[ys[0] - 1]

        await pilot.press("i")
        await pilot.pause()
        assert not _picture_rows(view)
        assert not any("▀" in line for line in screen_lines(app))
        await pilot.press("i")
        await wait_for(pilot, lambda: any("▀" in line for line in screen_lines(app)))


async def test_pictures_off_in_the_setting_draw_nothing_until_i(backup: Path) -> None:
    chat, photo = _photo(backup)
    app = ReaderApp(ArchiveService(backup), pictures=PictureChoice("off", "off"))
    async with app.run_test(size=SIZE) as pilot:
        await _open_at(app, chat["id"], photo["id"])
        view = app.screen.query_one(MessageView)
        await pilot.pause(0.3)
        assert not _picture_rows(view)
        await pilot.press("i")
        await wait_for(pilot, lambda: any("▀" in line for line in screen_lines(app)))


async def test_a_narrow_window_shows_no_pictures(backup: Path) -> None:
    chat, photo = _photo(backup)
    app = ReaderApp(ArchiveService(backup), pictures=BLOCKS)
    async with app.run_test(size=(44, 24)) as pilot:
        await _open_at(app, chat["id"], photo["id"])
        view = app.screen.query_one(MessageView)
        await pilot.pause(0.3)
        assert not _picture_rows(view)


async def test_files_that_are_no_pictures_say_so_in_one_line(backup: Path) -> None:
    chat, photo = _photo(backup)
    saved = [r for r in records(backup, chat) if r.get("media_type") == "photo" and r.get("file")]
    folder = backup / chat["path"]
    target = folder / photo["file"]
    outside = backup.parent / "secret.png"
    outside.write_bytes(bomb_png(4, 4))
    target.unlink()
    target.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(3000))  # a JPEG's start, then noise
    if len(saved) > 1:
        bomb = folder / saved[-2]["file"]
        bomb.unlink()
        bomb.write_bytes(bomb_png(100_000, 100_000))
    if len(saved) > 2:
        link = folder / saved[-3]["file"]
        link.unlink()
        link.symlink_to(outside)
    app = ReaderApp(ArchiveService(backup), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        await _open_at(app, chat["id"], photo["id"])
        view = app.screen.query_one(MessageView)

        def said() -> bool:
            return any("picture not shown" in line for line in screen_lines(app))

        await wait_for(pilot, said)
        text = "\n".join(screen_lines(app))
        assert "it is not a picture in a format" in text or "damaged picture" in text
        for name in (saved[-2]["file"],) if len(saved) > 1 else ():
            view.jump(
                next(
                    k
                    for k in range(view.count)
                    if view.chat_log and view.chat_log.at(k).get("file") == name
                )
            )
            await wait_for(pilot, lambda: "too big to draw" in "\n".join(screen_lines(app)))
        if len(saved) > 2:
            name = saved[-3]["file"]
            log = view.chat_log
            assert log is not None
            view.jump(next(k for k in range(view.count) if log.at(k).get("file") == name))
            await wait_for(pilot, lambda: "link" in "\n".join(screen_lines(app)))
            assert not _picture_rows(view) or all(
                row.slot.source.path.name != Path(name).name for row in _picture_rows(view)
            )
        await pilot.press("up", "down")
        assert isinstance(app.screen, ChatScreen)


async def test_an_animated_sticker_shows_its_saved_still_frame_else_its_emoji(
    tmp_path: Path,
) -> None:
    from PIL import Image

    root = tmp_path / "backup"
    chat = Chat(-100_9, "Stickers")
    thumbs = root / chat.path / "thumbs"
    thumbs.mkdir(parents=True)
    Image.new("RGB", (128, 128), (30, 200, 40)).save(thumbs / "41.webp", "WEBP")

    def sticker(message_id: int, mime: str, emoji: str, **fields: Any) -> bytes:
        extension = "tgs" if mime == "application/x-tgsticker" else "webm"
        record = message(
            message_id,
            "",
            media_type="sticker",
            mime_type=mime,
            file_name=f"sticker.{extension}",
            sticker_emoji=emoji,
            width=512,
            height=512,
            **fields,
        )
        return line(record)

    chat.lines = [
        line(message(1, "before")),
        sticker(2, "application/x-tgsticker", "🐸", thumbnail="thumbs/41.webp"),
        sticker(3, "video/webm", "🚀"),  # no still frame saved: its emoji
        line(message(4, "after")),
    ]
    write_backup(root, [chat])
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        await _open_at(app, chat.id)
        view = app.screen.query_one(MessageView)
        await wait_for(pilot, lambda: bool(_picture_rows(view)), what="the sticker's frame")
        slot = _picture_rows(view)[0].slot
        assert slot.source.path.name == "41.webp"
        await wait_for(pilot, lambda: slot.key in view.pictures.cache)
        await pilot.pause()
        lines = screen_lines(app)
        ys = [y for y, row in enumerate(view.rows) if isinstance(row.text, PictureLine)]
        assert all("▀" in lines[y] for y in ys)
        frog = [y for y, row in enumerate(view.rows) if row.k == 2]
        assert ys
        assert set(ys) <= set(frog)  # under the animated sticker's own message
        assert not any("🐸" in lines[y] and "(animated sticker)" in lines[y] for y in frog)
        rocket = [lines[y] for y, row in enumerate(view.rows) if row.k == 1]
        assert any("🚀" in text and "(animated sticker)" in text for text in rocket), rocket


async def test_a_wide_link_preview_s_picture_takes_the_rows_its_shape_needs(
    tmp_path: Path,
) -> None:
    """Its box comes from the record's thumbnail size, before the picture is read: a 320 x
    100 picture fills every row of its box in half blocks, none left blank under it."""
    from PIL import Image

    root = tmp_path / "backup"
    chat = Chat(-100_4, "Links")
    thumbs = root / chat.path / "thumbs"
    thumbs.mkdir(parents=True)
    Image.new("RGB", (320, 100), (220, 120, 20)).save(thumbs / "556.jpg", "JPEG")
    page = message(
        2,
        "see https://example.com/wide",
        media_type="web_page",
        web_page_url="https://example.com/wide",
        web_page_title="A wide picture",
        thumbnail="thumbs/556.jpg",
        thumbnail_width=320,
        thumbnail_height=100,
    )
    chat.lines = [line(message(1, "before")), line(page), line(message(3, "after"))]
    write_backup(root, [chat])
    app = ReaderApp(ArchiveService(root), pictures=BLOCKS)
    async with app.run_test(size=SIZE) as pilot:
        await _open_at(app, chat.id)
        view = app.screen.query_one(MessageView)
        await wait_for(pilot, lambda: bool(_picture_rows(view)), what="the preview's picture")
        box = _picture_rows(view)[0].slot.box
        await wait_for(pilot, lambda: _picture_rows(view)[0].slot.key in view.pictures.cache)
        await pilot.pause()
        lines = screen_lines(app)
        ys = [y for y, row in enumerate(view.rows) if isinstance(row.text, PictureLine)]
        # As wide as the view lets it be, and as high as 320 x 100 is at that width (two
        # pixels a row): every row of it drawn across the whole box.
        assert box.columns >= 40
        assert len(ys) == box.rows == round(box.columns * 100 / 320 / 2)
        assert [lines[y].count("▀") for y in ys] == [box.columns] * box.rows
        assert "A wide picture" in lines[ys[0] - 1]
        assert "after" in "\n".join(lines[ys[-1] + 1 :])
