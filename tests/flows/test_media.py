"""Media downloads, byte for byte, and Telegram's upload.getFile rules."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """The world's files on the account's own DC: these tests send upload.getFile on the
    client's main connection to check Telegram's part rules (where files live, and the
    FILE_MIGRATE a client then gets, is tests/sandbox/test_transport_conformance.py's)."""
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=120, messages=1500, media_dc=2))


async def _media_messages(client: TelegramClient, sandbox: SandboxServer) -> list[Any]:
    entity = await client.get_entity(sandbox.world.chat(0).marked_id)
    return [m async for m in client.iter_messages(entity, wait_time=0) if m.photo or m.document]


def _expected(sandbox: SandboxServer, media: Any) -> bytes:
    if isinstance(media, types.Photo):
        size = media.sizes[-1]  # the biggest (a progressive one's bytes: its last scan's end)
        whole = max(size.sizes) if isinstance(size, types.PhotoSizeProgressive) else size.size
        return sandbox.files.whole(media.id, size.type, whole)
    return sandbox.files.whole(media.id, "", media.size)


async def test_photo_and_document_download_byte_exact(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    messages = await _media_messages(client, sandbox)
    photo = next(m for m in messages if m.photo)
    document = max((m for m in messages if m.document), key=lambda m: m.document.size)
    assert document.document.size > 128 * 1024  # several parts
    for message, media in ((photo, photo.photo), (document, document.document)):
        data = await client.download_media(message, file=bytes)
        assert isinstance(data, bytes)
        assert data == _expected(sandbox, media)


async def test_get_file_rules(client: TelegramClient, sandbox: SandboxServer) -> None:
    messages = await _media_messages(client, sandbox)
    doc = max((m.document for m in messages if m.document), key=lambda d: d.size)
    location = types.InputDocumentFileLocation(doc.id, doc.access_hash, doc.file_reference, "")

    async def get(offset: int, limit: int, precise: bool = False) -> bytes:
        result = await client(
            functions.upload.GetFileRequest(location, offset, limit, precise=precise)
        )
        return bytes(result.bytes)

    assert await get(4096, 4096) == _expected(sandbox, doc)[4096:8192]
    with pytest.raises(errors.OffsetInvalidError):
        await get(1000, 4096)
    with pytest.raises(errors.LimitInvalidError):
        await get(0, 1000 * 1024)  # 1 MiB is not a multiple of it
    with pytest.raises(errors.LimitInvalidError):
        await get(0, 2 * 1024 * 1024)  # over 1 MiB
    whole = await get(0, 1024 * 1024)  # Telegram's largest part: allowed
    assert whole == _expected(sandbox, doc)[: 1024 * 1024]
    with pytest.raises(errors.LimitInvalidError):
        await get(0, 12 * 1024)  # 1 MiB is not a multiple of it
    with pytest.raises(errors.LimitInvalidError):
        await get(1024 * 1024 - 4096, 8192)  # crosses a 1 MiB boundary
    assert await get(1024, 3072, precise=True) == _expected(sandbox, doc)[1024:4096]


async def test_file_hashes_match_content(client: TelegramClient, sandbox: SandboxServer) -> None:
    messages = await _media_messages(client, sandbox)
    doc = max((m.document for m in messages if m.document), key=lambda d: d.size)
    location = types.InputDocumentFileLocation(doc.id, doc.access_hash, doc.file_reference, "")
    hashes = await client(functions.upload.GetFileHashesRequest(location, 0))
    content = _expected(sandbox, doc)
    assert hashes
    for part in hashes:
        chunk = content[part.offset : part.offset + part.limit]
        assert hashlib.sha256(chunk).digest() == part.hash


async def test_wrong_access_hash_is_refused(client: TelegramClient, sandbox: SandboxServer) -> None:
    messages = await _media_messages(client, sandbox)
    doc = next(m.document for m in messages if m.document)
    location = types.InputDocumentFileLocation(doc.id, doc.access_hash + 1, doc.file_reference, "")
    with pytest.raises(errors.LocationInvalidError):
        await client(functions.upload.GetFileRequest(location, 0, 4096))
