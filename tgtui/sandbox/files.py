"""Deterministic file content: any byte range of any world file, without storing files.

A photo starts with a real picture (a small PNG: rows of colour from the photo's id), so a
browser or an image viewer shows it; the rest of the file, and every other file, is random
bytes. Viewers stop at the picture's end and ignore what follows.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache

from tgtui.sandbox.rng import mix, tag

BLOCK = 128 * 1024


class FileStore:
    """Serves byte ranges of the world's files, generated in 128 KiB blocks. A file held
    whole (a thumb's picture, a sticker: ``held`` gives its bytes) is served by upload.getFile
    from those; `whole` gives them too."""

    def __init__(self, seed: int, held: Callable[[int, str], bytes | None] | None = None) -> None:
        self.seed = seed
        self.held = held

    @lru_cache(maxsize=256)  # noqa: B019 - one store per server; 32 MiB of recent blocks at most
    def _block(self, media_id: int, thumb: str, index: int) -> bytes:
        noise = random.Random(mix(self.seed, tag("file"), media_id, tag(thumb), index)).randbytes(
            BLOCK
        )
        if index == 0 and thumb:  # a photo size: a picture first
            picture = picture_png(mix(self.seed, tag("picture"), media_id))
            return picture + noise[len(picture) :]
        return noise

    def read(self, media_id: int, thumb: str, size: int, offset: int, limit: int) -> bytes:
        """Bytes [offset, offset + limit) of a file of ``size`` bytes (shorter at its end)."""
        end = min(size, offset + limit)
        if offset >= end:
            return b""
        parts = []
        for index in range(offset // BLOCK, (end - 1) // BLOCK + 1):
            block = self._block(media_id, thumb, index)
            start = max(offset, index * BLOCK) - index * BLOCK
            stop = min(end, (index + 1) * BLOCK) - index * BLOCK
            parts.append(block[start:stop])
        return b"".join(parts)

    def whole(self, media_id: int, thumb: str, size: int) -> bytes:
        """A whole file (for tests that compare a download byte for byte)."""
        held = self.held(media_id, thumb) if self.held is not None else None
        if held is not None:
            return held[:size]
        return self.read(media_id, thumb, size, 0, size)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@lru_cache(maxsize=64)
def picture_png(seed: int, width: int = 160, height: int = 120) -> bytes:
    """A small 4:3 PNG: two colours from ``seed`` blended from top to bottom, a light band
    across the middle. A few hundred bytes, the same for the same seed."""
    rng = random.Random(seed)
    top = [rng.randrange(40, 220) for _ in range(3)]
    bottom = [rng.randrange(40, 220) for _ in range(3)]
    rows = []
    for y in range(height):
        if height * 5 // 12 <= y < height * 7 // 12:
            colour = bytes((240, 240, 235))
        else:
            colour = bytes(
                t + (b - t) * y // (height - 1) for t, b in zip(top, bottom, strict=True)
            )
        rows.append(b"\x00" + colour * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )
