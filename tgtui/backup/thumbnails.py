"""A message's thumbnail: which of Telegram's small sizes of its media the backup saves, and
where (SCHEMA.md, "Thumbnails and avatars"). Saved whatever the media choice, by
`tgtui.backup.pictures_pass`.

A thumbnail is the "m" (320 px) or "s" size of a photo's ``sizes`` or a document's ``thumbs``
(core.telegram.org/api/files), downloaded; else one the message carries inline: a cached size,
or the stripped size made a JPEG again with its standard header
(/api/files#stripped-thumbnails). It is saved once per photo or document, at
``thumbs/<id>.jpg`` (``.webp`` for a sticker's) in the chat folder, the path the record's
``thumbnail`` names from the start; like a media file it reaches that name only whole. The
record keeps its size in pixels too (``thumbnail_width``, ``thumbnail_height``), as Telegram
gives it, so a reader lays out its box before any picture is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telethon import utils
from telethon.tl import types

from tgtui.format.media_paths import thumbnail_path

SMALL_SIDE = 320  # a thumbnail is at most this many pixels on a side (the "m" size)
PREFERRED = ("m", "s")  # Telegram's small sizes: 320 and 100 px boxes
# What a saved picture starts with: JPEG, WebP (RIFF....WEBP), PNG.
MAGIC = (b"\xff\xd8\xff", b"RIFF", b"\x89PNG\r\n\x1a\n")


@dataclass(frozen=True)
class Thumb:
    """The preview of a message's media that the backup saves: a size to download, or the
    bytes of one the message carries."""

    media_id: int
    extension: str  # ".jpg", or ".webp" for a sticker's downloaded thumb
    location: Any = None  # InputPhotoFileLocation / InputDocumentFileLocation with thumb_size
    dc_id: int | None = None
    size: int = 0  # bytes, as the message says
    inline: bytes | None = None  # a cached or stripped size, as a whole picture
    width: int = 0  # pixels, as Telegram says (0: it does not)
    height: int = 0


def chosen_thumb(media: Any) -> Thumb | None:
    """The thumbnail to save for a message's media, a link preview's picture included
    (None: a poll, a voice note, a document without a preview...): its "m" size, else "s",
    else another size of at most 320 px, else the one it carries inline."""
    if isinstance(media, types.MessageMediaPhoto) and isinstance(media.photo, types.Photo):
        item: Any = media.photo
        sizes = item.sizes
        sticker = False
    elif isinstance(media, types.MessageMediaWebPage) and isinstance(
        getattr(media.webpage, "photo", None), types.Photo
    ):  # a link preview's picture (webPage.photo), saved as a photo's would be
        item = media.webpage.photo
        sizes = item.sizes
        sticker = False
    elif isinstance(media, types.MessageMediaDocument) and isinstance(
        media.document, types.Document
    ):
        item = media.document
        sizes = item.thumbs or []
        sticker = any(isinstance(a, types.DocumentAttributeSticker) for a in item.attributes)
    else:
        return None
    small = [
        s
        for s in sizes
        if isinstance(s, types.PhotoSize | types.PhotoCachedSize) and max(s.w, s.h) <= SMALL_SIDE
    ]
    small.sort(key=_rank)
    extension = ".webp" if sticker else ".jpg"
    for size in small:
        if isinstance(size, types.PhotoCachedSize):
            return Thumb(item.id, extension, inline=bytes(size.bytes), width=size.w, height=size.h)
        location: Any
        if isinstance(item, types.Photo):
            location = types.InputPhotoFileLocation(
                item.id, item.access_hash, item.file_reference, size.type
            )
        else:
            location = types.InputDocumentFileLocation(
                item.id, item.access_hash, item.file_reference, size.type
            )
        return Thumb(
            item.id, extension, location, item.dc_id, size.size, width=size.w, height=size.h
        )
    for size in sizes:
        data = size.bytes if isinstance(size, types.PhotoStrippedSize) else b""
        if data[:1] == b"\x01" and len(data) >= 3:
            # Its second and third bytes are the height and width the JPEG header gets back.
            jpeg = utils.stripped_photo_to_jpg(data)
            return Thumb(item.id, ".jpg", inline=jpeg, width=data[2], height=data[1])
    return None


def _rank(size: Any) -> tuple[int, int]:
    """Sizes in the order they are preferred: "m", "s", then the biggest."""
    kind = size.type
    return (PREFERRED.index(kind) if kind in PREFERRED else len(PREFERRED), -max(size.w, size.h))


def thumbnail_fields(media: Any) -> dict[str, Any]:
    """The record's ``thumbnail`` (where the media's preview goes in the chat folder) and,
    when Telegram gives them, its ``thumbnail_width`` and ``thumbnail_height`` in pixels
    (none of them for media without a preview)."""
    chosen = chosen_thumb(media)
    if chosen is None:
        return {}
    fields: dict[str, Any] = {"thumbnail": thumbnail_path(chosen.media_id, chosen.extension)}
    width, height = chosen.width, chosen.height
    if type(width) is int and type(height) is int and width > 0 and height > 0:
        fields["thumbnail_width"], fields["thumbnail_height"] = width, height
    return fields


def whole_picture(data: bytes, size: int) -> str | None:
    """Why downloaded bytes are not a whole picture (None when they are): the size the
    message gave, the first bytes of a JPEG, WebP or PNG, a JPEG's end marker."""
    if size and len(data) != size:
        return f"got {len(data):,} bytes, expected {size:,}"
    if not data.startswith(MAGIC):
        return "it is not a picture"
    if data.startswith(b"\xff\xd8") and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return "the picture is cut short"
    return None
