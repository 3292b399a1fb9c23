"""The account's own data against Telegram's documentation, with plain Telethon calls: its
bio, contacts, frequent contacts, sessions, websites, channels left and stories, and each of
them changing between two looks (what a backup's versions will be tested on).

References (core.telegram.org):
- /constructor/userFull: ``about``, ``profile_photo``, ``stories_pinned_available``;
- /method/contacts.getContacts: contacts.contacts, or contacts.contactsNotModified for the
  ``hash`` of the list (/api/offsets#hash-generation); /method/contacts.getSaved: the phone
  book's contacts with the date each was added, 403 TAKEOUT_REQUIRED outside a takeout;
- /method/contacts.getTopPeers: the categories asked for (topPeerCategoryPeers: ``count``,
  ``peers`` with ``rating``), contacts.topPeersDisabled once contacts.toggleTopPeers turned
  them off, contacts.topPeersNotModified for a ``hash`` that still matches;
- /method/account.getAuthorizations: every session, the current one with hash 0;
  /method/account.resetAuthorization ends another by its hash (HASH_INVALID otherwise);
  /method/account.getWebAuthorizations: websites and the bots they log in through;
- /method/channels.getLeftChannels: channels the account left, from ``offset``, 400
  TAKEOUT_REQUIRED outside a takeout;
- /method/stories.getPinnedStories and /method/stories.getStoriesArchive: stories.stories
  with ``count``, storyItem with its media, paged by ``offset_id``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.sandbox.layered import read_in_every_layer
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.account_data import ABOUT
from tgtui.sandbox.methods.common import numbers_hash
from tgtui.sandbox.world import Kind

DEVICES = 3


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A world with other devices signed in."""
    return SandboxOptions(world=WorldOptions(seed=9, dialogs=80, messages=300, devices=DEVICES))


def _top_peers(**kwargs: Any) -> functions.contacts.GetTopPeersRequest:
    kwargs.setdefault("offset", 0)
    kwargs.setdefault("limit", 20)
    kwargs.setdefault("hash", 0)
    return functions.contacts.GetTopPeersRequest(**kwargs)


async def test_the_accounts_full_user_has_its_bio_and_photo(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    full = await client(functions.users.GetFullUserRequest(types.InputUserSelf()))
    me = await client.get_me()
    assert full.full_user.about == ABOUT
    assert full.full_user.profile_photo.id == me.photo.photo_id
    assert full.full_user.stories_pinned_available
    photos = await client.get_profile_photos("me")
    assert len(photos) >= 2
    assert [p.date for p in photos] == sorted((p.date for p in photos), reverse=True)


async def test_contacts_are_listed_with_a_hash_and_change(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    answer = await client(functions.contacts.GetContactsRequest(hash=0))
    assert isinstance(answer, types.contacts.Contacts)
    ids = [c.user_id for c in answer.contacts]
    assert len(ids) >= 10
    users = {u.id: u for u in answer.users}
    assert set(users) == set(ids)
    assert all(users[i].contact and users[i].phone for i in ids)
    digest = numbers_hash(sorted(ids))
    same = await client(functions.contacts.GetContactsRequest(hash=digest))
    assert isinstance(same, types.contacts.ContactsNotModified)
    # One contact removed and another user added: the list, the users and the hash change.
    gone = ids[0]
    world = sandbox.world
    stranger = next(
        world.chat(i)
        for i in range(len(world))
        if world.chat(i).kind is Kind.USER
        and world.chat(i).bare_id not in ids
        and not world.is_saved(world.chat(i))
        and not world.is_deleted(world.chat(i))
    )
    assert sandbox.account.remove_contact(gone)
    sandbox.account.add_contact(stranger, int(time.time()))
    changed = await client(functions.contacts.GetContactsRequest(hash=digest))
    assert isinstance(changed, types.contacts.Contacts)
    now = [c.user_id for c in changed.contacts]
    assert gone not in now
    assert stranger.bare_id in now
    assert len(now) == len(ids)
    added = next(u for u in changed.users if u.id == stranger.bare_id)
    assert added.contact
    assert added.phone
    [former] = await client(functions.users.GetUsersRequest([await client.get_input_entity(gone)]))
    assert not former.contact
    assert not former.phone


async def test_saved_contacts_have_dates_and_need_a_takeout(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    with pytest.raises(errors.TakeoutRequiredError):
        await client(functions.contacts.GetSavedRequest())
    contacts = await client(functions.contacts.GetContactsRequest(hash=0))
    async with client.takeout(contacts=True) as takeout:
        saved = await takeout(functions.contacts.GetSavedRequest())
    assert len(saved) == len(contacts.contacts)
    phones = {u.phone for u in contacts.users}
    for contact in saved:
        assert isinstance(contact, types.SavedPhoneContact)
        assert contact.phone in phones
        assert contact.first_name
        assert contact.date.timestamp() < time.time()


async def test_top_peers_by_category_with_ratings_and_their_switch(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    answer = await client(_top_peers(correspondents=True, groups=True, channels=True))
    assert isinstance(answer, types.contacts.TopPeers)
    kinds = [type(c.category) for c in answer.categories]
    assert kinds == [
        types.TopPeerCategoryCorrespondents,
        types.TopPeerCategoryGroups,
        types.TopPeerCategoryChannels,
    ]
    for category in answer.categories:
        ratings = [p.rating for p in category.peers]
        assert ratings == sorted(ratings, reverse=True)
        assert category.count >= len(category.peers) > 0
    users = {u.id for u in answer.users}
    chats = {c.id for c in answer.chats}
    for peer in answer.categories[0].peers:
        assert peer.peer.user_id in users
    for peer in answer.categories[1].peers + answer.categories[2].peers:
        assert getattr(peer.peer, "chat_id", None) in chats or peer.peer.channel_id in chats
    second = await client(_top_peers(correspondents=True, offset=2, limit=3))
    assert [p.peer for p in second.categories[0].peers] == [
        p.peer for p in answer.categories[0].peers[2:5]
    ]
    shown = [
        getattr(p.peer, "user_id", None) or getattr(p.peer, "chat_id", None) or p.peer.channel_id
        for c in answer.categories
        for p in c.peers
    ]
    again = await client(
        _top_peers(correspondents=True, groups=True, channels=True, hash=numbers_hash(shown))
    )
    assert isinstance(again, types.contacts.TopPeersNotModified)
    assert await client(functions.contacts.ToggleTopPeersRequest(enabled=False))
    off = await client(_top_peers(correspondents=True))
    assert isinstance(off, types.contacts.TopPeersDisabled)
    await client(functions.contacts.ToggleTopPeersRequest(enabled=True))
    assert isinstance(await client(_top_peers(correspondents=True)), types.contacts.TopPeers)


async def test_sessions_list_the_current_one_first_and_others_end(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    answer = await client(functions.account.GetAuthorizationsRequest())
    current, *others = answer.authorizations
    assert current.current
    assert current.hash == 0
    assert len(others) == DEVICES
    for other in others:
        assert not other.current
        assert other.hash
        assert other.official_app
        for field in ("device_model", "platform", "app_name", "app_version", "ip", "country"):
            assert getattr(other, field), field
        assert other.region
        assert other.date_created < other.date_active
    assert len({o.hash for o in others}) == DEVICES
    assert await client(functions.account.ResetAuthorizationRequest(hash=others[0].hash))
    assert sandbox.account.end_session(others[1].hash)  # the test hook: ended elsewhere
    left = (await client(functions.account.GetAuthorizationsRequest())).authorizations
    assert [a.hash for a in left] == [0, others[2].hash]
    with pytest.raises(errors.HashInvalidError):
        await client(functions.account.ResetAuthorizationRequest(hash=others[0].hash))


async def test_web_sessions_name_their_bots_and_end(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    answer = await client(functions.account.GetWebAuthorizationsRequest())
    assert len(answer.authorizations) >= 2
    bots = {u.id: u for u in answer.users}
    for web in answer.authorizations:
        assert bots[web.bot_id].bot
        for field in ("domain", "browser", "platform", "ip", "region"):
            assert getattr(web, field), field
    first = answer.authorizations[0]
    assert await client(functions.account.ResetWebAuthorizationRequest(hash=first.hash))
    after = await client(functions.account.GetWebAuthorizationsRequest())
    assert first.hash not in [w.hash for w in after.authorizations]


async def test_left_channels_page_by_offset_in_a_takeout(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    with pytest.raises(errors.TakeoutRequiredError):
        await client(functions.channels.GetLeftChannelsRequest(offset=0))
    async with client.takeout(channels=True, megagroups=True) as takeout:
        whole = await takeout(functions.channels.GetLeftChannelsRequest(offset=0))
        assert isinstance(whole, types.messages.Chats)
        assert len(whole.chats) >= 4
        assert all(isinstance(c, types.Channel) and c.left for c in whole.chats)
        assert {bool(c.broadcast) for c in whole.chats} == {True, False}
        rest = await takeout(functions.channels.GetLeftChannelsRequest(offset=2))
        assert isinstance(rest, types.messages.ChatsSlice)
        assert rest.count == len(whole.chats)
        assert [c.id for c in rest.chats] == [c.id for c in whole.chats[2:]]
        newly = sandbox.account.leave_channel()
        again = await takeout(functions.channels.GetLeftChannelsRequest(offset=0))
        assert [c.id for c in again.chats] == [newly.id] + [c.id for c in whole.chats]


async def test_the_accounts_stories_pinned_and_archived_with_their_media(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    me = types.InputPeerSelf()
    archive = await client(
        functions.stories.GetStoriesArchiveRequest(peer=me, offset_id=0, limit=100)
    )
    pinned = await client(
        functions.stories.GetPinnedStoriesRequest(peer=me, offset_id=0, limit=100)
    )
    assert archive.count == len(archive.stories) >= 2
    assert 0 < pinned.count == len(pinned.stories) < archive.count
    assert {s.id for s in pinned.stories} <= {s.id for s in archive.stories}
    assert all(s.pinned for s in pinned.stories)
    ids = [s.id for s in archive.stories]
    assert ids == sorted(ids, reverse=True)
    for story in archive.stories:
        assert story.expire_date > story.date
        assert isinstance(story.media, types.MessageMediaPhoto | types.MessageMediaDocument)
    data = await client.download_media(archive.stories[0].media, file=bytes)
    assert data
    older = await client(
        functions.stories.GetStoriesArchiveRequest(peer=me, offset_id=ids[1], limit=100)
    )
    assert [s.id for s in older.stories] == ids[2:]
    assert older.count == archive.count
    assert sandbox.account.delete_story(ids[0])
    after = await client(
        functions.stories.GetStoriesArchiveRequest(peer=me, offset_id=0, limit=100)
    )
    assert [s.id for s in after.stories] == ids[1:]
    users = [d async for d in client.iter_dialogs() if d.is_user and not d.entity.is_self]
    other = users[0]
    theirs = await client(
        functions.stories.GetPinnedStoriesRequest(peer=other.input_entity, offset_id=0, limit=10)
    )
    assert theirs.count == 0


async def test_every_layer_served_has_these_answers(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Each answer, built in the sandbox's layer, is written in every older layer it serves
    with the same constructors (none falls back to a stand-in) and read back."""
    me = types.InputPeerSelf()
    answers = {
        "contacts.getContacts": await client(functions.contacts.GetContactsRequest(hash=0)),
        "contacts.getTopPeers": await client(_top_peers(correspondents=True, groups=True)),
        "account.getAuthorizations": await client(functions.account.GetAuthorizationsRequest()),
        "account.getWebAuthorizations": await client(
            functions.account.GetWebAuthorizationsRequest()
        ),
        "stories.getStoriesArchive": await client(
            functions.stories.GetStoriesArchiveRequest(peer=me, offset_id=0, limit=10)
        ),
        "users.getFullUser": await client(
            functions.users.GetFullUserRequest(types.InputUserSelf())
        ),
    }
    for method, answer in answers.items():
        for layer, read in read_in_every_layer(answer, method):
            name = read.name.rsplit(".", 1)[-1]
            assert name.lower() == type(answer).__name__.lower(), (layer, method)
            for key in ("contacts", "categories", "authorizations", "stories"):
                if key in read.fields:
                    assert len(read.fields[key]) == len(getattr(answer, key)), (layer, method)
