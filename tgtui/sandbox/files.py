"""Deterministic file content: any byte range of any world file, without storing files."""

from __future__ import annotations

import random
from functools import lru_cache

from tgtui.sandbox.rng import mix, tag

BLOCK = 128 * 1024


class FileStore:
    """Serves byte ranges of the world's files, generated in 128 KiB blocks."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    @lru_cache(maxsize=256)  # noqa: B019 - one store per server; 32 MiB of recent blocks at most
    def _block(self, media_id: int, thumb: str, index: int) -> bytes:
        return random.Random(mix(self.seed, tag("file"), media_id, tag(thumb), index)).randbytes(
            BLOCK
        )

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
        return self.read(media_id, thumb, size, 0, size)
