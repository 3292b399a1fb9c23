"""photos.getUserPhotos: a user's profile photos, newest first (`tgtui.sandbox.avatars`);
photos.deletePhotos: the account's own."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.avatars import Owner
from tgtui.sandbox.methods.common import numbers_vector, resolve_user
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
    ids = server.world.photo_ids(Owner.USER, user_id)  # newest (highest) first
    count = len(ids)
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


@handles(functions.photos.DeletePhotosRequest)
async def delete_photos(call: Call, request: Any) -> bytes:
    """photos.deletePhotos (core.telegram.org/method/photos.deletePhotos): delete profile
    photos of the account; the ids of those deleted (a photo that is not one of its own, or
    whose access hash is wrong, is passed over). The newest left becomes the current one."""
    call.user_id()
    hashes = call.server.world.avatars.access_hash
    asked = [
        photo.id
        for photo in request.id
        if isinstance(photo, types.InputPhoto) and photo.access_hash == hashes(photo.id)
    ]
    return numbers_vector(call.server.account.delete_photos(asked), long=True)
