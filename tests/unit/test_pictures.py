"""Pictures for the reader, without the app: what a terminal is sent for a known image (half
blocks, Kitty's graphics protocol, Sixel), boxes, the byte-bounded cache, hostile files, the
choice of protocol, and config.toml's `images`."""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console
from rich.segment import Segments

from tgtui.archive.pictures import (
    MAX_PIXELS,
    ByteCache,
    PictureSource,
    Refused,
    box_for,
    decode,
    picture_of,
    sticker_emoji,
)
from tgtui.config import ConfigError, Paths, load_settings
from tgtui.widgets.picture_rows import (
    BlockPicture,
    KittyPicture,
    PictureChoice,
    SixelPicture,
    choice_of,
    choose,
    draw,
    sixel_data,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)


def _two_colours() -> Image.Image:
    """4 x 4 pixels: the top half red, the bottom half blue."""
    image = Image.new("RGB", (4, 4), RED)
    image.paste(BLUE, (0, 2, 4, 4))
    return image


def test_half_blocks_put_the_upper_pixel_in_front_and_the_lower_behind() -> None:
    image = Image.new("RGB", (2, 4), RED)
    image.paste(BLUE, (0, 1, 2, 4))  # row 0 red, rows 1-3 blue
    picture = BlockPicture.of(image, 2, 2)
    console = Console(width=10, color_system="truecolor", force_terminal=True)
    first = picture.line(0, console, (0, 0, 0, 1))
    assert "".join(s.text for s in first) == "▀▀"
    style = first[0].style
    assert style is not None
    assert style.color is not None
    assert style.bgcolor is not None
    assert style.color.get_truecolor().hex == "#ff0000"
    assert style.bgcolor.get_truecolor().hex == "#0000ff"
    second = picture.line(1, console, (0, 0, 0, 1))
    assert second[0].style is not None
    assert second[0].style.color is not None
    assert second[0].style.color.get_truecolor().hex == "#0000ff"
    with console.capture() as captured:
        console.print(Segments(first), end="")
    assert "\x1b[38;2;255;0;0;48;2;0;0;255m▀▀" in captured.get()


def test_kitty_output_sends_the_png_once_and_draws_unicode_placeholders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = io.StringIO()
    monkeypatch.setattr(sys, "__stdout__", written)
    picture = KittyPicture.of(_two_colours(), 2, 1)
    console = Console(width=10, color_system="truecolor", force_terminal=True)
    line = picture.line(0, console, (0, 0, 0, 0))
    sent = written.getvalue()
    # The picture, as a PNG in base64 (f=100), then a virtual placement of 2 x 1 cells (U=1).
    transmit = re.search(r"\x1b_Gi=(\d+),m=0,f=100,q=2;([A-Za-z0-9+/=]+)\x1b\\", sent)
    assert transmit is not None
    ident = int(transmit.group(1))
    png = Image.open(io.BytesIO(base64.b64decode(transmit.group(2))))
    assert png.format == "PNG"
    top, bottom = (
        png.convert("RGB").getpixel((0, 0)),
        png.convert("RGB").getpixel((0, png.height - 1)),
    )
    assert top == RED
    assert bottom == BLUE
    assert f"\x1b_Ga=p,i={ident},c=2,r=1,U=1,q=2\x1b\\" in sent
    # On screen: two placeholder cells (U+10EEEE and diacritics for row and column), the
    # image id in the colour.
    text = "".join(segment.text for segment in line)
    assert text.count("\U0010eeee") == 2
    colour = line[0].style.color if line[0].style else None
    assert colour is not None
    assert colour.get_truecolor() == ((ident >> 16) & 255, (ident >> 8) & 255, ident & 255)
    picture.line(0, console, (0, 0, 0, 0))
    assert written.getvalue() == sent  # sent once
    picture.close()
    assert written.getvalue().endswith(f"\x1b_Ga=d,I={ident}\x1b\\")  # deleted when dropped


def test_sixel_output_for_a_known_image() -> None:
    sixels = sixel_data(_two_colours())
    assert sixels.startswith("\x1bP")
    assert sixels.endswith("\x1b\\")
    body = sixels[sixels.index("q") + 1 :]
    # Colour registers in percent: red and blue, and one band of six pixel rows (4 high).
    assert "2;100;0;0" in body
    assert "2;0;0;100" in body
    assert "-" not in body.rstrip("-\x1b\\")  # one sixel band
    picture = SixelPicture.of(_two_colours(), _two_colours(), 2, 1)
    console = Console(width=10)
    last = picture.line(0, console, (8, 3, 0, 0))
    texts = [segment.text for segment in last]
    assert texts[0] == "  "  # the cells it covers, blank under the picture
    assert texts[1] == "\x1b[4;9H"  # to its top left corner (1-based row 4, column 9)
    assert texts[2] == picture.sixels
    assert all(segment.cell_length == 0 for segment in last[1:])


def test_boxes_keep_the_shape_and_fit_the_limits() -> None:
    def source(width: int | None, height: int | None) -> PictureSource:
        return PictureSource(Path("x.jpg"), width, height, False, None)

    wide = box_for(source(1280, 720), 60, 12, (1, 2))
    assert wide.columns <= 60
    assert wide.rows <= 12
    assert abs(wide.columns / (2 * wide.rows) - 1280 / 720) < 0.2
    tall = box_for(source(720, 1280), 60, 12, (1, 2))
    assert tall.rows == 12
    assert tall.columns < 20
    unknown = box_for(source(None, None), 60, 12, (1, 2))
    assert unknown.columns == 2 * unknown.rows  # square
    tiny = box_for(source(8, 8), 60, 12, (10, 20))
    assert tiny.columns <= 2
    assert tiny.rows >= 1


def _preview(tmp_path: Path, **size: object) -> dict[str, object]:
    """A link preview's record with its saved picture (``thumbs/5.jpg``) and ``size``."""
    (tmp_path / "thumbs").mkdir(exist_ok=True)
    (tmp_path / "thumbs" / "5.jpg").write_bytes(b"x")
    return {
        "id": 1,
        "media_type": "web_page",
        "web_page_url": "https://example.com/",
        "thumbnail": "thumbs/5.jpg",
        **size,
    }


def test_a_preview_s_box_has_its_thumbnail_s_shape(tmp_path: Path) -> None:
    wide = picture_of(_preview(tmp_path, thumbnail_width=320, thumbnail_height=100), tmp_path)
    assert wide is not None
    assert (wide.width, wide.height) == (320, 100)
    box = box_for(wide, 64, 16, (1, 2))
    # As wide as it may be, and as high as its shape makes it: 64 columns, 20 pixels.
    assert (box.columns, box.rows) == (64, 10)
    unknown = picture_of(_preview(tmp_path), tmp_path)
    assert unknown is not None
    square = box_for(unknown, 64, 16, (1, 2))
    assert (square.columns, square.rows) == (32, 16)  # a record without its size: as before
    # A photo's own size comes first (its thumbnail has its shape, smaller).
    photo = {**_preview(tmp_path, thumbnail_width=320, thumbnail_height=240)}
    photo.update(media_type="photo", width=1280, height=640)
    source = picture_of(photo, tmp_path)
    assert source is not None
    assert (source.width, source.height) == (1280, 640)


def test_a_sticker_s_full_file_takes_its_thumbnail_s_shape_not_its_size(tmp_path: Path) -> None:
    (tmp_path / "media" / "stickers").mkdir(parents=True)
    (tmp_path / "media" / "stickers" / "s.webp").write_bytes(b"x")
    sticker = {
        **_preview(tmp_path, thumbnail_width=128, thumbnail_height=64),
        "media_type": "sticker",
        "mime_type": "image/webp",
        "file": "media/stickers/s.webp",
    }
    source = picture_of(sticker, tmp_path)
    assert source is not None
    assert source.path.name == "s.webp"
    assert source.shape_only
    box = box_for(source, 64, 16, (10, 20))
    # Its shape (2:1), and not held to twice its 128-pixel thumbnail (25 columns).
    assert (box.columns, box.rows) == (64, 16)
    thumbnail = picture_of({**sticker, "file": None}, tmp_path)
    assert thumbnail is not None
    assert not thumbnail.shape_only
    thumb_only = box_for(thumbnail, 64, 16, (10, 20))
    assert thumb_only.columns == 25  # the thumbnail drawn: at most twice its size
    assert thumb_only.rows == 6


@pytest.mark.parametrize(
    "hostile",
    [0, -320, 65_536, 10**12, 10**400, "320", 320.0, True, None, [320], {"w": 320}],
)
def test_a_hostile_size_is_not_believed(tmp_path: Path, hostile: object) -> None:
    for fields in (
        {"thumbnail_width": hostile, "thumbnail_height": 100},
        {"thumbnail_width": 320, "thumbnail_height": hostile},
        {"width": hostile, "height": 100, "media_type": "photo"},
    ):
        source = picture_of(_preview(tmp_path, **fields), tmp_path)
        assert source is not None
        assert (source.width, source.height) == (None, None), fields
        box = box_for(source, 64, 16, (1, 2))
        assert (box.columns, box.rows) == (32, 16)  # square, as a record without a size
    # Handed to the box directly, it is not believed either: never a box out of its limits.
    for width, height in ((hostile, 100), (100, hostile)):
        made = PictureSource(Path("x.jpg"), width, height, False, None)  # type: ignore[arg-type]
        box = box_for(made, 64, 16, (10, 20))
        assert 1 <= box.columns <= 64
        assert 1 <= box.rows <= 16


def test_an_extreme_shape_still_gets_a_box_a_picture_shows_in() -> None:
    for width, height in ((65_535, 1), (1, 65_535)):
        source = PictureSource(Path("x.jpg"), width, height, False, None)
        box = box_for(source, 64, 16, (1, 2))
        assert 1 <= box.columns <= 64
        assert 1 <= box.rows <= 16
        # Held to a shape of 20 to 1 at most: a line of a few cells, not of one.
        assert box.columns >= 2 if width < height else box.rows >= 2


def test_a_stripped_thumbnail_s_size_is_in_its_own_bytes() -> None:
    from telethon.tl import types

    from tgtui.backup.thumbnails import chosen_thumb, thumbnail_fields
    from tgtui.sandbox import pictures

    stripped = types.PhotoStrippedSize("i", pictures.stripped(3, 1280, 400))
    photo = types.Photo(9, 1, b"", None, [stripped], 2)
    chosen = chosen_thumb(types.MessageMediaPhoto(photo=photo))
    assert chosen is not None
    assert chosen.inline is not None
    with Image.open(io.BytesIO(chosen.inline)) as picture:
        assert picture.size == (chosen.width, chosen.height)
    assert chosen.width > 3 * chosen.height
    fields = thumbnail_fields(types.MessageMediaPhoto(photo=photo))
    assert fields == {
        "thumbnail": "thumbs/9.jpg",
        "thumbnail_width": chosen.width,
        "thumbnail_height": chosen.height,
    }
    # A size Telegram gives as zero is left out (the reader then knows no shape).
    odd = types.PhotoSize("m", 0, 240, 1000)
    empty = types.Photo(10, 1, b"", None, [odd], 2)
    assert thumbnail_fields(types.MessageMediaPhoto(photo=empty)) == {"thumbnail": "thumbs/10.jpg"}


def test_the_cache_keeps_the_newest_within_its_bytes() -> None:
    dropped: list[int] = []
    cache: ByteCache[int, int] = ByteCache(100, lambda value: value, dropped.append)
    for key in range(5):
        cache.put(key, 30)
    assert cache.used <= 100
    assert len(cache) == 3
    assert dropped == [30, 30]
    assert cache.get(0) is None
    assert cache.get(4) == 30
    cache.put(9, 500)  # bigger than the budget: kept alone
    assert len(cache) == 1
    assert cache.get(9) == 500
    cache.clear()
    assert len(cache) == 0
    assert cache.used == 0


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a picture"),
        (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "not a picture"),
        (_png_header(100_000, 100_000), "too big"),
        (_png_header(7_000, 7_000), "too big"),  # over MAX_PIXELS, under Pillow's 2x limit
        (b"GIF89a" + b"\xff" * 40, "not a picture"),
        (b"%PDF-1.4 not a picture at all", "not a picture"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    assert MAX_PIXELS < 7_000 * 7_000
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    result = decode(path, 40, 20, (0, 0, 0))
    assert isinstance(result, Refused)
    words = result.reason.replace("damaged picture", "not a picture")
    assert reason in words, result.reason
    drawn = draw(
        path,
        box_for(PictureSource(path, 4, 4, False, None), 10, 5, (1, 2)),
        PictureChoice("blocks", "blocks"),
        (0, 0, 0),
    )
    assert isinstance(drawn, Refused)


def test_a_truncated_jpeg_a_link_a_fifo_and_a_huge_file(tmp_path: Path) -> None:
    whole = io.BytesIO()
    Image.new("RGB", (64, 48), RED).save(whole, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    result = decode(cut, 16, 16, (0, 0, 0))
    assert isinstance(result, (Refused, Image.Image))  # Pillow may draw what it has
    link = tmp_path / "link.jpg"
    link.symlink_to(cut)
    refused = decode(link, 16, 16, (0, 0, 0))
    assert isinstance(refused, Refused)
    assert "link" in refused.reason
    fifo = tmp_path / "fifo.jpg"
    os.mkfifo(fifo)
    refused = decode(fifo, 16, 16, (0, 0, 0))  # at once: a FIFO is not waited on
    assert isinstance(refused, Refused)
    assert "FIFO" in refused.reason
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: nothing is written
    refused = decode(huge, 16, 16, (0, 0, 0))
    assert isinstance(refused, Refused)
    assert "too big" in refused.reason


def test_a_webp_sticker_with_transparency_is_laid_over_the_background(tmp_path: Path) -> None:
    sticker = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    sticker.paste((0, 255, 0, 255), (8, 8, 24, 24))
    path = tmp_path / "s.webp"
    sticker.save(path, "WEBP", lossless=True)
    decoded = decode(path, 32, 32, (10, 20, 30))
    assert isinstance(decoded, Image.Image)
    assert decoded.mode == "RGB"
    assert decoded.getpixel((0, 0)) == (10, 20, 30)
    assert decoded.getpixel((16, 16)) == (0, 255, 0)


def test_which_messages_have_a_picture(tmp_path: Path) -> None:
    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "1.jpg").write_bytes(b"x")
    photo = {"id": 1, "media_type": "photo", "file": "media/photos/1.jpg", "width": 800}
    found = picture_of(photo, tmp_path)
    assert found is not None
    assert (found.width, found.height) == (None, None)  # one side only: no shape
    found = picture_of({**photo, "height": 600}, tmp_path)
    assert found is not None
    assert (found.width, found.height) == (800, 600)
    assert picture_of({**photo, "file": "media/photos/2.jpg"}, tmp_path) is None  # not saved
    assert picture_of({**photo, "file": "../1.jpg"}, tmp_path) is None  # out of the folder
    video = {**photo, "media_type": "video_file", "mime_type": "video/mp4"}
    assert picture_of(video, tmp_path) is None  # no thumbnail in the backup (yet)
    gif = {**photo, "media_type": "animation", "mime_type": "image/gif", "duration_seconds": 3}
    moving = picture_of(gif, tmp_path)
    assert moving is not None
    assert moving.moving
    assert moving.duration == 3
    animated = {"media_type": "sticker", "mime_type": "application/x-tgsticker"}
    assert sticker_emoji({**animated, "sticker_emoji": "🚀"}) == "🚀"
    assert sticker_emoji({**animated, "mime_type": "image/webp", "sticker_emoji": "🚀"}) is None
    # An animated (TGS) or video (WebM) sticker: its still thumbnail, where the backup saved
    # one (the .tgs or .webm itself is never drawn, saved or not).
    (tmp_path / "thumbs").mkdir()
    (tmp_path / "thumbs" / "77.webp").write_bytes(b"x")
    (tmp_path / "media" / "stickers").mkdir()
    (tmp_path / "media" / "stickers" / "a.tgs").write_bytes(b"x")
    for mime, name in (("application/x-tgsticker", "a.tgs"), ("video/webm", "v.webm")):
        sticker = {
            "media_type": "sticker",
            "mime_type": mime,
            "file": f"media/stickers/{name}",
            "thumbnail": "thumbs/77.webp",
            "sticker_emoji": "🚀",
        }
        still = picture_of(sticker, tmp_path)
        assert still is not None
        assert still.path == tmp_path / "thumbs" / "77.webp"
        assert not still.moving
        assert picture_of({**sticker, "thumbnail": "thumbs/78.webp"}, tmp_path) is None


def test_the_protocol_is_asked_only_of_terminals_that_may_draw_pixels() -> None:
    assert choose("off", {}).kind == "off"
    assert choose("blocks", {"TERM": "xterm-kitty"}).kind == "blocks"
    # tmux and plain terminals are not asked (pytest's stdout is no terminal either).
    assert choose("auto", {"TMUX": "/tmp/x", "TERM": "xterm-kitty"}).kind == "blocks"
    assert choose("auto", {"TERM": "xterm-256color"}).kind == "blocks"
    assert choose("auto", {"TERM": "xterm-kitty"}).kind == "blocks"  # not a tty here
    assert PictureChoice("auto", "kitty", (9, 18)).pixels_per_cell == (9, 18)
    assert PictureChoice("auto", "blocks", (9, 18)).pixels_per_cell == (1, 2)


def test_a_terminal_without_colours_gets_no_pictures_unless_blocks_are_asked_for() -> None:
    plain = {"TERM": "xterm-256color"}
    assert choose("auto", plain).kind == "blocks"
    assert choose("auto", {**plain, "NO_COLOR": "1"}).kind == "off"
    assert choose("auto", {"TERM": "dumb"}).kind == "off"
    assert choose("auto", {**plain, "NO_COLOR": ""}).kind == "blocks"  # set but empty: colours
    # Asked for in config.toml: drawn (the user knows their terminal).
    assert choose("blocks", {"TERM": "dumb", "NO_COLOR": "1"}).kind == "blocks"
    assert choose("off", plain).kind == "off"

    class Settings:
        def __init__(self, images: str) -> None:
            self.images = images

    class App:  # the full app: its settings, no terminal asked
        def __init__(self, images: str) -> None:
            self.context = type("Context", (), {"settings": Settings(images)})()

    dumb = {"TERM": "dumb"}
    assert choice_of(App("auto"), plain).kind == "blocks"
    assert choice_of(App("auto"), dumb).kind == "off"
    assert choice_of(App("auto"), {**plain, "NO_COLOR": "yes"}).kind == "off"
    assert choice_of(App("blocks"), dumb).kind == "blocks"
    assert choice_of(App("off"), plain).kind == "off"
    # Off at the start: `i` still draws them, in half blocks.
    assert not choice_of(App("auto"), dumb).shown


def test_config_images_setting(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "c", tmp_path / "d", tmp_path / "s", tmp_path / "k")
    paths.config_dir.mkdir()
    assert load_settings(paths).images == "auto"
    for mode in ("auto", "blocks", "off"):
        paths.config_file.write_text(f'images = "{mode}"\n')
        assert load_settings(paths).images == mode
    paths.config_file.write_text('images = "sixel"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(paths)
    assert caught.value.key == "images"
    assert '"auto", "blocks", "off"' in str(caught.value)
    assert "'sixel'" in str(caught.value)
    paths.config_file.write_text("images = false\n")
    with pytest.raises(ConfigError):
        load_settings(paths)


def test_a_picture_asked_for_again_while_it_is_decoded_is_decoded_once(tmp_path: Path) -> None:
    """The list asks for the pictures on screen at every refresh: one the picture thread has
    taken (decoding, or decoded and not yet landed in the app's thread) is not queued again
    (under load a userpic was decoded twice)."""
    from tgtui.archive.pictures import Box
    from tgtui.widgets.message_pictures import Pictures, Slot

    path = tmp_path / "a.png"
    _two_colours().save(path)
    pictures = Pictures(PictureChoice("blocks", "blocks"))
    slot = Slot(PictureSource(path, 4, 4, False, None), Box(2, 2, 2, 4), "blocks")
    started: list[bool] = []
    pictures.want([slot], lambda: started.append(True))
    assert started == [True]
    taken = pictures.next_wanted()  # the thread takes it
    assert taken == slot
    pictures.want([slot], lambda: started.append(True))  # a refresh asks again meanwhile
    drawn = pictures.decode(taken)
    assert pictures.next_wanted() is None  # nothing more: not a second time
    pictures.landed(taken, drawn)
    pictures.want([slot], lambda: started.append(True))  # drawn now: from the cache
    assert pictures.decoded == 1
    assert started == [True]
    assert slot.key in pictures.cache
