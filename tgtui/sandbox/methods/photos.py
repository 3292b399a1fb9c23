"""photos.getUserPhotos: a user's profile photos, newest first (`tgtui.sandbox.avatars`)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.avatars import Owner, avatar_id
from tgtui.sandbox.methods.common import resolve_user
from tgtui.sandbox.rpc import Call, RpcError, handles

MAX_LIMIT = 100  # photos per answer


@handles(functions.photos.GetUserPhotosRequest)
async def get_user_photos(call: Call, request: Any) -> types.photos.TypePhotos:
    """photos.getUserPhotos (core.telegram.org/method/photos.getUserPhotos): skip ``offset``
    photos from the first one older than ``max_id`` (from the newest when 0); ``offset=-1``
    with ``max_id`` gives that photo itself (to refresh its file reference). The whole list
    is photos.photos; part of it photos.photosSlice with the total count."""
    call.user_id()
    server = call.server
    user_id = resolve_user(server, request.user_id)
    if request.max_id < 0:
        raise RpcError(400, "MAX_ID_INVALID")
    count = server.world.avatar_count(Owner.USER, user_id)
    ids = [avatar_id(Owner.USER, user_id, n) for n in range(count)]  # newest (highest) first
    start = 0
    if request.max_id:
        start = next((i for i, photo_id in enumerate(ids) if photo_id < request.max_id), count)
    start = max(0, start + request.offset)
    chosen = ids[start : start + max(0, min(request.limit, MAX_LIMIT))]
    reference = server.history.file_reference()
    photos = [server.world.avatars.photo(photo_id, reference) for photo_id in chosen]
    user = server.world.user(user_id)
    users = [user] if user is not None else []
    if start == 0 and len(photos) == count:
        return types.photos.Photos(photos=photos, users=users)
    return types.photos.PhotosSlice(count=count, photos=photos, users=users)
