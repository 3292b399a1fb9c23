"""The files of the account's profile pictures and stories (`tgtui backup --account`).

Each profile picture is saved once as ``account/profile_pictures/<photo id>.jpg`` (its
largest still: a video avatar's still too) unless the run was asked for no pictures
(``--no-pictures``); each story's photo or video as ``account/stories/<story id>.<ext>``
when the run's media choice takes that kind and size (``--media``, ``--max-size``). A file
goes through ``*.part`` and is renamed whole (`tgtui.backup.media.MediaDownloader`: the
run's flood gate, FLOOD_WAIT honoured, an expired file reference renewed by asking for the
picture or the story again); one already whole on disk is not fetched again; one that
fails is said, leaves nothing behind and is tried again at the next run.

An item's ``file`` (the path relative to the backup folder) is set when its file is whole on
disk, whether saved now or by an earlier run, so a record changes once, when its file is
first saved, and never back and forth between runs with different choices.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import errors, functions, types

from tgtui.backup.files import link_on_the_way
from tgtui.backup.media import (
    FileSource,
    MediaDownloader,
    MediaDownloadError,
    file_size,
    file_source,
)
from tgtui.format.account import EXTENSION, FILE_FIELD, picture_file, story_file
from tgtui.format.media_paths import PART_SUFFIX, MediaFilter
from tgtui.i18n import _
from tgtui.retry import FloodGate, Wait
from tgtui.telegram.errors import explain

FILES_AT_ONCE = 2  # account files fetched at once (the chats' files go on meanwhile)
Refresh = Callable[[], Awaitable[FileSource | None]]


@dataclass(frozen=True)
class Wanted:
    """A file an item of the account has on Telegram: where it goes (relative to the backup
    folder), where it comes from, and what kind of media it is (as ``--media`` names it:
    ``photo`` or ``video``; ``picture`` for a profile picture)."""

    key: str
    path: str
    source: FileSource
    kind: str
    refresh: Refresh = field(compare=False)


@dataclass
class Listed:
    """A section's items as Telegram gave them, with the files they have there (by key),
    and what became of those files in this run."""

    items: dict[str, dict[str, Any]]
    files: dict[str, Wanted] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)  # keys whose file was saved now
    failed: dict[str, str] = field(default_factory=dict)  # key -> why not


def picture_wanted(photo: Any, refresh: Refresh) -> Wanted | None:
    """A profile picture's largest still (None when it has none)."""
    source = file_source(types.MessageMediaPhoto(photo=photo))
    if source is None:
        return None
    return Wanted(str(photo.id), picture_file(photo.id), source, "picture", refresh)


def story_wanted(story: Any, refresh: Refresh) -> Wanted | None:
    """A story's photo or video (None for a story with neither)."""
    media = story.media
    source = file_source(media)
    if source is None:
        return None
    if isinstance(media, types.MessageMediaPhoto):
        return Wanted(str(story.id), story_file(story.id, ".jpg"), source, "photo", refresh)
    document = media.document
    mime = document.mime_type if isinstance(document.mime_type, str) else ""
    extension = mimetypes.guess_extension(mime.lower()) or ""
    extension = extension if EXTENSION.fullmatch(extension) else ".bin"
    kind = "video" if mime.lower().startswith("video/") else "document"
    return Wanted(str(story.id), story_file(story.id, extension), source, kind, refresh)


def _taken(wanted: Wanted, media: MediaFilter, pictures: bool) -> bool:
    """Whether this run saves the file: profile pictures unless no pictures are wanted; a
    story's file as the media choice says of its kind and size."""
    if wanted.kind == "picture":
        return pictures
    media_type = {"photo": "photo", "video": "video_file"}.get(wanted.kind, "file")
    return media.wants({"media_type": media_type, "file_size": wanted.source.size})


@dataclass
class AccountDownloads:
    """How a run saves the account's files: its client, media choice and flood gate."""

    client: Any
    media: MediaFilter
    pictures: bool = True
    gate: FloodGate = field(default_factory=FloodGate)
    wrap: Callable[[Any], Any] | None = None
    reconnect: Callable[[], Awaitable[None]] | None = None
    on_wait: Callable[[Wait], None] | None = None
    verify: bool = False  # each file fetched checked against Telegram's hashes (--verify)

    async def save(self, out: Path, listed: Listed) -> None:
        """Save the files of ``listed`` this run takes and has not saved yet; then name in
        each item's ``file`` the files whole on disk."""
        downloader = MediaDownloader(
            self.client,
            gate=self.gate,
            on_wait=self.on_wait,
            wrap=self.wrap,
            reconnect=self.reconnect,
            verify=self.verify,
        )
        slots = asyncio.Semaphore(FILES_AT_ONCE)

        async def one(wanted: Wanted) -> None:
            async with slots:
                why = await _download(downloader, out, wanted)
            if why is None:
                listed.saved.append(wanted.key)
            else:
                listed.failed[wanted.key] = why

        todo = [
            w
            for w in listed.files.values()
            if _taken(w, self.media, self.pictures) and not _whole(out, w)
        ]
        await asyncio.gather(*(one(w) for w in todo))
        name_files(out, listed)


def _whole(out: Path, wanted: Wanted) -> bool:
    return file_size(out / wanted.path) == wanted.source.size


def name_files(out: Path, listed: Listed) -> None:
    """Set each item's ``file`` when its file is whole on disk (saved now or before), the
    path relative to the backup folder; an item whose file is not is left without one."""
    for key, data in listed.items.items():
        wanted = listed.files.get(key)
        data.pop(FILE_FIELD, None)
        if wanted is not None and _whole(out, wanted) and link_on_the_way(out, wanted.path) is None:
            data[FILE_FIELD] = wanted.path


async def _download(downloader: MediaDownloader, out: Path, wanted: Wanted) -> str | None:
    """Save one file; why it could not be (None: it is saved). A failed file leaves nothing
    behind, not even its ``*.part``: the next run fetches it whole."""
    part = wanted.path + PART_SUFFIX
    if link_on_the_way(out, wanted.path, part) is not None:
        return _("a link is on its way: tgtui does not write through links")
    try:
        await downloader.download(wanted.source, out / wanted.path, wanted.refresh)
    except MediaDownloadError as exc:
        why = str(exc)
    except errors.RPCError as exc:
        why = explain(exc).text
    else:
        return None
    logger.warning("account file {}: not saved: {}", wanted.path, why)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out / part)
    return why


async def refreshed_picture(call: Callable[[Any], Awaitable[Any]], photo_id: int) -> Any:
    """The profile picture ``photo_id`` asked for again, with a new file reference
    (photos.getUserPhotos with offset -1 and max_id the photo's id gives that photo itself,
    as Telegram Desktop renews a userpic's reference); None when it is gone."""
    got = await call(functions.photos.GetUserPhotosRequest(types.InputUserSelf(), -1, photo_id, 1))
    return next((p for p in got.photos if isinstance(p, types.Photo) and p.id == photo_id), None)


async def refreshed_story(call: Callable[[Any], Awaitable[Any]], story_id: int) -> Any:
    """The story ``story_id`` asked for again (stories.getStoriesByID), with its media's
    new file reference; None when it is gone."""
    got = await call(functions.stories.GetStoriesByIDRequest(types.InputPeerSelf(), [story_id]))
    return next(
        (s for s in got.stories if isinstance(s, types.StoryItem) and s.id == story_id), None
    )


__all__ = [
    "AccountDownloads",
    "Listed",
    "Wanted",
    "name_files",
    "picture_wanted",
    "refreshed_picture",
    "refreshed_story",
    "story_wanted",
]
