"""Files a client uploads (upload.saveFilePart, upload.saveBigFilePart), kept in memory.

Telegram's rules (core.telegram.org/api/files, the methods' error lists): a part is not
empty, at most 512 KiB, numbered from 0 below 4,000 (a big file's parts below the total it
names, which is 1 to 4,000). Uploads are kept per account and file id until 64 MiB of them
are held; then the oldest files are forgotten, as Telegram forgets unused uploads.
"""

from __future__ import annotations

from collections import OrderedDict

from tgtui.sandbox.rpc import RpcError

PART_MAX = 512 * 1024
PARTS_MAX = 4000
KEPT_BYTES = 64 * 1024 * 1024


class Uploads:
    """Uploaded parts, by (user id, file id)."""

    def __init__(self, kept: int = KEPT_BYTES) -> None:
        self.kept = kept
        self._files: OrderedDict[tuple[int, int], dict[int, bytes]] = OrderedDict()
        self._size = 0

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
