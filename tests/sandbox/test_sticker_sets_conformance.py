"""Sticker sets against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/stickers: a sticker is a document with documentAttributeSticker, whose ``stickerset``
  names its set and ``alt`` the emoji it stands for; a set may mix still stickers (WebP,
  ``image/webp``), animated ones (gzipped Lottie, ``application/x-tgsticker``) and video ones
  (WebM, ``video/webm``, with documentAttributeVideo); like any file a sticker has previews
  (/api/files), downloaded by inputDocumentFileLocation with ``thumb_size``;
- /api/stickersets and /method/messages.getStickerSet: the set an inputStickerSetID or
  inputStickerSetShortName names, as messages.stickerSet (set, packs, keywords, documents);
  messages.stickerSetNotModified for the ``hash`` the client has (/api/offsets#hash-generation);
  406 STICKERSET_INVALID for a set that does not exist;
- /constructor/stickerSet (``count``, ``hash``), /constructor/stickerPack (the documents of
  one emoji);
- /stickers#animated-stickers: a TGS is a Lottie animation of 512 x 512 px, marked ``"tgs": 1``.
"""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import pytest
from PIL import Image
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.sandbox.layered import read_in_every_layer
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import Kind

TGS = "application/x-tgsticker"


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # The files on the account's own DC, so that a raw upload.getFile reaches them.
    return SandboxOptions(world=WorldOptions(seed=21, dialogs=6, messages=900, media_dc=2))


async def _stickers(client: TelegramClient, sandbox: SandboxServer) -> list[Any]:
    """Every sticker message of the world (its chats have the three kinds)."""
    found = []
    for index in range(len(sandbox.world)):
        entity = await client.get_entity(sandbox.world.chat(index).marked_id)
        found += [m async for m in client.iter_messages(entity, wait_time=0) if m.sticker]
    return found


def _attribute(document: Any, kind: type[Any]) -> Any:
    return next((a for a in document.attributes if isinstance(a, kind)), None)


def _of_mime(messages: list[Any], mime: str) -> Any:
    return next(m for m in messages if m.document.mime_type == mime)


async def _set_of(client: TelegramClient, document: Any) -> Any:
    named = _attribute(document, types.DocumentAttributeSticker).stickerset
    assert isinstance(named, types.InputStickerSetID)
    return await client(functions.messages.GetStickerSetRequest(stickerset=named, hash=0))


async def _thumb(client: TelegramClient, document: Any) -> tuple[Any, bytes]:
    """The "m" thumb of a document, through upload.getFile: its storage type and bytes."""
    (thumb,) = document.thumbs
    assert thumb.type == "m"
    location = types.InputDocumentFileLocation(
        document.id, document.access_hash, document.file_reference, thumb.type
    )
    answer = await client(functions.upload.GetFileRequest(location, offset=0, limit=1024 * 1024))
    assert len(answer.bytes) == thumb.size
    return answer.type, answer.bytes


def _picture(data: bytes) -> tuple[str, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        return str(picture.format), picture.size


async def test_each_sticker_names_its_set_and_the_set_holds_it(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    stickers = await _stickers(client, sandbox)
    assert {m.document.mime_type for m in stickers} == {"image/webp", TGS, "video/webm"}
    sets: dict[int, Any] = {}
    for message in stickers:
        document = message.document
        answer = await _set_of(client, document)
        assert isinstance(answer, types.messages.StickerSet)
        sets[answer.set.id] = answer
        assert document.id in [d.id for d in answer.documents]
        assert answer.set.count == len(answer.documents)
        alt = _attribute(document, types.DocumentAttributeSticker).alt
        (pack,) = [p for p in answer.packs if document.id in p.documents]
        assert pack.emoticon == alt
        assert any(k.document_id == document.id and k.keyword for k in answer.keywords)
    assert len(sets) == 2  # a still set, and one that mixes kinds
    # A sticker is the same document in every message that sends it.
    ids = [m.document.id for m in stickers]
    assert len(set(ids)) < len(ids)
    # The set by its short name is the same set.
    for answer in sets.values():
        by_name = await client(
            functions.messages.GetStickerSetRequest(
                stickerset=types.InputStickerSetShortName(answer.set.short_name), hash=0
            )
        )
        assert by_name.set.id == answer.set.id
        assert [d.id for d in by_name.documents] == [d.id for d in answer.documents]


async def test_an_animated_sticker_is_a_tgs_with_a_still_webp_thumb(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    message = _of_mime(await _stickers(client, sandbox), TGS)
    document = message.document
    size = _attribute(document, types.DocumentAttributeImageSize)
    assert (size.w, size.h) == (512, 512)
    assert _attribute(document, types.DocumentAttributeFilename).file_name.endswith(".tgs")
    data = await client.download_media(message, file=bytes)
    assert len(data) == document.size
    animation = json.loads(gzip.decompress(data))
    assert (animation["tgs"], animation["w"], animation["h"]) == (1, 512, 512)
    kind, still = await _thumb(client, document)
    assert isinstance(kind, types.storage.FileWebp)
    assert _picture(still) == ("WEBP", (128, 128))
    # And the set's copy of the document (a fresh file reference) gives the same thumb.
    answer = await _set_of(client, document)
    (listed,) = [d for d in answer.documents if d.id == document.id]
    assert (await _thumb(client, listed))[1] == still


async def test_a_video_sticker_is_a_webm_with_a_still_webp_thumb(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    message = _of_mime(await _stickers(client, sandbox), "video/webm")
    document = message.document
    video = _attribute(document, types.DocumentAttributeVideo)
    assert (video.w, video.h) == (512, 512)
    assert video.duration <= 3
    assert not message.media.video  # a sticker, not a video message
    kind, still = await _thumb(client, document)
    assert isinstance(kind, types.storage.FileWebp)
    assert _picture(still) == ("WEBP", (128, 128))


async def test_a_video_sticker_is_not_found_as_a_video(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """messages.search with inputMessagesFilterVideo (/api/search#search-filters) finds the
    chat's videos, not its video stickers."""
    message = _of_mime(await _stickers(client, sandbox), "video/webm")
    videos = [
        m
        async for m in client.iter_messages(
            message.peer_id, filter=types.InputMessagesFilterVideo(), wait_time=0
        )
    ]
    assert videos
    assert message.id not in [m.id for m in videos]
    assert not any(m.sticker for m in videos)


async def test_a_set_is_not_sent_again_for_its_hash_and_an_unknown_one_is_invalid(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    document = (await _stickers(client, sandbox))[0].document
    answer = await _set_of(client, document)
    named = _attribute(document, types.DocumentAttributeSticker).stickerset
    same = await client(functions.messages.GetStickerSetRequest(named, hash=answer.set.hash))
    assert isinstance(same, types.messages.StickerSetNotModified)
    other = await client(functions.messages.GetStickerSetRequest(named, hash=answer.set.hash ^ 1))
    assert isinstance(other, types.messages.StickerSet)
    for wrong in (
        types.InputStickerSetID(id=named.id, access_hash=named.access_hash ^ 1),
        types.InputStickerSetID(id=12345, access_hash=named.access_hash),
        types.InputStickerSetShortName("NoSuchSet"),
        types.InputStickerSetAnimatedEmoji(),
    ):
        with pytest.raises(errors.StickersetInvalidError):
            await client(functions.messages.GetStickerSetRequest(wrong, hash=0))


async def test_a_sticker_of_a_set_can_be_sent_again(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """inputMediaDocument with a set's sticker (as a client sends one from its panel): the
    set's last one, whichever messages send."""
    answer = await _set_of(client, (await _stickers(client, sandbox))[0].document)
    document = answer.documents[-1]
    chosen = types.InputDocument(document.id, document.access_hash, document.file_reference)
    world = sandbox.world
    user = next(world.chat(i) for i in range(len(world)) if world.chat(i).kind is Kind.USER)
    sent = await client.send_file(user.marked_id, chosen)
    assert sent.document.id == document.id
    assert _attribute(sent.document, types.DocumentAttributeSticker) is not None


async def test_every_layer_served_has_the_answer(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """messages.stickerSet, built in the sandbox's layer, is written in every layer it
    serves with the same constructor and read back."""
    answer = await _set_of(client, (await _stickers(client, sandbox))[0].document)
    method = "messages.getStickerSet"
    for layer, read in read_in_every_layer(answer, method):
        assert read.name == "messages.stickerSet", layer
        assert len(read.fields["documents"]) == len(answer.documents), layer
