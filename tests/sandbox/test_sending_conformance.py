"""Sending photos and documents against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/files: uploads by upload.saveFilePart (up to 10 MB, inputFile with its MD5) or
  upload.saveBigFilePart (inputFileBig), then used in a method such as messages.sendMedia;
- /method/messages.sendMedia: inputMediaUploadedPhoto / inputMediaUploadedDocument, or media
  already on the server (inputMediaPhoto / inputMediaDocument); the answer is Updates with
  updateMessageID for the client's random_id; errors FILE_PART_X_MISSING,
  MD5_CHECKSUM_INVALID, IMAGE_PROCESS_FAILED, PHOTO_INVALID_DIMENSIONS, MEDIA_EMPTY,
  CHAT_ADMIN_REQUIRED.
"""

from __future__ import annotations

import io
import os
import random
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import SandboxServer
from tgtui.sandbox.files import picture_png
from tgtui.sandbox.world import Chat, Kind


def _first(sandbox: SandboxServer, kind: Kind) -> Chat:
    world = sandbox.world
    return next(world.chat(i) for i in range(len(world)) if world.chat(i).kind is kind)


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


async def test_an_uploaded_photo_is_sent_and_downloads_as_it_was(
    client: TelegramClient, connect: ClientFactory, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.USER)
    picture = picture_png(42, 300, 200)
    sent = await client.send_file(chat.marked_id, _named(picture, "view.png"), caption="look")
    assert isinstance(sent.media, types.MessageMediaPhoto)
    assert sent.message == "look"
    size = sent.media.photo.sizes[-1]
    assert (size.w, size.h, size.size) == (300, 200, len(picture))
    other = await connect()  # another session reads it from the history
    await other.get_dialogs()
    [fetched] = await other.get_messages(chat.marked_id, ids=[sent.id])
    assert fetched.media.photo.id == sent.media.photo.id
    assert await other.download_media(fetched, file=bytes) == picture


async def test_documents_small_and_big_keep_their_bytes_name_and_caption(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """1.5 MB goes up by saveFilePart with an MD5, 10.5 MB by saveBigFilePart."""
    chat = _first(sandbox, Kind.GROUP)
    rng = random.Random(5)
    for size, name in ((1_500_000, "notes.bin"), (10_500_000, "big.bin")):
        data = rng.randbytes(size)
        sent = await client.send_file(
            chat.marked_id, _named(data, name), caption=name, force_document=True
        )
        document = sent.media.document
        assert document.size == size
        assert sent.file.name == name
        assert sent.message == name
        assert await client.download_media(sent, file=bytes) == data
    big = sandbox.log.of("upload.saveBigFilePart")
    small = sandbox.log.of("upload.saveFilePart")
    assert big
    assert small


async def _send_uploaded(client: TelegramClient, chat: Chat, file: Any, media: Any) -> Any:
    return await client(
        functions.messages.SendMediaRequest(
            peer=await client.get_input_entity(chat.marked_id),
            media=media,
            message="",
            random_id=random.getrandbits(63),
        )
    )


async def test_a_missing_part_or_a_wrong_checksum_is_refused(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.USER)
    file_id = random.getrandbits(63)
    for part in (0, 2):  # part 1 never arrives
        await client(
            functions.upload.SaveFilePartRequest(file_id=file_id, file_part=part, bytes=b"x" * 1024)
        )
    partial = types.InputFile(id=file_id, parts=3, name="a.bin", md5_checksum="")
    media = types.InputMediaUploadedDocument(
        file=partial, mime_type="application/octet-stream", attributes=[]
    )
    with pytest.raises(errors.FilePartMissingError) as missing:
        await _send_uploaded(client, chat, partial, media)
    assert missing.value.which == 1
    await client(
        functions.upload.SaveFilePartRequest(file_id=file_id, file_part=1, bytes=b"x" * 1024)
    )
    wrong = types.InputFile(id=file_id, parts=3, name="a.bin", md5_checksum="0" * 32)
    media.file = wrong
    with pytest.raises(errors.Md5ChecksumInvalidError):
        await _send_uploaded(client, chat, wrong, media)


async def test_a_photo_that_is_no_picture_is_refused(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _first(sandbox, Kind.USER)
    uploaded = await client.upload_file(_named(os.urandom(5000), "noise.jpg"))
    with pytest.raises(errors.ImageProcessFailedError):
        await _send_uploaded(client, chat, uploaded, types.InputMediaUploadedPhoto(file=uploaded))
    huge = picture_png(7, 12_000, 10)
    uploaded = await client.upload_file(_named(huge, "strip.png"))
    with pytest.raises(errors.PhotoInvalidDimensionsError):
        await _send_uploaded(client, chat, uploaded, types.InputMediaUploadedPhoto(file=uploaded))


async def test_media_already_on_the_server_is_sent_again_by_id(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    source = _first(sandbox, Kind.GROUP)
    document = None
    async for message in client.iter_messages(source.marked_id, limit=400):
        if isinstance(message.media, types.MessageMediaDocument):
            document = message.media.document
            break
    assert document is not None
    target = _first(sandbox, Kind.USER)
    answer = await _send_uploaded(
        client,
        target,
        None,
        types.InputMediaDocument(
            id=types.InputDocument(document.id, document.access_hash, document.file_reference)
        ),
    )
    [sent_id] = [u for u in answer.updates if isinstance(u, types.UpdateMessageID)]
    [new] = [u for u in answer.updates if isinstance(u, types.UpdateNewMessage)]
    assert new.message.id == sent_id.id
    assert new.message.media.document.id == document.id
    with pytest.raises(errors.MediaEmptyError):
        await _send_uploaded(
            client,
            target,
            None,
            types.InputMediaDocument(
                id=types.InputDocument(document.id, document.access_hash ^ 1, b"")
            ),
        )


async def test_a_broadcast_channel_refuses_media_from_a_subscriber(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    channel = _first(sandbox, Kind.CHANNEL)
    with pytest.raises(errors.ChatAdminRequiredError):
        await client.send_file(channel.marked_id, _named(picture_png(1), "p.png"))
