"""Files a client uploads (upload.saveFilePart, upload.saveBigFilePart), kept in memory.

Telegram's rules (core.telegram.org/api/files, the methods' error lists): a part is not
empty, at most 512 KiB, numbered from 0 below 4,000 (a big file's parts below the total it
names, which is 1 to 4,000). Uploads are kept per account and file id until 64 MiB of them
are held; then the oldest files are forgotten, as Telegram forgets unused uploads.
"""

from __future__ import annotations

import hashlib
import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from tgtui.sandbox.rpc import RpcError

PART_MAX = 512 * 1024
PARTS_MAX = 4000
KEPT_BYTES = 64 * 1024 * 1024
SENT_TAG = 1 << 59  # ids of photos and documents made from uploads (apart from the world's)


@dataclass(frozen=True)
class SentFile:
    """A photo or document made from an upload by messages.sendMedia, with its bytes."""

    media: Any  # the Photo or Document
    data: bytes


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG (None for anything else)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 9 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame header
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return (width, height) if width and height else None
        pos += 2 + length
    return None


class Uploads:
    """Uploaded parts, by (user id, file id)."""

    def __init__(self, kept: int = KEPT_BYTES) -> None:
        self.kept = kept
        self._files: OrderedDict[tuple[int, int], dict[int, bytes]] = OrderedDict()
        self._size = 0
        self.sent: OrderedDict[int, SentFile] = OrderedDict()  # by photo or document id
        self._sent_size = 0
        self._made = 0

    def save(
        self, user_id: int, file_id: int, part: int, data: bytes, total: int | None = None
    ) -> None:
        """Keep one part, after Telegram's checks (``total``: a big file's parts)."""
        if not data:
            raise RpcError(400, "FILE_PART_EMPTY")
        if total is not None and not 0 < total <= PARTS_MAX:
            raise RpcError(400, "FILE_PARTS_INVALID")
        if not 0 <= part < (PARTS_MAX if total is None else total):
            raise RpcError(400, "FILE_PART_INVALID")
        if len(data) > PART_MAX:
            raise RpcError(400, "FILE_PART_TOO_BIG")
        parts = self._files.setdefault((user_id, file_id), {})
        self._files.move_to_end((user_id, file_id))
        self._size += len(data) - len(parts.get(part, b""))
        parts[part] = data
        while self._size > self.kept and len(self._files) > 1:
            _, dropped = self._files.popitem(last=False)
            self._size -= sum(map(len, dropped.values()))

    def content(self, user_id: int, file_id: int) -> bytes | None:
        """The file as uploaded so far (its parts in order), or None if none is held."""
        parts = self._files.get((user_id, file_id))
        if parts is None:
            return None
        return b"".join(parts[n] for n in sorted(parts))

    def take(self, user_id: int, file_id: int, parts: int, md5: str | None = None) -> bytes:
        """The whole uploaded file an InputFile names (``md5``: its checksum, for files
        under 10 MB), and forget its parts. Telegram's errors: FILE_PART_X_MISSING for the
        first part not held, FILE_PARTS_INVALID when more parts were saved than named,
        MD5_CHECKSUM_INVALID."""
        held = self._files.get((user_id, file_id), {})
        if not 0 < parts <= PARTS_MAX:
            raise RpcError(400, "FILE_PARTS_INVALID")
        for n in range(parts):
            if n not in held:
                raise RpcError(400, f"FILE_PART_{n}_MISSING")
        if len(held) != parts:
            raise RpcError(400, "FILE_PARTS_INVALID")
        data = b"".join(held[n] for n in range(parts))
        if md5 and hashlib.md5(data).hexdigest() != md5.lower():
            raise RpcError(400, "MD5_CHECKSUM_INVALID")
        del self._files[(user_id, file_id)]
        self._size -= len(data)
        return data

    def keep_sent(self, media_id: int, media: Any, data: bytes) -> None:
        """Hold a sent file for downloads (the oldest forgotten past the same 64 MiB)."""
        self.sent[media_id] = SentFile(media, data)
        self._sent_size += len(data)
        while self._sent_size > self.kept and len(self.sent) > 1:
            _, dropped = self.sent.popitem(last=False)
            self._sent_size -= len(dropped.data)

    def next_id(self) -> int:
        """A new id for a photo or document made from an upload."""
        self._made += 1
        return SENT_TAG | self._made
