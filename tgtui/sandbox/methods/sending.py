"""messages.sendMessage and messages.sendMedia: stored, answered, pushed to the account's
other sessions. Media are made from uploads (`tgtui.sandbox.uploads`) or re-sent by id."""

from __future__ import annotations

import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import resolve
from tgtui.sandbox.rng import positive63, tag
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.sticker_sets import decode_sticker_id
from tgtui.sandbox.uploads import image_size
from tgtui.sandbox.world import SELF_ID, Kind, ts

# Telegram's photo size letters by the longest side (/api/files#image-thumbnail-types)
PHOTO_SIZE_TYPES = ((320, "m"), (800, "x"), (1280, "y"), (2560, "w"))
PHOTO_MAX_SIDE = 10_000  # beyond it: PHOTO_INVALID_DIMENSIONS


async def _post(call: Call, request: Any, text: str, media: Any = None) -> Any:
    """Store the account's message in the peer's chat, push it to the account's other main
    connections; the message and its update event."""
    server = call.server
    chat = resolve(server, request.peer)
    if chat.kind is Kind.CHANNEL:
        # The account subscribes to the world's broadcast channels and administers none:
        # posting needs admin rights (Telegram answers 403 CHAT_ADMIN_REQUIRED).
        raise RpcError(403, "CHAT_ADMIN_REQUIRED")
    message, event = server.living.post(
        chat,
        text,
        from_id=types.PeerUser(SELF_ID),
        out=True,
        entities=request.entities,
        media=media,
    )
    await push_to_others(call, server.updates_of([event.update], [message], [chat]))
    return message, event, chat


async def push_to_others(call: Call, updates: types.Updates) -> None:
    """Send updates to the account's other sessions (the caller has them as its answer)."""
    await call.server.push_updates(call.user_id(), bytes(updates), skip=call.session)


@handles(functions.messages.SendMessageRequest)
async def send_message(call: Call, request: Any) -> Any:
    """messages.sendMessage: answered with updateShortSentMessage."""
    if not request.message.strip():
        raise RpcError(400, "MESSAGE_EMPTY")
    message, event, _chat = await _post(call, request, request.message)
    return types.UpdateShortSentMessage(
        id=message.id, pts=event.pts, pts_count=1, date=message.date, out=True
    )


@handles(functions.messages.SendMediaRequest)
async def send_media(call: Call, request: Any) -> types.Updates:
    """messages.sendMedia (core.telegram.org/method/messages.sendMedia): an uploaded photo or
    document, or one already on the server by id; answered with updates carrying
    updateMessageID (the client's random_id) and the new message."""
    call.user_id()
    media = _media(call, request.media)
    message, event, chat = await _post(call, request, request.message or "", media)
    sent_id = types.UpdateMessageID(id=message.id, random_id=request.random_id)
    return call.server.updates_of([sent_id, event.update], [message], [chat])


def _media(call: Call, media: Any) -> Any:
    """The MessageMedia an InputMedia makes."""
    if isinstance(media, types.InputMediaUploadedPhoto):
        return types.MessageMediaPhoto(photo=_photo(call, _uploaded(call, media.file)))
    if isinstance(media, types.InputMediaUploadedDocument):
        data = _uploaded(call, media.file)
        attributes = list(media.attributes or [])
        if media.file.name and not any(
            isinstance(a, types.DocumentAttributeFilename) for a in attributes
        ):
            attributes.append(types.DocumentAttributeFilename(file_name=media.file.name))
        document = _keep(
            call,
            data,
            types.Document,
            mime_type=media.mime_type or "application/octet-stream",
            size=len(data),
            attributes=attributes,
        )
        return types.MessageMediaDocument(document=document)
    if isinstance(media, types.InputMediaPhoto | types.InputMediaDocument):
        return _existing(call, media)
    raise RpcError(400, "MEDIA_INVALID")


def _uploaded(call: Call, file: Any) -> bytes:
    if isinstance(file, types.InputFile):
        return call.server.uploads.take(call.user_id(), file.id, file.parts, file.md5_checksum)
    if isinstance(file, types.InputFileBig):
        return call.server.uploads.take(call.user_id(), file.id, file.parts)
    raise RpcError(400, "MEDIA_INVALID")


def _photo(call: Call, data: bytes) -> types.Photo:
    """A photo of one size (the uploaded picture itself: the sandbox does not re-encode)."""
    size = image_size(data)
    if size is None:
        raise RpcError(400, "IMAGE_PROCESS_FAILED")
    width, height = size
    if max(width, height) > PHOTO_MAX_SIDE:
        raise RpcError(400, "PHOTO_INVALID_DIMENSIONS")
    letter = next((t for side, t in PHOTO_SIZE_TYPES if max(width, height) <= side), "w")
    photo_size = types.PhotoSize(type=letter, w=width, h=height, size=len(data))
    photo: types.Photo = _keep(call, data, types.Photo, sizes=[photo_size])
    return photo


def _keep(call: Call, data: bytes, kind: Any, **fields: Any) -> Any:
    """A Photo or Document (``kind``) of ``fields`` with a new id, its access hash, a file
    reference, now as its date and the world's media DC; its bytes kept for downloads."""
    server = call.server
    media_id = server.uploads.next_id()
    made = kind(
        id=media_id,
        access_hash=sent_access_hash(call, media_id),
        file_reference=server.history.file_reference(),
        date=ts(int(time.time())),
        dc_id=server.world.options.media_dc,
        **fields,
    )
    server.uploads.keep_sent(media_id, made, data)
    return made


def sent_access_hash(call: Call, media_id: int) -> int:
    """The access hash of a photo or document made from an upload."""
    return positive63(call.server.world.options.seed, tag("sent-hash"), media_id)


def _existing(call: Call, media: Any) -> Any:
    """inputMediaPhoto / inputMediaDocument: a photo or document sent before, by id and
    access hash (MEDIA_EMPTY for one the server does not know)."""
    wanted = media.id
    if not isinstance(wanted, types.InputPhoto | types.InputDocument):
        raise RpcError(400, "MEDIA_EMPTY")
    server = call.server
    sent = server.uploads.sent.get(wanted.id)
    expected = positive63(server.world.options.seed, tag("media-hash"), wanted.id)
    if sent is not None and wanted.access_hash == sent_access_hash(call, wanted.id):
        found = sent.media
    elif decode_sticker_id(wanted.id) is not None and wanted.access_hash == expected:
        found = server.history.media.stickers.document(wanted.id, server.history.file_reference())
    else:
        info = server.history.file_info(
            wanted.id, "y" if isinstance(wanted, types.InputPhoto) else ""
        )
        if info is None or info.chat_index is None or wanted.access_hash != expected:
            raise RpcError(400, "MEDIA_EMPTY")
        original = server.history.message(server.world.chat(info.chat_index), info.k)
        found = getattr(original.media, "photo", None) or getattr(original.media, "document", None)
    if isinstance(found, types.Photo) and isinstance(wanted, types.InputPhoto):
        return types.MessageMediaPhoto(photo=found)
    if isinstance(found, types.Document) and isinstance(wanted, types.InputDocument):
        return types.MessageMediaDocument(document=found)
    raise RpcError(400, "MEDIA_EMPTY")
