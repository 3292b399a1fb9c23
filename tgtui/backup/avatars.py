"""The userpics of a backup: each chat's picture and the current small userpic of each sender,
saved once per peer and photo in ``avatars/`` at the backup's root, with ``avatars/index.jsonl``
naming each peer's current one (SCHEMA.md, "Thumbnails and avatars").

One `AvatarStore` serves a whole run: a peer met in twenty chats is looked at once, its picture
downloaded at most once (`tgtui.backup.pictures_pass.SmallFiles`, through the run's download
queues and flood gate), and a line is appended to the index only when the peer's current
picture changed, after its file is whole on disk (the lines of many pictures in one write,
`AvatarStore.flush`).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import errors
from telethon.tl import types

from tgtui.backup.files import fsync_dir, make_private_dir, open_to_write, write_all
from tgtui.backup.media import MediaDownloadError, on_disk
from tgtui.format.avatars import current_avatars, saved_file
from tgtui.format.media_paths import AVATAR_INDEX, avatar_path
from tgtui.portable import pread
from tgtui.telegram.errors import explain

Download = Callable[[Any, int | None, int, Path, Path], Awaitable[None]]


@dataclass(frozen=True)
class Avatar:
    """A peer's current picture as an answer gave it (``photo_id`` None: it has none)."""

    peer: str  # "user123", "chat456", "channel789", as a record's from_id
    photo_id: int | None
    location: Any = None  # the small size's InputPeerPhotoFileLocation
    dc_id: int | None = None


def avatar_of(entity: Any, via: tuple[Any, int] | None = None) -> Avatar | None:
    """The current picture of a User, Chat or Channel from an answer (None for anything
    else, or one whose picture cannot be asked for: a "min" entity, met without its access
    hash, unless ``via`` (the chat's input peer and a message of it) names where it was seen)."""
    photo = getattr(entity, "photo", None)
    if isinstance(entity, types.User):
        peer = f"user{entity.id}"
        if entity.min:
            if via is None:
                return None
            input_peer: Any = types.InputPeerUserFromMessage(via[0], via[1], entity.id)
        else:
            input_peer = types.InputPeerUser(entity.id, entity.access_hash or 0)
    elif isinstance(entity, types.Chat):
        peer, input_peer = f"chat{entity.id}", types.InputPeerChat(entity.id)
    elif isinstance(entity, types.Channel):
        if entity.min:
            return None
        peer = f"channel{entity.id}"
        input_peer = types.InputPeerChannel(entity.id, entity.access_hash or 0)
    else:
        return None
    if not isinstance(photo, types.UserProfilePhoto | types.ChatPhoto):
        return Avatar(peer, None)
    location = types.InputPeerPhotoFileLocation(input_peer, photo.photo_id, big=False)
    return Avatar(peer, photo.photo_id, location, photo.dc_id)


class AvatarStore:
    """``avatars/`` of one backup folder, for one run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._current: dict[str, str | None] | None = None  # peer -> its file (index)
        self._seen: dict[str, asyncio.Task[str | None]] = {}  # peers looked at this run
        self._waiting: dict[str, int] = {}  # chats waiting for a peer's picture now
        self._lock = asyncio.Lock()
        self._pending: list[bytes] = []  # index lines not written yet (`flush`)

    def seen(self, peer: str) -> bool:
        """Whether ``peer``'s picture was looked at this run already (saved or failed)."""
        return peer in self._seen

    async def keep(self, avatar: Avatar, download: Download) -> str | None:
        """Make ``avatar`` the peer's saved current picture (once a run a peer); why it
        failed, or None. Its file is downloaded when the index does not have it yet."""
        peer = avatar.peer
        task = self._seen.get(peer)
        if task is None:
            task = asyncio.ensure_future(self._keep(avatar, download))
            self._seen[peer] = task
        # Several chats may wait for one peer: one chat cancelled does not cancel the others'
        # wait; the last one to stop waiting stops the download, and the peer is looked at
        # again by whoever asks next.
        self._waiting[peer] = self._waiting.get(peer, 0) + 1
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done() and self._waiting[peer] == 1:
                task.cancel()
                self._seen.pop(peer, None)
            raise
        finally:
            self._waiting[peer] -= 1

    async def _keep(self, avatar: Avatar, download: Download) -> str | None:
        current = await self._index()
        if avatar.photo_id is None:
            if current.get(avatar.peer, "") is not None:  # unknown, or had one: say it
                await self._append(avatar.peer, None, None)
            return None
        relative = avatar_path(avatar.peer, avatar.photo_id)
        if current.get(avatar.peer) == relative and saved_file(self.root, relative):
            return None
        try:
            if saved_file(self.root, relative) is None:
                await download(avatar.location, avatar.dc_id, 0, self.root / relative, self.root)
        except (MediaDownloadError, errors.RPCError, ConnectionError, TimeoutError) as exc:
            # Its DC unreachable after the retries too: noted, tried again by the next run.
            why = explain(exc).text if isinstance(exc, errors.RPCError) else str(exc) or repr(exc)
            logger.warning("userpic of {} failed: {}", avatar.peer, why)
            return why
        await self._append(avatar.peer, avatar.photo_id, relative)
        return None

    async def _index(self) -> dict[str, str | None]:
        async with self._lock:
            if self._current is None:
                self._current = dict(await asyncio.to_thread(current_avatars, self.root))
            return self._current

    async def _append(self, peer: str, photo_id: int | None, relative: str | None) -> None:
        """One line for a peer whose current picture changed (its file, if any, is whole),
        written by the next `flush`."""
        line: dict[str, Any] = {"peer": peer, "photo_id": None}
        if photo_id is not None:
            line["photo_id"] = str(photo_id)
            line["file"] = relative
        line["seen"] = int(time.time())
        self._pending.append((json.dumps(line, separators=(",", ":")) + "\n").encode())
        assert self._current is not None
        self._current[peer] = relative

    async def flush(self) -> None:
        """Append the index lines of the pictures kept since the last flush, in one write
        and one fsync (after `SmallFiles.settle` made their files' names durable). Lines a
        run never flushed are written again by the next: it finds the files, not the lines."""
        async with self._lock:
            if not self._pending:
                return
            data, self._pending = b"".join(self._pending), []
            index = self.root / AVATAR_INDEX

            def write() -> None:
                with on_disk(index):
                    make_private_dir(index.parent, tighten=False)
                    _append_line(index, data)

            await asyncio.to_thread(write)


def _append_line(index: Path, data: bytes) -> None:
    """Append ``data`` to the index, fsynced; after a torn last line (a run killed while
    it wrote) a newline first, so no line is ever glued to half of another (readers pass
    the torn one over)."""
    fd = open_to_write(index, append=True, read=True)
    try:
        size = os.fstat(fd).st_size
        if size and pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(index.parent)
