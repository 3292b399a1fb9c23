"""Real small pictures for the world's thumbnails, stickers and avatars, made with Pillow.

Telegram serves a photo's small sizes and a document's ``thumbs`` as JPEG (a sticker's as
WebP), and hands the tiniest one inline as a ``photoStrippedSize``: a JPEG without its
standard header, which clients put back (core.telegram.org/api/files#stripped-thumbnails).
These are made the same way, so any client and any image viewer decodes them.

Pictures come in `VARIANTS` looks (two colours and a disc, drawn from the variant), each made
once and kept: a world of a million messages encodes a few dozen pictures, not a million.
Pillow is imported on the first picture asked for.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

from tgtui.sandbox.rng import mix, tag

if TYPE_CHECKING:
    from PIL.Image import Image

VARIANTS = 32  # looks a picture can have
STRIPPED_SIDE = 40  # Telegram's stripped thumbnails are at most 40 px on a side
# JPEG's zigzag order (the order a DQT segment lists a table in), as natural indices.
_ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)  # fmt: skip
# The quantization tables of the header a stripped thumbnail is completed with (Telegram
# Desktop's, as Telethon's `utils.stripped_photo_to_jpg` writes them), in zigzag order.
_LUMA = bytes.fromhex(
    "281c1e231e19282321232d2b28303c64413c37373c7b585d4964918099968f80"
    "8c8aa0b4e6c3a0aadaad8a8cc8ffcbdaeef5ffffff9bc1fffffffaffe6fdfff8"
)
_CHROMA = bytes.fromhex("2b2d2d3c353c76414176f8a58ca5f8" + "f8" * 49)


def variant(seed: int, media_id: int) -> int:
    """Which look the pictures of one photo, document or avatar have."""
    return mix(seed, tag("look"), media_id) % VARIANTS


def _colours(look: int) -> tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, ...]]:
    h = mix(tag("colours"), look)
    top = (40 + h % 180, 40 + (h >> 8) % 180, 40 + (h >> 16) % 180)
    bottom = (40 + (h >> 24) % 180, 40 + (h >> 32) % 180, 40 + (h >> 40) % 180)
    disc = (240 - top[0] // 2, 240 - top[1] // 2, 235 - top[2] // 2)
    return top, bottom, disc


def _drawn(look: int, width: int, height: int, mode: str = "RGB") -> Image:
    """The picture of a look at a size: a gradient from top to bottom with a disc."""
    from PIL import Image, ImageDraw, ImageOps

    top, bottom, disc = _colours(look)
    ramp = Image.linear_gradient("L").resize((width, height))
    picture = ImageOps.colorize(ramp, top, bottom).convert(mode)
    side = min(width, height)
    x, y = width // 2 - side // 3, height // 2 - side // 3
    fill = (*disc, 255) if mode == "RGBA" else disc
    ImageDraw.Draw(picture).ellipse((x, y, x + 2 * side // 3, y + 2 * side // 3), fill=fill)
    return picture


@lru_cache(maxsize=VARIANTS * 8)
def jpeg(look: int, width: int, height: int) -> bytes:
    """A baseline JPEG of ``width`` x ``height`` pixels in look ``look``."""
    picture = _drawn(look, width, height)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


@lru_cache(maxsize=VARIANTS * 4)
def webp(look: int, side: int) -> bytes:
    """A square WebP with transparent corners (what a still sticker is)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    picture = _drawn(look, side, side, "RGBA")
    corners = PILImage.new("L", (side, side), 0)
    ImageDraw.Draw(corners).rounded_rectangle((0, 0, side - 1, side - 1), side // 5, fill=255)
    picture.putalpha(corners)
    out = io.BytesIO()
    picture.save(out, "WEBP", quality=70, method=0)
    return out.getvalue()


@lru_cache(maxsize=VARIANTS * 4)
def stripped(look: int, width: int, height: int) -> bytes:
    """A photoStrippedSize's ``bytes`` for a picture of this shape: 1, height, width, then a
    JPEG's entropy-coded data encoded with the tables of the header a client adds back
    (its size at most `STRIPPED_SIDE` on a side, the shape kept)."""
    scale = STRIPPED_SIDE / max(width, height)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    picture = _drawn(look, w, h)
    out = io.BytesIO()
    picture.save(
        out,
        "JPEG",
        qtables=[_natural(_LUMA), _natural(_CHROMA)],
        subsampling=2,  # 4:2:0, as the header's frame says
        optimize=False,  # the standard Huffman tables, as the header's
        progressive=False,
    )
    data = out.getvalue()
    return bytes((1, h, w)) + data[_scan_start(data) : -2]


def _natural(zigzag: bytes) -> list[int]:
    table = [0] * 64
    for position, value in enumerate(zigzag):
        table[_ZIGZAG[position]] = value
    return table


def _scan_start(data: bytes) -> int:
    """Where a JPEG's entropy-coded data starts: after its start-of-scan segment."""
    at = 2
    while True:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        at += 2 + length
        if marker == 0xDA:
            return at
