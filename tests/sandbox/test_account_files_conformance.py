"""The files of the account's profile pictures and stories, against Telegram's documentation,
with plain Telethon calls:

- /method/photos.getUserPhotos: the account's own photos (inputUserSelf), newest first;
  with ``offset`` -1 and ``max_id`` a photo's id, that photo itself, with a file reference
  of now (how a client renews an expired one); /method/upload.getFile of its sizes gives the
  picture, a JPEG (storage.fileJpeg);
- /method/stories.getStoriesByID: the stories asked for, in that order, each media with a
  file reference of now (/api/file_reference), a deleted one as storyItemDeleted
  (/constructor/storyItemDeleted), STORY_ID_EMPTY for no ids; upload.getFile of a story's
  photo gives its bytes; an expired reference (FILE_REFERENCE_EXPIRED) works again once
  renewed this way.
"""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.backup.media import file_source
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.world import HOME_DC


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world with media (the stories are photos of Saved Messages), its files on the
    account's own DC (so one connection asks for them all)."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=60, messages=300, media_dc=HOME_DC))


async def _download(client: TelegramClient, media: object) -> tuple[bytes, object]:
    source = file_source(media)
    assert source is not None
    got = await client(functions.upload.GetFileRequest(source.location, 0, 512 * 1024))
    return got.bytes, got.type


async def test_the_accounts_photos_are_served_and_renewed_by_id(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    got = await client(functions.photos.GetUserPhotosRequest(types.InputUserSelf(), 0, 0, 10))
    photos = [p for p in got.photos if isinstance(p, types.Photo)]
    assert len(photos) == 2
    assert [p.id for p in photos] == sorted((p.id for p in photos), reverse=True)
    for photo in photos:
        data, kind = await _download(client, types.MessageMediaPhoto(photo=photo))
        assert isinstance(kind, types.storage.FileJpeg)
        largest = max(photo.sizes, key=lambda s: s.w)
        assert data == sandbox.world.avatars.picture(photo.id, largest.type)
        assert len(data) == largest.size

    # An expired reference; the photo asked for again by id has a good one.
    sandbox.faults.file_reference_ttl = 5
    clock = sandbox.history.file_reference_clock
    sandbox.history.file_reference_clock = lambda: clock() + 60
    with pytest.raises(errors.FileReferenceExpiredError):
        await _download(client, types.MessageMediaPhoto(photo=photos[1]))
    again = await client(
        functions.photos.GetUserPhotosRequest(types.InputUserSelf(), -1, photos[1].id, 1)
    )
    assert [p.id for p in again.photos] == [photos[1].id]
    data, _kind = await _download(client, types.MessageMediaPhoto(photo=again.photos[0]))
    assert data.startswith(b"\xff\xd8\xff")


async def test_stories_by_id_renew_their_media_and_mark_the_deleted(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    stories = sandbox.account.stories()
    assert len(stories) >= 2
    first, second = stories[0].id, stories[1].id
    me = types.InputPeerSelf()
    got = await client(functions.stories.GetStoriesByIDRequest(me, [second, first]))
    assert [s.id for s in got.stories] == [second, first]
    item = got.stories[0]
    assert isinstance(item, types.StoryItem)
    data, _kind = await _download(client, item.media)
    source = file_source(item.media)
    assert source is not None
    thumb = getattr(source.location, "thumb_size", "")
    assert data == sandbox.files.whole(source.location.id, thumb, source.size)[: len(data)]

    sandbox.faults.file_reference_ttl = 5
    clock = sandbox.history.file_reference_clock
    sandbox.history.file_reference_clock = lambda: clock() + 60
    with pytest.raises(errors.FileReferenceExpiredError):
        await _download(client, item.media)
    renewed = await client(functions.stories.GetStoriesByIDRequest(me, [second]))
    data, _kind = await _download(client, renewed.stories[0].media)
    assert data

    assert sandbox.account.delete_story(first)
    got = await client(functions.stories.GetStoriesByIDRequest(me, [first]))
    assert [type(s) for s in got.stories] == [types.StoryItemDeleted]
    with pytest.raises(errors.RPCError, match="STORY_ID_EMPTY"):
        await client(functions.stories.GetStoriesByIDRequest(me, []))
