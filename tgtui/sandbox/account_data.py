"""The account's own data besides its chats: its bio, contacts, frequent contacts (top peers),
other devices and websites signed in, channels it left, and its stories.

Drawn from the world's seed (made when first asked for), then changeable while the sandbox
runs, so a test can check what a second backup keeps: `update_profile` and `set_username`
(account.updateProfile, account.updateUsername), `delete_photos` (photos.deletePhotos),
`add_contact` / `remove_contact`, `end_session` (account.resetAuthorization too),
`end_web_session`, `set_top_peers` and `reset_top_peer` (contacts.toggleTopPeers,
contacts.resetTopPeerRating), `leave_channel` and `leave` (a dialog's channel:
channels.leaveChannel), `add_story` / `delete_story` (stories.deleteStories).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.avatars import Owner
from tgtui.sandbox.rng import mix, positive63, tag
from tgtui.sandbox.world import HISTORY_SPAN, SELF_ID, Chat, Kind, World, ts
from tgtui.sandbox.world_types import LEFT_CHANNEL_BASE

if TYPE_CHECKING:
    from tgtui.sandbox.history import History

ABOUT = "Backing up every chat, one message at a time."
WEB_SESSIONS = 2
LEFT_CHANNELS = 6
STORIES = 4
STORY_LIFETIME = 86_400  # a story is shown for a day, then only in its owner's archive
TOP_PER_CATEGORY = 10
# (device model, platform, system version, api id, app name, app version, country, region):
# what Telegram's official apps report (api ids of the official apps).
DEVICES = (
    ("Pixel 8", "Android", "SDK 34", 6, "Telegram Android", "11.2.3 (5335)", "Portugal", "Lisbon"),
    ("iPhone 15", "iOS", "17.4.1", 10840, "Telegram iOS", "10.9.2 (27994)", "Brazil", "Sao Paulo"),
    ("Desktop", "Windows", "Windows 11", 2040, "Telegram Desktop", "5.1.7 x64", "Spain", "Madrid"),
    ("MacBook Pro", "macOS", "14.4", 2834, "Telegram macOS", "10.9 (264226)", "France", "Paris"),
    ("Chrome 123", "Web", "Linux", 2496, "Telegram Web K", "2.0.0 K", "Germany", "Berlin"),
)


@dataclass(frozen=True)
class Contact:
    """A contact: a user of the world and when it was saved."""

    user_id: int
    chat_index: int
    mutual: bool
    added: int  # Unix time


@dataclass(frozen=True)
class Story:
    """One of the account's stories: when posted, its media, whether pinned to its profile."""

    id: int
    date: int
    media: Any  # MessageMediaPhoto or MessageMediaDocument (a video)
    caption: str
    pinned: bool


@dataclass
class AccountData:
    """The account's data (see the module's doc). Every field may be changed by tests."""

    world: World
    history: History
    top_peers_enabled: bool = True
    # Frequent contacts listed in each category (more than a page of contacts.getTopPeers:
    # paged), and a factor on their ratings (Telegram recomputes them as chats are used).
    top_per_category: int = TOP_PER_CATEGORY
    top_rating_scale: float = 1.0
    _contacts: dict[int, Contact] | None = None
    _devices: list[types.Authorization] | None = None
    _web: list[types.WebAuthorization] | None = None
    _left: list[types.Channel] | None = None
    _stories: list[Story] | None = None
    _about: str | None = None  # the bio as changed (None: as generated)
    ended: set[int] = field(default_factory=set)  # hashes of generated sessions ended
    # Frequent contacts whose rating was reset, by category: (category, bare id).
    top_reset: set[tuple[str, int]] = field(default_factory=set)

    @property
    def about(self) -> str:
        """The account's bio (users.getFullUser of itself)."""
        if self._about is not None:
            return self._about
        return names.hostile(3) if self.world.options.hostile else ABOUT

    # -- profile -----------------------------------------------------------------------------

    def update_profile(
        self,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
    ) -> types.User:
        """Change the account's names and bio (those given; "" clears a last name or the
        bio); the account's user as it is now."""
        world = self.world
        if first_name is not None:
            world.own_first_name = first_name
        if last_name is not None:
            world.own_last_name = last_name
        if about is not None:
            self._about = about
        return world.me()

    def set_username(self, username: str) -> types.User:
        """Change the account's username ("" removes it); its user as it is now."""
        self.world.own_username = username
        return self.world.me()

    def delete_photos(self, photo_ids: list[int]) -> list[int]:
        """Delete profile photos of the account (the newest left is its current one); the
        ids of those deleted, in the order asked (others, and ones gone, passed over)."""
        own = set(self.world.photo_ids(Owner.USER, SELF_ID))
        gone = [photo_id for photo_id in dict.fromkeys(photo_ids) if photo_id in own]
        self.world.deleted_avatars.update(gone)
        return gone

    # -- contacts ----------------------------------------------------------------------------

    def contacts(self) -> list[Contact]:
        """The account's contacts now, by user id."""
        if self._contacts is None:
            self._contacts = {}
            world = self.world
            for index in range(len(world)):
                if Kind(world.kinds[index]) is not Kind.USER:
                    continue
                chat = world.chat(index)
                if not world.is_saved(chat) and world.dialog_user(chat).contact:
                    self._contacts[chat.bare_id] = self._contact(chat)
        return [self._contacts[user_id] for user_id in sorted(self._contacts)]

    def _contact(self, chat: Chat) -> Contact:
        rng = random.Random(mix(self.world.options.seed, tag("contact"), chat.index))
        created = chat.top_date - HISTORY_SPAN
        return Contact(
            chat.bare_id, chat.index, rng.random() < 0.7, created - rng.randint(0, 400) * 86_400
        )

    def add_contact(self, chat: Chat, when: int) -> Contact:
        """Save a private dialog's user as a contact (its phone shown from now on)."""
        self.contacts()
        assert self._contacts is not None
        contact = replace(self._contact(chat), added=when)
        self._contacts[chat.bare_id] = contact
        self.world.contact_overrides[chat.bare_id] = True
        return contact

    def remove_contact(self, user_id: int) -> bool:
        """Delete a contact (its phone hidden from now on); whether it was one."""
        self.contacts()
        assert self._contacts is not None
        self.world.contact_overrides[user_id] = False
        return self._contacts.pop(user_id, None) is not None

    # -- top peers ---------------------------------------------------------------------------

    def top_peers(self) -> dict[str, list[tuple[Chat, float]]]:
        """Frequent contacts by category (contacts.getTopPeers): the most active dialogs of
        each kind, with ratings that fall with each one's place."""
        world = self.world
        kinds = {
            "correspondents": (Kind.USER,),
            "bots_pm": (Kind.BOT,),
            "groups": (Kind.GROUP, Kind.SUPERGROUP),
            "channels": (Kind.CHANNEL,),
        }
        found: dict[str, list[tuple[Chat, float]]] = {name: [] for name in kinds}
        for index in range(len(world)):
            chat = world.chat(index)
            if world.is_saved(chat) or world.is_deleted(chat) or index in world.left:
                continue
            for name, wanted in kinds.items():
                places = found[name]
                reset = (name, chat.bare_id) in self.top_reset
                if chat.kind in wanted and len(places) < self.top_per_category and not reset:
                    share = 0.95 + 0.05 * random.Random(mix(index, tag("rating"))).random()
                    rating = share * 40 / (1 + len(places)) * self.top_rating_scale
                    places.append((chat, round(rating, 6)))
            if all(len(places) >= self.top_per_category for places in found.values()):
                break
        return found

    def set_top_peers(self, enabled: bool) -> None:
        """Turn frequent contacts on or off (contacts.toggleTopPeers)."""
        self.top_peers_enabled = enabled

    def reset_top_peer(self, category: str, chat: Chat) -> bool:
        """Reset a peer's rating in a category (contacts.getTopPeers' flag name): it is no
        longer among that category's frequent contacts, and the next one takes its place;
        whether it was among them."""
        was = any(c.bare_id == chat.bare_id for c, _rating in self.top_peers().get(category, []))
        self.top_reset.add((category, chat.bare_id))
        return was

    # -- sessions ----------------------------------------------------------------------------

    def devices(self) -> list[types.Authorization]:
        """The other devices signed in (WorldOptions.devices) and not ended since."""
        if self._devices is None:
            seed = self.world.options.seed
            epoch = self.world.options.epoch
            self._devices = []
            for n in range(self.world.options.devices):
                model, platform, system, api_id, app, version, country, region = DEVICES[
                    n % len(DEVICES)
                ]
                self._devices.append(
                    types.Authorization(
                        hash=positive63(seed, tag("device"), n),
                        device_model=model,
                        platform=platform,
                        system_version=system,
                        api_id=api_id,
                        app_name=app,
                        app_version=version,
                        date_created=ts(epoch - (400 - 60 * n) * 86_400),
                        date_active=ts(epoch - (n + 1) * 3_600),
                        ip=f"203.0.113.{10 + n}",  # TEST-NET-3: no one's address
                        country=country,
                        region=region,
                        official_app=True,
                    )
                )
        return [d for d in self._devices if d.hash not in self.ended]

    def end_session(self, session_hash: int) -> bool:
        """End a generated device's session; whether there was one."""
        if any(d.hash == session_hash for d in self.devices()):
            self.ended.add(session_hash)
            return True
        return False

    def web_sessions(self) -> list[types.WebAuthorization]:
        """Websites logged in with Telegram (each through one of the world's bots)."""
        if self._web is None:
            world = self.world
            seed = world.options.seed
            bots = [world.chat(i) for i in range(len(world)) if world.kinds[i] == Kind.BOT]
            self._web = [
                types.WebAuthorization(
                    hash=positive63(seed, tag("web"), n),
                    bot_id=bot.bare_id,
                    domain=f"shop{n}.example.org",
                    browser=("Firefox 124", "Chrome 123")[n % 2],
                    platform=("Linux", "Windows")[n % 2],
                    date_created=ts(world.options.epoch - (90 + 30 * n) * 86_400),
                    date_active=ts(world.options.epoch - (2 + n) * 86_400),
                    ip=f"198.51.100.{20 + n}",  # TEST-NET-2
                    region=("Lisbon", "Porto")[n % 2],
                )
                for n, bot in enumerate(bots[:WEB_SESSIONS])
            ]
        return list(self._web)

    def end_web_session(self, session_hash: int) -> bool:
        """Log out of a website; whether it was logged in."""
        before = len(self.web_sessions())
        self._web = [w for w in self.web_sessions() if w.hash != session_hash]
        return len(self._web) < before

    # -- channels left -----------------------------------------------------------------------

    def left_channels(self) -> list[types.Channel]:
        """Channels and supergroups the account joined and left, newest first."""
        if self._left is None:
            self._left = []
            for _ in range(LEFT_CHANNELS):
                self.leave_channel()
        return list(self._left)

    def leave_channel(self) -> types.Channel:
        """The account leaves one more channel (a new one, listed first)."""
        if self._left is None:
            self._left = []
        n = len(self._left)
        seed = self.world.options.seed
        rng = random.Random(mix(seed, tag("left"), n))
        broadcast = n % 2 == 0
        title = names.channel_title(rng) if broadcast else names.group_title(rng)
        channel = types.Channel(
            id=LEFT_CHANNEL_BASE + n,
            title=names.hostile(n) if self.world.options.hostile else title,
            photo=types.ChatPhotoEmpty(),
            date=ts(self.world.options.epoch - (700 - 50 * n) * 86_400),
            access_hash=positive63(seed, tag("left-hash"), n),
            left=True,
            broadcast=broadcast or None,
            megagroup=(not broadcast) or None,
            username=f"sandbox_left{n}" if broadcast else None,
            participants_count=rng.randint(20, 20_000),
        )
        self._left.insert(0, channel)
        return channel

    def leave(self, chat: Chat) -> types.Channel:
        """The account leaves one of its dialogs' channels: gone from its dialogs and
        frequent contacts, listed first among the channels left, marked ``left``."""
        self.left_channels()
        assert self._left is not None
        self.world.left.add(chat.index)
        channel = self.world.entity(chat)
        assert isinstance(channel, types.Channel)
        self._left.insert(0, channel)
        return channel

    # -- stories -----------------------------------------------------------------------------

    def stories(self) -> list[Story]:
        """The account's stories, newest first: photos and videos it kept in Saved Messages,
        all long expired (so in its archive), the older half pinned to its profile."""
        if self._stories is None:
            self._stories = []
            for media in self._story_media()[:STORIES]:
                self.add_story(media)
            half = len(self._stories) // 2
            self._stories = [replace(s, pinned=n >= half) for n, s in enumerate(self._stories)]
        return list(self._stories)

    def _story_media(self) -> list[Any]:
        saved = self.world.saved()
        if saved is None or not self.world.options.media:
            return []
        found: list[Any] = []
        for k in range(1, saved.count + 1):
            media = getattr(self.history.message(saved, k), "media", None)
            video = isinstance(media, types.MessageMediaDocument) and media.video
            if isinstance(media, types.MessageMediaPhoto) or video:
                found.append(media)
        return found

    def add_story(self, media: Any, pinned: bool = False) -> Story:
        """Post a story (listed first, after the generated ones); ids count up from 1."""
        if self._stories is None:
            self.stories()  # the world's own stories first
        assert self._stories is not None
        ident = max((s.id for s in self._stories), default=0) + 1
        rng = random.Random(mix(self.world.options.seed, tag("story"), ident))
        date = self.world.options.epoch - (60 - 7 * ident) * 86_400
        caption = names.sentence(rng, 2, 8)
        if self.world.options.hostile:
            caption = names.hostile(ident)
        story = Story(ident, date, media, caption, pinned)
        self._stories.insert(0, story)
        return story

    def delete_story(self, story_id: int) -> bool:
        """Delete a story; whether there was one."""
        before = len(self.stories())
        self._stories = [s for s in self.stories() if s.id != story_id]
        return len(self._stories) < before

    def story(self, story_id: int) -> Story | None:
        """The story with this id (None: there is none, or it was deleted)."""
        return next((s for s in self.stories() if s.id == story_id), None)

    def story_media(self, story: Story) -> Any:
        """A story's media as an answer hands it out: its photo or document with a file
        reference of now, as every answer naming a file carries a current one
        (core.telegram.org/api/file_reference), so a reference that expired is renewed by
        asking for the story again (stories.getStoriesByID)."""
        media = copy.copy(story.media)
        for name in ("photo", "document"):
            file = getattr(media, name, None)
            if isinstance(file, types.Photo | types.Document):
                file = copy.copy(file)
                file.file_reference = self.history.file_reference()
                setattr(media, name, file)
        return media

    def story_item(self, story: Story) -> types.StoryItem:
        """A story as stories.stories gives it (core.telegram.org/constructor/storyItem)."""
        return types.StoryItem(
            id=story.id,
            date=ts(story.date),
            expire_date=ts(story.date + STORY_LIFETIME),
            media=self.story_media(story),
            pinned=story.pinned or None,
            public=True,
            out=True,
            caption=story.caption,
            entities=[],
            privacy=[types.PrivacyValueAllowAll()],
        )
