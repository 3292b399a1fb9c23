"""Where a message's file goes in a backup, and which media kinds there are: the media part
of the backup's format (`SCHEMA.md`). The engine writes files to these paths; the reader and
the exports find them there. No Telethon, no engine."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

from tgtui.untrusted import file_name

# Our media type (as --media names it) for each schema media_type.
KINDS: dict[str, str] = {
    "photo": "photo",
    "video_file": "video",
    "video_message": "video",
    "animation": "video",
    "voice_message": "voice",
    "audio_file": "audio",
    "sticker": "sticker",
    "file": "document",
}
ALL_KINDS = frozenset(KINDS.values())
FOLDERS = {
    "photo": "photos",
    "video": "videos",
    "voice": "voice",
    "audio": "audio",
    "sticker": "stickers",
    "document": "files",
}


@dataclass(frozen=True)
class MediaFilter:
    """Which media files to save."""

    kinds: frozenset[str] = ALL_KINDS  # empty: no media
    max_size: int | None = None  # bytes

    def wants(self, record: dict[str, Any]) -> bool:
        """Whether this message's file should be saved."""
        if not self.kinds:  # no media (asked of every message a backup reads)
            return False
        kind = KINDS.get(record.get("media_type", ""))
        if kind is None or kind not in self.kinds or record.get("media_unavailable"):
            return False
        size = record.get("file_size")
        return self.max_size is None or not isinstance(size, int) or size <= self.max_size


NO_MEDIA = MediaFilter(kinds=frozenset())


PART_SUFFIX = ".part"
NAME_BYTES = 200  # of the sender's file name we keep (the id, "_" and ".part" fit in 255)


def media_path(record: dict[str, Any], name_bytes: int = NAME_BYTES) -> str:
    """Where a message's file goes, relative to the chat folder: media/<kind>/<id>[_name].ext.

    The sender's file name is cut by bytes (`tgtui.untrusted.file_name`), so the name and its
    ``.part`` twin always fit the filesystem, whatever the name holds.
    """
    kind = KINDS[record["media_type"]]
    name = record.get("file_name")
    safe = file_name(name, name_bytes) if isinstance(name, str) else ""
    if safe:
        filename = f"{record['id']}_{safe}"
    else:
        guess = (
            mimetypes.guess_extension(record.get("mime_type") or "") if kind != "photo" else None
        )
        extension = ".jpg" if kind == "photo" else (guess or ".bin")
        filename = f"{record['id']}{extension}"
    return f"media/{FOLDERS[kind]}/{filename}"


def version_media_path(record: dict[str, Any], name_bytes: int = NAME_BYTES) -> str:
    """Where the file of a later version goes when its media is not the first version's
    (Telegram replaced the photo or file): beside it, named by when that version was made,
    ``media/<kind>/<id>v<edited unixtime>[_name].ext``, so no version's file takes another's
    place."""
    folder, _, filename = media_path(record, name_bytes).rpartition("/")
    ident = str(record["id"])
    when = str(record.get("edited_unixtime") or "0")
    when = when if when.isascii() and when.isdigit() else "0"
    return f"{folder}/{ident}v{when}{filename[len(ident) :]}"


# Previews and userpics (SCHEMA.md, "Thumbnails and avatars"): a chat's thumbnails in its
# folder, one file a photo or document (by Telegram's id, so a file sent twice is saved once);
# userpics at the backup's root, one file a peer's photo, with the index naming each peer's
# current one.
THUMBS = "thumbs"
AVATARS = "avatars"
AVATAR_INDEX = "avatars/index.jsonl"
THUMB_EXTENSIONS = (".jpg", ".webp")


def thumbnail_path(media_id: int, extension: str = ".jpg") -> str:
    """Where the preview of a photo or document goes, relative to the chat folder:
    ``thumbs/<id>.jpg`` (``.webp`` for a sticker's)."""
    return f"{THUMBS}/{int(media_id)}{extension}"


def avatar_path(peer: str, photo_id: int) -> str:
    """Where a peer's small userpic goes, relative to the backup folder:
    ``avatars/<peer>_<photo id>.jpg``, ``peer`` as a record's ``from_id`` ("user123")."""
    return f"{AVATARS}/{peer}_{int(photo_id)}.jpg"


def thumbnail_path_problem(path: object) -> str | None:
    """Why a record's ``thumbnail`` cannot be used (None when it is ``thumbs/<digits>.jpg``
    or ``.webp``: nothing else is ever written there, so nothing else is followed)."""
    if not isinstance(path, str):
        return "its thumbnail path is not text"
    folder, slash, name = path.partition("/")
    stem, dot, extension = name.rpartition(".")
    if folder != THUMBS or not slash or not dot or f".{extension}" not in THUMB_EXTENSIONS:
        return "its thumbnail path is not one tgtui writes"
    if not (stem.isascii() and stem.isdigit() and len(stem) <= 20):
        return "its thumbnail path is not one tgtui writes"
    return None


def avatar_path_problem(path: object) -> str | None:
    """Why an avatar index's ``file`` cannot be used (None when it is
    ``avatars/<user|chat|channel><digits>_<digits>.jpg``)."""
    if not isinstance(path, str) or not path.isascii():
        return "its avatar path is not one tgtui writes"
    folder, slash, name = path.partition("/")
    if folder != AVATARS or not slash or not name.endswith(".jpg"):
        return "its avatar path is not one tgtui writes"
    peer, underscore, photo = name.removesuffix(".jpg").partition("_")
    kind = peer.rstrip("0123456789")
    digits = peer[len(kind) :]
    if kind not in ("user", "chat", "channel") or not digits or not underscore:
        return "its avatar path is not one tgtui writes"
    if not photo.isdigit() or len(photo) > 20 or len(digits) > 20:
        return "its avatar path is not one tgtui writes"
    return None
