"""Media files of a backup: downloaded to ``*.part``, size-checked, then renamed.

A file at its final name is always complete; partial data only ever exists as ``*.part``,
which the next run resumes from its last whole part. Expired file references are refreshed by
fetching the message again. A file that cannot be fetched is recorded with its reason and the
backup goes on.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger
from telethon import TelegramClient, errors
from telethon.tl import types

from tgtui.backup.files import fsync_dir, make_private_dir, open_to_write, write_all
from tgtui.backup.parts import PART, FileParts, matches_hashes, plan
from tgtui.backup.writer import BackupWriteError
from tgtui.format.media_paths import PART_SUFFIX
from tgtui.retry import Backoff, FloodGate, Wait, retry

T = TypeVar("T")
PARTS_IN_FLIGHT = 16  # getFile requests of one file in flight (bench_media: 1.46x 8 at 200 ms)
GET_FILE = "upload.getFile"
GET_FILE_HASHES = "upload.getFileHashes"
# A file's server faults are tried 8 times; an outage is waited out as the history waits it.
MEDIA_RETRY = Backoff(base=1.0, cap=30.0, attempts=8, outage_counts=False)


@dataclass(frozen=True)
class FileSource:
    """Where to download a file from, and how big it is."""

    location: Any  # an InputFileLocation
    dc_id: int | None
    size: int


def file_source(media: Any) -> FileSource | None:
    """The biggest version of a message's photo, or its document; None if there is no file."""
    if isinstance(media, types.MessageMediaPhoto) and isinstance(media.photo, types.Photo):
        photo = media.photo
        sizes = [
            s for s in photo.sizes if isinstance(s, types.PhotoSize | types.PhotoSizeProgressive)
        ]
        if not sizes:
            return None
        best = max(sizes, key=lambda s: s.w * s.h)
        size = best.size if isinstance(best, types.PhotoSize) else max(best.sizes)
        location = types.InputPhotoFileLocation(
            photo.id, photo.access_hash, photo.file_reference, best.type
        )
        return FileSource(location, photo.dc_id, size)
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        document = media.document
        location = types.InputDocumentFileLocation(
            document.id, document.access_hash, document.file_reference, ""
        )
        return FileSource(location, document.dc_id, document.size)
    return None


def file_size(path: Path) -> int | None:
    """The size of the regular file ``path``; None if there is none (or it cannot be seen)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


# Errors about one file's name or place (too long, a folder in the way...): that file fails
# with the reason and the backup goes on. Any other error (disk full, read-only, no
# permission on the folder) stops the whole backup.
ONE_FILE_ERRNOS = frozenset(
    {errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ, errno.EISDIR, errno.ENOTDIR, errno.EEXIST}
)


@contextmanager
def on_disk(path: Path) -> Iterator[None]:
    """Local file work on ``path``: a failure of this file's name is MediaDownloadError; any
    other (disk full...) stops the backup, worded as BackupWriteError. Network errors never
    pass through here."""
    try:
        yield
    except OSError as exc:
        if exc.errno in ONE_FILE_ERRNOS:
            reason = exc.strerror or str(exc)
            raise MediaDownloadError(f"cannot save it as {path.name}: {reason}") from exc
        raise BackupWriteError(path, exc) from exc


class MediaDownloadError(Exception):
    """A file that could not be saved; the message says why."""


class MediaDownloader:
    """Downloads files to their final paths through *.part, several parts of a file at once."""

    def __init__(
        self,
        client: TelegramClient,
        *,
        gate: FloodGate,
        on_wait: Callable[[Wait], None] | None = None,
        on_bytes: Callable[[int], None] | None = None,
        wrap: Callable[[Any], Any] | None = None,
        reconnect: Callable[[], Awaitable[None]] | None = None,
        parts: int = PARTS_IN_FLIGHT,
        verify: bool = False,
    ) -> None:
        self.reconnect = reconnect
        self.client = client
        self.gate = gate
        self.on_wait = on_wait
        self.on_bytes = on_bytes
        self.wrap = wrap  # a takeout session's wrapper: downloads go inside it too
        self.parts = max(1, parts)
        self.verify = verify  # check every file against upload.getFileHashes

    async def download(
        self,
        source: FileSource,
        target: Path,
        refresh: Callable[[], Awaitable[FileSource | None]],
        ready: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Save the file at ``target`` (complete and size-checked) or raise MediaDownloadError.

        ``refresh`` fetches the message again when its file reference has expired; ``ready``
        is awaited between parts (it returns when a paused backup may go on).
        """
        if file_size(target) == source.size:
            if not self.verify or await self._matches(source, target):
                return
            logger.warning("{}: does not match Telegram's hashes; fetching it again", target)
            with on_disk(target):
                os.unlink(target)
        part = target.with_name(target.name + PART_SUFFIX)
        with on_disk(part):
            make_private_dir(target.parent, tighten=False)  # the folder tightens it
        # A resumed *.part was written by an earlier run, or by anyone since: its bytes are
        # checked against Telegram's hashes before the file can pass as complete.
        resumed = (file_size(part) or 0) >= PART
        source = await self._fetch_renewing(source, part, refresh, ready, target.name)
        size = file_size(part) or 0
        if size != source.size:
            raise MediaDownloadError(f"got {size:,} bytes, expected {source.size:,}")
        if (self.verify or resumed) and not await self._matches(source, part):
            with on_disk(part):
                os.unlink(part)  # fetched again from the start
            if not resumed:
                raise MediaDownloadError("the file does not match Telegram's hashes")
            logger.warning("{}: the partial file did not match; fetching it whole", target.name)
            source = await self._fetch_renewing(source, part, refresh, ready, target.name)
            if not await self._matches(source, part):
                with on_disk(part):
                    os.unlink(part)
                raise MediaDownloadError("the file does not match Telegram's hashes")
        with on_disk(target):
            os.replace(part, target)
            fsync_dir(target.parent)

    async def _fetch_renewing(
        self,
        source: FileSource,
        part: Path,
        refresh: Callable[[], Awaitable[FileSource | None]],
        ready: Callable[[], Awaitable[None]] | None,
        name: str,
    ) -> FileSource:
        """`_fetch`, renewing an expired file reference (up to 3 times); the source used."""
        refreshes = 0
        while True:
            try:
                await self._fetch(source, part, ready)
                return source
            except (errors.FileReferenceExpiredError, errors.FileReferenceInvalidError):
                refreshes += 1
                fresh = await refresh() if refreshes <= 3 else None
                if fresh is None:
                    raise MediaDownloadError(
                        "the file's reference expired and could not be renewed"
                    ) from None
                logger.info("{}: file reference renewed, resuming", name)
                source = fresh

    async def _retried(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """One file request through the shared retry policy and flood gate."""
        return await retry(
            call,
            policy=MEDIA_RETRY,
            on_wait=self.on_wait,
            what=what,
            gate=self.gate,
            reconnect=self.reconnect,
        )

    async def _matches(self, source: FileSource, part: Path) -> bool:
        parts = FileParts(self.client, source.location, source.dc_id, self.wrap)

        async def hashes(offset: int) -> list[Any]:
            return await self._retried(GET_FILE_HASHES, lambda: parts.hashes(offset))

        return await matches_hashes(hashes, part, source.size)

    async def _fetch(
        self, source: FileSource, part: Path, ready: Callable[[], Awaitable[None]] | None
    ) -> None:
        """Append the missing bytes to ``part``, from its last whole PART on.

        Up to ``parts`` requests are in flight; their answers are written in order, so the
        file on disk is always a prefix of the real one and a resume never finds a hole.
        """
        have = file_size(part) or 0
        offset = min(have, source.size) // PART * PART
        parts = FileParts(self.client, source.location, source.dc_id, self.wrap)

        async def get(at: int, limit: int) -> bytes:
            return await self._retried(GET_FILE, lambda: parts.get(at, limit))

        requests = plan(offset, source.size)
        in_flight: deque[tuple[int, int, asyncio.Task[bytes]]] = deque()
        with on_disk(part):
            fd = open_to_write(part)  # a link planted there is refused
        try:
            with on_disk(part):
                os.ftruncate(fd, offset)
                os.lseek(fd, offset, os.SEEK_SET)
            while True:
                if ready is not None:
                    await ready()
                while len(in_flight) < self.parts:
                    nxt = next(requests, None)
                    if nxt is None:
                        break
                    in_flight.append((*nxt, asyncio.create_task(get(*nxt))))
                if not in_flight:
                    break
                at, limit, task = in_flight[0]
                data = await task
                in_flight.popleft()
                with on_disk(part):
                    write_all(fd, data)
                if self.on_bytes is not None:
                    self.on_bytes(len(data))
                if len(data) < limit and at + len(data) < source.size:
                    break  # a short answer before the end: the size check says so
            with on_disk(part):
                os.fsync(fd)
        finally:
            for _, _, task in in_flight:
                task.cancel()
            await asyncio.gather(*(task for _, _, task in in_flight), return_exceptions=True)
            os.close(fd)
