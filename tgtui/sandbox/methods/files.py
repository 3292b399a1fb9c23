"""upload.getFile and upload.getFileHashes, with Telegram's part-size rules; uploads
(upload.saveFilePart, upload.saveBigFilePart)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.history import FileInfo
from tgtui.sandbox.methods.common import check_access
from tgtui.sandbox.rng import positive63, tag
from tgtui.sandbox.rpc import Call, RpcError, handles

KIB = 1024
MIB = 1024 * KIB
HASH_PART = 128 * KIB
HASH_PARTS_PER_CALL = 8


def check_range(offset: int, limit: int, *, precise: bool) -> None:
    """Telegram's rules for upload.getFile parts (core.telegram.org/api/files): offset and
    limit divisible by 4 KiB (1 KiB with ``precise``), 1 MiB divisible by limit (not with
    ``precise``), limit at most 1 MiB, and no part across a 1 MiB boundary."""
    align = KIB if precise else 4 * KIB
    if offset < 0 or offset % align:
        raise RpcError(400, "OFFSET_INVALID")
    if limit <= 0 or limit % align or limit > MIB:
        raise RpcError(400, "LIMIT_INVALID")
    if not precise and MIB % limit:
        raise RpcError(400, "LIMIT_INVALID")
    if offset // MIB != (offset + limit - 1) // MIB:
        raise RpcError(400, "LIMIT_INVALID")


def locate(call: Call, location: Any) -> FileInfo:
    """The file a location names, after access-hash, reference-age and privacy checks."""
    server = call.server
    if isinstance(location, types.InputPhotoFileLocation):
        thumb = location.thumb_size or "y"
    elif isinstance(location, types.InputDocumentFileLocation):
        thumb = ""
    else:
        raise RpcError(400, "LOCATION_INVALID")
    info = server.history.file_info(location.id, thumb)
    expected_hash = positive63(server.world.options.seed, tag("media-hash"), location.id)
    if info is None or location.access_hash != expected_hash:
        raise RpcError(400, "LOCATION_INVALID")
    reference = bytes(location.file_reference or b"")
    if len(reference) != 8:
        raise RpcError(400, "FILE_REFERENCE_INVALID")
    ttl = server.faults.file_reference_ttl
    issued = int.from_bytes(reference, "big") / 1000
    if ttl is not None and server.history.file_reference_clock() - issued > ttl:
        raise RpcError(400, "FILE_REFERENCE_EXPIRED")
    check_access(server, server.world.chat(info.chat_index))
    return info


@handles(functions.upload.GetFileRequest)
async def get_file(call: Call, request: Any) -> types.upload.File:
    """upload.getFile: one aligned part of a world file."""
    call.user_id()
    check_range(request.offset, request.limit, precise=bool(request.precise))
    info = locate(call, request.location)
    data = call.server.files.read(
        info.media_id, info.thumb, info.size, request.offset, request.limit
    )
    kind: Any = types.storage.FileJpeg() if info.thumb else types.storage.FilePartial()
    data = call.server.faults.damage(data)
    return types.upload.File(type=kind, mtime=int(time.time()), bytes=data)


@handles(functions.upload.GetFileHashesRequest)
async def get_file_hashes(call: Call, request: Any) -> list[types.FileHash]:
    """upload.getFileHashes: SHA-256 of 128 KiB parts from ``offset`` (a few per call)."""
    call.user_id()
    info = locate(call, request.location)
    if request.offset < 0 or request.offset % HASH_PART:
        raise RpcError(400, "OFFSET_INVALID")
    hashes: list[types.FileHash] = []
    offset = request.offset
    while offset < info.size and len(hashes) < HASH_PARTS_PER_CALL:
        part = call.server.files.read(info.media_id, info.thumb, info.size, offset, HASH_PART)
        hashes.append(
            types.FileHash(offset=offset, limit=len(part), hash=hashlib.sha256(part).digest())
        )
        offset += HASH_PART
    return hashes


@handles(functions.upload.SaveFilePartRequest)
async def save_file_part(call: Call, request: Any) -> bool:
    """upload.saveFilePart: one part of a file of up to 10 MB (`tgtui.sandbox.uploads`)."""
    user_id = call.user_id()
    call.server.uploads.save(user_id, request.file_id, request.file_part, request.bytes)
    return True


@handles(functions.upload.SaveBigFilePartRequest)
async def save_big_file_part(call: Call, request: Any) -> bool:
    """upload.saveBigFilePart: one part of a bigger file, with the total it will have."""
    user_id = call.user_id()
    call.server.uploads.save(
        user_id, request.file_id, request.file_part, request.bytes, request.file_total_parts
    )
    return True
