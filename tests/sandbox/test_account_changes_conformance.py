"""The account changing its own data, against Telegram's documentation, with plain Telethon
calls: what a second backup must find changed (tests/flows/test_account_versions.py).

References (core.telegram.org):
- /method/account.updateProfile: the names and bio given change, the account's User is the
  answer; 400 FIRSTNAME_INVALID, 400 ABOUT_TOO_LONG;
- /method/account.updateUsername: "" removes it; 5-32 characters of a-z, 0-9 and
  underscores; 400 USERNAME_INVALID, USERNAME_NOT_MODIFIED, USERNAME_OCCUPIED;
- /method/photos.deletePhotos: deletes profile photos, answers the ids of those deleted;
- /method/stories.deleteStories: deletes stories posted, answers the ids of those deleted;
  400 PEER_ID_INVALID, STORY_ID_EMPTY;
- /method/contacts.resetTopPeerRating (/api/top-rating): the peer's rating in a category is
  reset; 400 PEER_ID_INVALID;
- /method/channels.leaveChannel: Updates; 400 USER_CREATOR (the channel's creator cannot
  leave it), USER_NOT_PARTICIPANT; the channel left is then listed by
  /method/channels.getLeftChannels (in a takeout).
"""

from __future__ import annotations

from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.sandbox.layered import read_in_every_layer
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.account_data import ABOUT
from tgtui.sandbox.world import SELF_USERNAME, Chat, Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world with stories (made from Saved Messages' photos and videos)."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=80, messages=300))


def _first(sandbox: SandboxServer, kind: Kind) -> Chat:
    world = sandbox.world
    return next(world.chat(i) for i in range(len(world)) if world.chat(i).kind is kind)


async def test_the_names_and_bio_change_where_the_account_is_shown(
    client: TelegramClient,
) -> None:
    me = await client.get_me()
    full = await client(functions.users.GetFullUserRequest(types.InputUserSelf()))
    assert (me.first_name, full.full_user.about) == ("Demo", ABOUT)
    changed = await client(
        functions.account.UpdateProfileRequest(first_name="Ana", last_name="", about="Moved.")
    )
    assert isinstance(changed, types.User)
    assert changed.is_self
    assert (changed.id, changed.first_name, changed.last_name) == (me.id, "Ana", None)
    again = await client.get_me()
    assert (again.first_name, again.last_name, again.phone) == ("Ana", None, me.phone)
    full = await client(functions.users.GetFullUserRequest(types.InputUserSelf()))
    assert full.full_user.about == "Moved."
    assert full.users[0].first_name == "Ana"
    # Only what is given changes.
    await client(functions.account.UpdateProfileRequest(last_name="Lima"))
    named = await client.get_me()
    assert (named.first_name, named.last_name) == ("Ana", "Lima")
    kept = await client(functions.users.GetFullUserRequest(types.InputUserSelf()))
    assert kept.full_user.about == "Moved."
    with pytest.raises(errors.FirstNameInvalidError):
        await client(functions.account.UpdateProfileRequest(first_name="  "))
    with pytest.raises(errors.AboutTooLongError):
        await client(functions.account.UpdateProfileRequest(about="x" * 71))
    assert (await client.get_me()).first_name == "Ana"
    await client(functions.account.UpdateProfileRequest(about=""))
    cleared = await client(functions.users.GetFullUserRequest(types.InputUserSelf()))
    assert cleared.full_user.about == ""


async def test_the_username_changes_and_resolves(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    assert (await client.get_me()).username == SELF_USERNAME
    user = await client(functions.account.UpdateUsernameRequest("ana_backs_up"))
    assert user.username == "ana_backs_up"
    found = await client(functions.contacts.ResolveUsernameRequest("Ana_Backs_Up"))
    assert found.peer == types.PeerUser(user.id)
    with pytest.raises(errors.UsernameNotOccupiedError):
        await client(functions.contacts.ResolveUsernameRequest(SELF_USERNAME))
    with pytest.raises(errors.UsernameNotModifiedError):
        await client(functions.account.UpdateUsernameRequest("ana_backs_up"))
    for bad in ("ana", "9lives", "a" * 33, "ana-lima"):
        with pytest.raises(errors.UsernameInvalidError):
            await client(functions.account.UpdateUsernameRequest(bad))
    taken = sandbox.world.username(_first(sandbox, Kind.CHANNEL))
    assert taken
    with pytest.raises(errors.UsernameOccupiedError):
        await client(functions.account.UpdateUsernameRequest(taken))
    removed = await client(functions.account.UpdateUsernameRequest(""))
    assert removed.username is None
    assert (await client.get_me()).username is None


def _input(photo: types.Photo) -> types.InputPhoto:
    return types.InputPhoto(photo.id, photo.access_hash, photo.file_reference)


async def test_a_deleted_profile_photo_is_gone_and_the_next_is_current(
    client: TelegramClient,
) -> None:
    photos = await client.get_profile_photos("me")
    assert len(photos) == 2
    newest, older = photos
    assert (await client.get_me()).photo.photo_id == newest.id
    wrong = types.InputPhoto(older.id, older.access_hash + 1, older.file_reference)
    assert await client(functions.photos.DeletePhotosRequest([wrong])) == []
    deleted = await client(functions.photos.DeletePhotosRequest([_input(newest)]))
    assert deleted == [newest.id]
    assert [p.id for p in await client.get_profile_photos("me")] == [older.id]
    me = await client.get_me()
    assert me.photo.photo_id == older.id
    full = await client(functions.users.GetFullUserRequest(types.InputUserSelf()))
    assert full.full_user.profile_photo.id == older.id
    assert await client.download_profile_photo(me, file=bytes)  # the current one's file
    assert await client(functions.photos.DeletePhotosRequest([_input(newest)])) == []
    assert await client(functions.photos.DeletePhotosRequest([_input(older)])) == [older.id]
    assert await client.get_profile_photos("me") == []
    assert isinstance((await client.get_me()).photo, types.UserProfilePhotoEmpty | type(None))


async def test_a_deleted_story_leaves_the_archive(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    me = types.InputPeerSelf()
    archive = await client(
        functions.stories.GetStoriesArchiveRequest(peer=me, offset_id=0, limit=100)
    )
    ids = [s.id for s in archive.stories]
    assert len(ids) >= 2
    deleted = await client(functions.stories.DeleteStoriesRequest(me, [ids[1], 9_999]))
    assert deleted == [ids[1]]
    after = await client(
        functions.stories.GetStoriesArchiveRequest(peer=me, offset_id=0, limit=100)
    )
    assert [s.id for s in after.stories] == [ids[0], *ids[2:]]
    assert after.count == archive.count - 1
    by_id = await client(functions.stories.GetStoriesByIDRequest(me, [ids[1]]))
    assert by_id.stories == [types.StoryItemDeleted(ids[1])]
    with pytest.raises(errors.BadRequestError) as empty:
        await client(functions.stories.DeleteStoriesRequest(me, []))
    assert empty.value.message == "STORY_ID_EMPTY"
    other = await client.get_input_entity(_first(sandbox, Kind.USER).marked_id)
    with pytest.raises(errors.PeerIdInvalidError):
        await client(functions.stories.DeleteStoriesRequest(other, [ids[0]]))


def _people(answer: Any) -> list[int]:
    return [p.peer.user_id for p in answer.categories[0].peers]


async def test_a_reset_rating_takes_a_peer_out_of_its_category(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    def ask() -> functions.contacts.GetTopPeersRequest:
        return functions.contacts.GetTopPeersRequest(
            offset=0, limit=100, hash=0, correspondents=True
        )

    before = _people(await client(ask()))
    assert len(before) >= 3
    peer = await client.get_input_entity(before[0])
    category = types.TopPeerCategoryCorrespondents()
    assert await client(functions.contacts.ResetTopPeerRatingRequest(category, peer))
    after = _people(await client(ask()))
    assert before[0] not in after
    assert after[: len(before) - 1] == before[1:]
    assert len(after) == len(before)  # the next one moved up
    stranger = types.InputPeerUser(before[1], 1)
    with pytest.raises(errors.PeerIdInvalidError):
        await client(functions.contacts.ResetTopPeerRatingRequest(category, stranger))


async def test_a_channel_left_leaves_the_dialogs_for_the_channels_left(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    channel = _first(sandbox, Kind.CHANNEL)
    before = await client.get_dialogs(limit=None)
    assert channel.bare_id in [d.entity.id for d in before]
    entity = await client.get_input_entity(channel.marked_id)
    updates = await client(functions.channels.LeaveChannelRequest(entity))
    assert isinstance(updates, types.Updates)
    assert updates.updates == [types.UpdateChannel(channel.bare_id)]
    (left,) = updates.chats
    assert isinstance(left, types.Channel)
    assert (left.id, left.left) == (channel.bare_id, True)
    after = await client.get_dialogs(limit=None)
    assert [d.id for d in after] == [d.id for d in before if d.entity.id != channel.bare_id]
    page = await client.get_dialogs(limit=5)
    assert page.total == len(before) - 1
    async with client.takeout(channels=True, megagroups=True) as takeout:
        listed = await takeout(functions.channels.GetLeftChannelsRequest(offset=0))
    assert listed.chats[0].id == channel.bare_id
    assert listed.chats[0].left
    with pytest.raises(errors.UserNotParticipantError):
        await client(functions.channels.LeaveChannelRequest(entity))
    made = await client.get_input_entity(_first(sandbox, Kind.SUPERGROUP).marked_id)
    with pytest.raises(errors.UserCreatorError):
        await client(functions.channels.LeaveChannelRequest(made))


async def test_every_layer_served_has_these_answers(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """The answers that are objects, built in the sandbox's layer, are written in every
    older layer it serves with the same constructors and read back."""
    channel = await client.get_input_entity(_first(sandbox, Kind.CHANNEL).marked_id)
    answers = {
        "account.updateProfile": await client(
            functions.account.UpdateProfileRequest(about="Elsewhere.")
        ),
        "account.updateUsername": await client(
            functions.account.UpdateUsernameRequest("ana_backs_up")
        ),
        "channels.leaveChannel": await client(functions.channels.LeaveChannelRequest(channel)),
    }
    for method, answer in answers.items():
        for layer, read in read_in_every_layer(answer, method):
            name = read.name.rsplit(".", 1)[-1]
            assert name.lower() == type(answer).__name__.lower(), (layer, method)
