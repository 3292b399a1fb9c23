"""The parts of one file download: how a file is cut into upload.getFile requests, and how
each request reaches the data center that holds the file.

Requests are ``precise`` 1 MiB parts that never cross a 1 MiB boundary (Telegram's rule);
a download that resumes from a 512 KiB boundary starts with one 512 KiB part. Several parts
are in flight at once (`media.MediaDownloader`); each is its own retried request, so a fault
costs one part, not the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from telethon import TelegramClient, errors
from telethon.tl import functions

KIB = 1024
MIB = 1024 * KIB
PART = 512 * KIB  # resumes start at a multiple of this
REQUEST = MIB  # bytes asked per request (precise), never crossing a 1 MiB boundary


def plan(offset: int, size: int) -> Iterator[tuple[int, int]]:
    """(offset, limit) of each request from ``offset`` (a multiple of PART) to ``size``."""
    if offset % PART:
        raise ValueError(f"offset {offset} is not a multiple of {PART}")
    while offset < size:
        limit = REQUEST - offset % MIB  # up to the next 1 MiB boundary
        yield offset, limit
        offset += limit


class FileParts:
    """Sends upload.getFile for one file's location, to the data center that stores it."""

    def __init__(
        self,
        client: TelegramClient,
        location: Any,
        dc_id: int | None,
        wrap: Callable[[Any], Any] | None = None,
    ) -> None:
        self.client = client
        self.location = location
        self.dc_id = dc_id
        self.wrap = wrap  # a takeout session's wrapper: file requests go inside it too

    async def get(self, offset: int, limit: int) -> bytes:
        """The bytes at [offset, offset + limit) (fewer at the end of the file)."""
        answer = await self._send(
            functions.upload.GetFileRequest(
                location=self.location, offset=offset, limit=limit, precise=True
            )
        )
        data: bytes = answer.bytes
        return data

    async def hashes(self, offset: int) -> list[Any]:
        """upload.getFileHashes: SHA-256 of consecutive ranges from ``offset`` (a few)."""
        answer: list[Any] = await self._send(
            functions.upload.GetFileHashesRequest(location=self.location, offset=offset)
        )
        return answer

    async def _send(self, request: Any) -> Any:
        if self.wrap is not None:
            request = self.wrap(request)
        if self.dc_id is None or self.dc_id == self.client.session.dc_id:
            return await self.client(request)
        # Another DC: Telethon keeps one exported connection per DC, shared by every
        # borrower and closed when idle; borrowing an open one is cheap.
        sender = await self._borrow()
        try:
            return await self.client._call(sender, request)
        finally:
            await self.client._return_exported_sender(sender)

    async def _borrow(self) -> Any:
        """Telethon's connection to the file's DC. Setting a new one up fails in two ways
        that are the network's, not the file's, when the connection drops meanwhile: it
        closes while its key is made (EOFError: Telethon retries only OSErrors there), or,
        once reconnected, Telethon sends auth.importAuthorization again and the server, which
        had taken it, answers AUTH_BYTES_INVALID (exported authorizations are good once).
        Both are ConnectionErrors here, retried as a drop is: the next borrow starts anew."""
        try:
            return await self.client._borrow_exported_sender(self.dc_id)
        except (EOFError, errors.AuthBytesInvalidError) as exc:
            raise ConnectionError(f"connecting to DC {self.dc_id} failed: {exc!r}") from exc


async def matches_hashes(
    hashes: Callable[[int], Awaitable[list[Any]]], path: Path, size: int
) -> bool:
    """Whether the file at ``path`` matches Telegram's hashes of it, range by range."""
    offset = 0
    with path.open("rb") as handle:
        while offset < size:
            ranges = await hashes(offset)
            if not ranges:
                return False
            for part in ranges:
                if part.offset != offset:
                    return False
                handle.seek(part.offset)
                if hashlib.sha256(handle.read(part.limit)).digest() != part.hash:
                    return False
                offset = part.offset + part.limit
    return True
