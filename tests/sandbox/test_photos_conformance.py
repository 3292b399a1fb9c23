"""Profile and chat photos against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /method/photos.getUserPhotos: `offset` photos skipped, only ids below a positive `max_id`,
  `offset=-1` with `max_id` fetching that photo again; photos.photos for the whole list,
  photos.photosSlice with `count` for part of it; errors MAX_ID_INVALID, USER_ID_INVALID;
- /api/files: a peer's current photo is downloaded by inputPeerPhotoFileLocation (`big` for
  the large size), any profile photo by inputPhotoFileLocation with its size type;
- /constructor/userProfilePhoto and /constructor/chatPhoto: the photo id and its DC.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.sandbox import SandboxServer
from tgtui.sandbox.avatars import Owner
from tgtui.sandbox.world import Chat, Kind


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a JPEG (Telegram's profile photos are JPEGs), decoded whole: a
    real picture, not random bytes."""
    assert data.startswith(b"\xff\xd8\xff")
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as picture:
        picture.load()
        return picture.size


def _dialogs(sandbox: SandboxServer, *kinds: Kind) -> list[Chat]:
    world = sandbox.world
    return [world.chat(i) for i in range(len(world)) if world.chat(i).kind in kinds]


async def test_the_accounts_photos_come_newest_first_and_are_real_pictures(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    me = await client.get_me()
    assert isinstance(me.photo, types.UserProfilePhoto)
    photos = await client.get_profile_photos("me")
    assert photos.total == len(photos) == 2
    assert [p.id for p in photos] == sorted((p.id for p in photos), reverse=True)
    assert photos[0].date > photos[1].date
    assert photos[0].id == me.photo.photo_id  # the current one first
    for photo in photos:
        assert {s.type: (s.w, s.h) for s in photo.sizes} == {"a": (160, 160), "c": (640, 640)}
        big = await client.download_media(photo, file=bytes)
        assert _png_size(big) == (640, 640)
        assert len(big) == photo.sizes[-1].size
        small = await client.download_media(photo, file=bytes, thumb=photo.sizes[0])
        assert _png_size(small) == (160, 160)
    assert await client.download_media(photos[0], file=bytes) != await client.download_media(
        photos[1], file=bytes
    )


async def test_a_peers_current_photo_downloads_small_and_big(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Users (some with no photo: Telethon then returns None), groups and channels."""
    seen: dict[str, int] = {"with": 0, "without": 0}
    for chat in _dialogs(sandbox, Kind.USER, Kind.GROUP, Kind.CHANNEL)[:24]:
        entity = await client.get_entity(chat.marked_id)
        big = await client.download_profile_photo(entity, file=bytes)
        if isinstance(entity.photo, types.UserProfilePhotoEmpty | types.ChatPhotoEmpty):
            assert big is None
            seen["without"] += 1
            continue
        seen["with"] += 1
        assert _png_size(big) == (640, 640)
        small = await client.download_profile_photo(entity, file=bytes, download_big=False)
        assert _png_size(small) == (160, 160)
        assert big == sandbox.world.avatars.picture(entity.photo.photo_id, "c")
    assert seen["with"] > seen["without"] > 0


async def test_a_group_members_photo_is_reachable_from_its_message(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """A member who is not a dialog: known from a message's users, with its access hash."""
    group = _dialogs(sandbox, Kind.GROUP)[0]
    senders = {}
    async for message in client.iter_messages(group.marked_id, limit=200):
        sender = await message.get_sender()
        if isinstance(sender, types.User) and not sender.is_self:
            senders[sender.id] = sender
    with_photo = [s for s in senders.values() if isinstance(s.photo, types.UserProfilePhoto)]
    assert with_photo
    answer = await client(
        functions.photos.GetUserPhotosRequest(
            user_id=types.InputUser(with_photo[0].id, with_photo[0].access_hash),
            offset=0,
            max_id=0,
            limit=10,
        )
    )
    assert answer.photos[0].id == with_photo[0].photo.photo_id
    assert _png_size(await client.download_profile_photo(with_photo[0], file=bytes)) == (640, 640)


async def _user_with_photos(client: TelegramClient, sandbox: SandboxServer, least: int) -> Any:
    for chat in _dialogs(sandbox, Kind.USER):
        if sandbox.world.avatar_count(Owner.USER, chat.bare_id) >= least:
            return await client.get_input_entity(chat.marked_id)
    raise AssertionError(f"no user with {least} photos in this world")


async def test_get_user_photos_pages_by_offset_and_max_id(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    peer = await _user_with_photos(client, sandbox, 3)
    user = types.InputUser(peer.user_id, peer.access_hash)

    async def ask(offset: int, max_id: int, limit: int) -> Any:
        return await client(
            functions.photos.GetUserPhotosRequest(
                user_id=user, offset=offset, max_id=max_id, limit=limit
            )
        )

    whole = await ask(0, 0, 100)
    assert isinstance(whole, types.photos.Photos)
    ids = [p.id for p in whole.photos]
    assert len(ids) == 3
    assert ids == sorted(ids, reverse=True)
    first = await ask(0, 0, 2)
    assert isinstance(first, types.photos.PhotosSlice)
    assert first.count == 3
    assert [p.id for p in first.photos] == ids[:2]
    assert [p.id for p in (await ask(2, 0, 2)).photos] == ids[2:]
    assert [p.id for p in (await ask(0, ids[0], 5)).photos] == ids[1:]  # below max_id
    again = await ask(-1, ids[1], 1)  # that photo itself, with a fresh file reference
    assert [p.id for p in again.photos] == [ids[1]]
    assert (await ask(0, ids[2], 5)).photos == []
    with pytest.raises(errors.MaxIdInvalidError):
        await ask(0, -5, 5)
    with pytest.raises(errors.UserIdInvalidError):
        await client(
            functions.photos.GetUserPhotosRequest(
                user_id=types.InputUser(peer.user_id, peer.access_hash ^ 1),
                offset=0,
                max_id=0,
                limit=5,
            )
        )


async def test_a_photo_id_that_is_not_the_peers_current_one_is_refused(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    peer = await _user_with_photos(client, sandbox, 2)
    older = (await client.get_profile_photos(peer))[1]
    location = types.InputPeerPhotoFileLocation(peer=peer, photo_id=older.id, big=True)
    with pytest.raises(errors.LocationInvalidError):
        await client.download_file(location, file=bytes)
