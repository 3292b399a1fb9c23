"""messages.getStickerSet: a sticker set of the world and its stickers
(`tgtui.sandbox.sticker_sets`)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.rpc import Call, RpcError, handles


@handles(functions.messages.GetStickerSetRequest)
async def get_sticker_set(call: Call, request: Any) -> Any:
    """messages.getStickerSet (core.telegram.org/method/messages.getStickerSet): the set an
    inputStickerSetID or inputStickerSetShortName names, as messages.stickerSet (the set, its
    packs, keywords and documents, each with a fresh file reference); stickerSetNotModified
    when ``hash`` is the set's (/api/offsets#hash-generation: the client has it already);
    STICKERSET_INVALID for a set the world does not have."""
    call.user_id()
    server = call.server
    stickers = server.history.media.stickers
    index = stickers.find(request.stickerset)
    if index is None:
        raise RpcError(406, "STICKERSET_INVALID")
    if request.hash and request.hash == stickers.set_hash(index):
        return types.messages.StickerSetNotModified()
    return stickers.answer(index, server.history.file_reference())
