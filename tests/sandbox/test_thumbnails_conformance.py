"""Thumbnails, stickers and userpics against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/files: a photo's ``sizes`` and a document's ``thumbs`` / ``video_thumbs`` are
  downloaded by inputPhotoFileLocation / inputDocumentFileLocation with ``thumb_size`` set to
  the size's type; a peer's current photo by inputPeerPhotoFileLocation (``big`` for the
  large size);
- /api/files#stripped-thumbnails and /constructor/photoStrippedSize: a stripped size carries
  a JPEG without its standard header (first byte 1, then height and width), which the client
  puts back; it is never downloaded;
- /constructor/photoSizeProgressive: ``sizes`` are the byte counts at which each progressive
  scan ends, the last one the whole file's;
- /api/stickers: a sticker is a document with documentAttributeSticker, a still one a WebP of
  512 px, with a small WebP thumb;
- /constructor/userProfilePhoto, /constructor/chatPhoto: ``stripped_thumb``.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from telethon import TelegramClient, errors, utils
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.avatars import Owner
from tgtui.sandbox.world import Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # The files on the account's own DC, so that a raw upload.getFile reaches them.
    return SandboxOptions(world=WorldOptions(seed=21, dialogs=6, messages=400, media_dc=2))


def _picture(data: bytes) -> tuple[str, tuple[int, int]]:
    """The format and size of a picture, decoded whole (random bytes would raise)."""
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        return str(picture.format), picture.size


async def _media(client: TelegramClient, sandbox: SandboxServer) -> list[Any]:
    found = []
    for index in range(3):
        entity = await client.get_entity(sandbox.world.chat(index).marked_id)
        found += [m async for m in client.iter_messages(entity, wait_time=0) if m.media]
    return found


def _document(messages: list[Any], test: Any) -> Any:
    return next(m for m in messages if m.document is not None and test(m.document))


def _attribute(document: Any, kind: type[Any]) -> Any:
    return next((a for a in document.attributes if isinstance(a, kind)), None)


async def test_a_photo_has_a_stripped_an_m_and_a_big_size_all_real_pictures(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    photos = [m for m in await _media(client, sandbox) if m.photo is not None]
    progressive = plain = 0
    for message in photos[:12]:
        sizes = message.photo.sizes
        stripped, small, big = sizes
        assert isinstance(stripped, types.PhotoStrippedSize)
        assert stripped.bytes[0] == 1
        # Telethon puts the header back (utils.stripped_photo_to_jpg): a 40 px JPEG.
        shown = await client.download_media(message, file=bytes, thumb=stripped)
        assert shown == utils.stripped_photo_to_jpg(stripped.bytes)
        assert _picture(shown) == ("JPEG", (stripped.bytes[2], stripped.bytes[1]))
        assert isinstance(small, types.PhotoSize)
        assert small.type == "m"
        data = await client.download_media(message, file=bytes, thumb=small)
        assert len(data) == small.size
        assert _picture(data) == ("JPEG", (small.w, small.h))
        assert max(small.w, small.h) <= 320
        whole = await client.download_media(message, file=bytes)
        if isinstance(big, types.PhotoSizeProgressive):
            progressive += 1
            assert big.sizes == sorted(big.sizes)
            assert len(whole) == big.sizes[-1]
        else:
            plain += 1
            assert len(whole) == big.size
    assert progressive
    assert plain


async def test_a_stripped_size_is_not_downloaded(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    photo = next(m for m in await _media(client, sandbox) if m.photo is not None).photo
    location = types.InputPhotoFileLocation(photo.id, photo.access_hash, photo.file_reference, "i")
    with pytest.raises(errors.LocationInvalidError):
        await client.download_file(location, file=bytes, dc_id=photo.dc_id)


async def test_videos_gifs_round_videos_and_previewed_files_have_thumbs(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    messages = await _media(client, sandbox)
    kinds = {
        "video": lambda d: (
            _attribute(d, types.DocumentAttributeVideo) is not None
            and not _attribute(d, types.DocumentAttributeVideo).round_message
            and _attribute(d, types.DocumentAttributeAnimated) is None
        ),
        "round": lambda d: getattr(
            _attribute(d, types.DocumentAttributeVideo), "round_message", False
        ),
        "gif": lambda d: _attribute(d, types.DocumentAttributeAnimated) is not None,
        "pdf or png": lambda d: d.mime_type in ("application/pdf", "image/png"),
    }
    for name, test in kinds.items():
        document = _document(messages, test).document
        stripped, small = document.thumbs
        assert isinstance(stripped, types.PhotoStrippedSize), name
        assert isinstance(small, types.PhotoSize), name
        assert small.type == "m", name
        data = await client.download_media(document, file=bytes, thumb=small)
        assert len(data) == small.size
        assert _picture(data) == ("JPEG", (small.w, small.h)), name
        video = _attribute(document, types.DocumentAttributeVideo)
        if video is not None:  # the shape of the video, made to fit 320 px
            assert abs(small.w / small.h - video.w / video.h) < 0.02
        if name == "gif":
            (moving,) = document.video_thumbs
            assert isinstance(moving, types.VideoSize)
            assert moving.type == "v"
            clip = await client.download_media(document, file=bytes, thumb=moving)
            assert len(clip) == moving.size
        else:
            assert not document.video_thumbs
    voice = _document(messages, lambda d: d.mime_type == "audio/ogg").document
    assert not voice.thumbs


async def test_a_sticker_is_a_real_webp_with_a_webp_thumb(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    messages = await _media(client, sandbox)
    message = _document(messages, lambda d: _attribute(d, types.DocumentAttributeSticker))
    document = message.document
    assert document.mime_type == "image/webp"
    data = await client.download_media(message, file=bytes)
    assert len(data) == document.size
    assert _picture(data) == ("WEBP", (512, 512))
    (thumb,) = document.thumbs
    small = await client.download_media(message, file=bytes, thumb=thumb)
    assert _picture(small) == ("WEBP", (thumb.w, thumb.h))
    answer = await client(
        functions.upload.GetFileRequest(
            types.InputDocumentFileLocation(
                document.id, document.access_hash, document.file_reference, thumb.type
            ),
            offset=0,
            limit=1024 * 1024,
        )
    )
    assert isinstance(answer.type, types.storage.FileWebp)


async def test_userpics_small_and_big_and_their_stripped_thumbs(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    world = sandbox.world
    chats = [world.chat(i) for i in range(len(world))]
    user = next(
        c for c in chats if c.kind is Kind.USER and world.avatar_count(Owner.USER, c.bare_id)
    )
    entity = await client.get_entity(user.marked_id)
    assert isinstance(entity.photo, types.UserProfilePhoto)
    small = await client.download_profile_photo(entity, file=bytes, download_big=False)
    assert isinstance(small, bytes)
    assert _picture(small) == ("JPEG", (160, 160))
    big = await client.download_profile_photo(entity, file=bytes)  # Telethon: big by default
    assert isinstance(big, bytes)
    assert _picture(big) == ("JPEG", (640, 640))
    stripped = utils.stripped_photo_to_jpg(entity.photo.stripped_thumb)
    assert _picture(stripped)[0] == "JPEG"
    group = next(
        c
        for c in chats
        if c.kind is not Kind.USER
        and world.avatar_count(Owner.CHAT if c.kind is Kind.GROUP else Owner.CHANNEL, c.bare_id)
    )
    entity = await client.get_entity(group.marked_id)
    assert isinstance(entity.photo, types.ChatPhoto)
    assert entity.photo.stripped_thumb
    small = await client.download_profile_photo(entity, file=bytes, download_big=False)
    assert isinstance(small, bytes)
    assert _picture(small) == ("JPEG", (160, 160))
