"""upload.getFile and upload.getFileHashes, with Telegram's part-size rules; uploads
(upload.saveFilePart, upload.saveBigFilePart)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.history import FileInfo
from tgtui.sandbox.methods.common import check_access, peer_owner
from tgtui.sandbox.methods.sending import sent_access_hash
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
    if isinstance(location, types.InputPeerPhotoFileLocation):
        info = _current_avatar(call, location)
    elif isinstance(location, types.InputPhotoFileLocation | types.InputDocumentFileLocation):
        info = _by_id(call, location)
        _check_reference(call, location.file_reference)
    else:
        raise RpcError(400, "LOCATION_INVALID")
    if info.chat_index is not None:
        check_access(server, server.world.chat(info.chat_index))
    home = server.world.options.media_dc
    if call.auth.dc != home:  # asked on the wrong DC: the client is told where to go
        raise RpcError(303, f"FILE_MIGRATE_{home}")
    return info


def _by_id(call: Call, location: Any) -> FileInfo:
    """A photo size or document named by id and access hash: a message's, or an avatar."""
    server = call.server
    if isinstance(location, types.InputPhotoFileLocation):
        thumb = location.thumb_size or "y"
        avatar = server.world.avatar(location.id)
        if avatar is not None:
            picture = server.world.avatars.picture(location.id, thumb)
            if picture is None or location.access_hash != server.world.avatars.access_hash(
                location.id
            ):
                raise RpcError(400, "LOCATION_INVALID")
            return FileInfo(location.id, thumb, len(picture), None, 0, picture)
    else:
        thumb = location.thumb_size or ""  # a document's thumb (/api/files), or the document
    sent = server.uploads.sent.get(location.id)
    if sent is not None:  # made from an upload by messages.sendMedia
        sizes = [s.type for s in getattr(sent.media, "sizes", None) or []]
        if location.access_hash != sent_access_hash(call, location.id) or (
            thumb not in sizes if sizes else thumb
        ):
            raise RpcError(400, "LOCATION_INVALID")
        return FileInfo(location.id, thumb, len(sent.data), None, 0, sent.data)
    info = server.history.file_info(location.id, thumb)
    expected_hash = positive63(server.world.options.seed, tag("media-hash"), location.id)
    if info is None or location.access_hash != expected_hash:
        raise RpcError(400, "LOCATION_INVALID")
    return info


def _current_avatar(call: Call, location: Any) -> FileInfo:
    """inputPeerPhotoFileLocation: a peer's current photo, small ("a") or big ("c"); the
    photo id must be the one the peer carries now (/api/files)."""
    server = call.server
    owner, bare_id = peer_owner(server, location.peer)
    photo_id = server.world.current_avatar(owner, bare_id)
    if photo_id is None or location.photo_id != photo_id:
        raise RpcError(400, "LOCATION_INVALID")
    thumb = "c" if location.big else "a"
    picture = server.world.avatars.picture(photo_id, thumb) or b""
    return FileInfo(photo_id, thumb, len(picture), None, 0, picture)


def _check_reference(call: Call, file_reference: bytes | None) -> None:
    """A file reference is what getHistory (or getUserPhotos) handed out, and not too old."""
    reference = bytes(file_reference or b"")
    if len(reference) != 8:
        raise RpcError(400, "FILE_REFERENCE_INVALID")
    ttl = call.server.faults.file_reference_ttl
    issued = int.from_bytes(reference, "big") / 1000
    if ttl is not None and call.server.history.file_reference_clock() - issued > ttl:
        raise RpcError(400, "FILE_REFERENCE_EXPIRED")


def read(call: Call, info: FileInfo, offset: int, limit: int) -> bytes:
    """Bytes [offset, offset + limit) of a located file (fewer at its end)."""
    if info.data is not None:
        return info.data[offset : offset + limit]
    return call.server.files.read(info.media_id, info.thumb, info.size, offset, limit)


@handles(functions.upload.GetFileRequest)
async def get_file(call: Call, request: Any) -> types.upload.File:
    """upload.getFile: one aligned part of a world file."""
    call.user_id()
    check_range(request.offset, request.limit, precise=bool(request.precise))
    info = locate(call, request.location)
    data = read(call, info, request.offset, request.limit)
    kind = _storage_type(info, data) if request.offset == 0 else types.storage.FilePartial()
    data = call.server.faults.damage(data)
    return types.upload.File(type=kind, mtime=int(time.time()), bytes=data)


def _storage_type(info: FileInfo, first: bytes) -> Any:
    """upload.file's ``type``: what the first part shows the file is (a thumb: JPEG, a
    sticker's: WebP, a GIF's video thumb: MP4), else storage.filePartial."""
    if first.startswith(b"\xff\xd8\xff"):
        return types.storage.FileJpeg()
    if first.startswith(b"RIFF") and first[8:12] == b"WEBP":
        return types.storage.FileWebp()
    if first.startswith(b"\x89PNG"):
        return types.storage.FilePng()
    if info.thumb == "v":
        return types.storage.FileMp4()
    return types.storage.FilePartial()


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
        part = read(call, info, offset, HASH_PART)
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
