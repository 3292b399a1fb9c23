"""The generated world: the demo account, its dialogs and the people and groups in them.

`World` is a `DialogLayout` (which dialogs there are, and where: `tgtui.sandbox.dialog_layout`)
with the Telegram objects a client is shown: users, bots, groups and channels with their
names, photos, members and signatures. The names of `tgtui.sandbox.world_types` (options,
kinds, the demo account's values) are importable from here too.
"""

from __future__ import annotations

import random
from datetime import datetime

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.avatars import AvatarId, Avatars, Owner, avatar_id, decode_avatar_id
from tgtui.sandbox.dialog_layout import DialogLayout
from tgtui.sandbox.forums import Forum, forum_indices
from tgtui.sandbox.rng import mix, positive63, tag, unit
from tgtui.sandbox.world_types import (
    CREATOR_RIGHTS,
    DC_COUNT,
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_PASSWORD_HINT,
    DEMO_PHONE,
    FIXED_AVATARS,
    HISTORY_SPAN,
    HOME_DC,
    MEMBER_POOL,
    MEMBER_USER_BASE,
    SELF_ID,
    SELF_USERNAME,
    SERVICE_USER_ID,
    Chat,
    Kind,
    WorldOptions,
    owner_of,
    phone_digits,
    ts,
)

__all__ = [  # World, and the names of world_types other modules import from here
    "CREATOR_RIGHTS",
    "DC_COUNT",
    "DEMO_CODE",
    "DEMO_PASSWORD",
    "DEMO_PASSWORD_HINT",
    "DEMO_PHONE",
    "HISTORY_SPAN",
    "HOME_DC",
    "SELF_ID",
    "SELF_USERNAME",
    "Chat",
    "Kind",
    "World",
    "WorldOptions",
    "owner_of",
    "phone_digits",
    "ts",
]


class World(DialogLayout):
    """Deterministic world for one seed. Cheap to query; generates what is asked for."""

    def __init__(self, options: WorldOptions) -> None:
        super().__init__(options)
        self._members: dict[int, list[int]] = {}  # by chat index, made once (per message)
        self.avatars = Avatars(options.seed, options.media_dc, options.epoch)
        # Contacts added (True) or removed (False) at run time, by user id (`AccountData`).
        self.contact_overrides: dict[int, bool] = {}
        # The account's names as changed at run time (account.updateProfile,
        # account.updateUsername), the profile photos it deleted (photos.deletePhotos) and
        # the channels it left (channels.leaveChannel, by dialog index): `AccountData`.
        self.own_first_name = "Demo"
        self.own_last_name = "User"
        self.own_username = SELF_USERNAME
        self.deleted_avatars: set[int] = set()
        self.left: set[int] = set()
        self._forums: dict[int, Forum] = {}  # by chat index, made when first asked for
        self.forum_indexes: tuple[int, ...] = tuple(forum_indices(self))

    def forum(self, chat: Chat) -> Forum | None:
        """The forum ``chat`` is (its topics, each message's topic), or None: not a forum."""
        if chat.index not in self.forum_indexes:
            return None
        forum = self._forums.get(chat.index)
        if forum is None:
            forum = self._forums[chat.index] = Forum(
                chat,
                self.forum_indexes.index(chat.index),
                self.options.seed,
                self.members(chat),
                self.options.hostile,
            )
        return forum

    def me(self) -> types.User:
        """The demo account itself."""
        return types.User(
            id=SELF_ID,
            is_self=True,
            access_hash=self.self_hash,
            first_name=self.own_first_name,
            last_name=self.own_last_name or None,
            username=self.own_username or None,
            phone=DEMO_PHONE,
            photo=self._profile_photo(SELF_ID),
            status=types.UserStatusRecently(),
        )

    def user(self, user_id: int) -> types.User | None:
        """Any user of the world by id: the demo account, a dialog, a group member, Telegram."""
        seed = self.options.seed
        if user_id == SELF_ID:
            return self.me()
        if user_id == SERVICE_USER_ID:
            return types.User(
                id=SERVICE_USER_ID,
                access_hash=positive63(seed, tag("service")),
                first_name="Telegram",
                verified=True,
                support=True,
                phone="42777",
                photo=self._profile_photo(SERVICE_USER_ID),
            )
        if MEMBER_USER_BASE <= user_id < MEMBER_USER_BASE + MEMBER_POOL:
            rng = random.Random(mix(seed, tag("member"), user_id))
            first, last = names.person(rng)
            if self.options.hostile:
                first = names.hostile(user_id)
            return types.User(
                id=user_id,
                access_hash=positive63(seed, tag("member-hash"), user_id),
                first_name=first,
                last_name=last or None,
                photo=self._profile_photo(user_id),
                status=types.UserStatusRecently(),
                min=False,
            )
        chat = self.find("user", user_id)
        return self.dialog_user(chat) if chat else None

    def dialog_user(self, chat: Chat) -> types.User:
        """The user (or bot) behind a private dialog, with the world's awkward cases."""
        if self.is_saved(chat):
            return self.me()
        rng = random.Random(mix(self.options.seed, tag("user"), chat.index))
        if chat.kind is Kind.BOT:
            return types.User(
                id=chat.bare_id,
                access_hash=chat.access_hash,
                bot=True,
                bot_info_version=1,
                first_name=names.hostile(chat.index)
                if self.options.hostile
                else names.bot_name(rng),
                username=self.username(chat),
                photo=self._profile_photo(chat.bare_id),
            )
        if self.is_deleted(chat):  # a deleted account: no name at all
            return types.User(id=chat.bare_id, access_hash=chat.access_hash, deleted=True)
        first, last = names.person(rng)
        if self.options.hostile:
            first = names.hostile(chat.index)
        elif chat.index % 89 == 17:  # a very long name
            first = first + " " + " ".join(names.LAST) * 2
        contact = self.contact_overrides.get(chat.bare_id, rng.random() < 0.6)
        return types.User(
            id=chat.bare_id,
            access_hash=chat.access_hash,
            first_name=first,
            last_name=last or None,
            username=self.username(chat),
            contact=contact,
            phone=self.phone(chat) if contact else None,  # a contact's number is known
            photo=self._profile_photo(chat.bare_id),
            status=types.UserStatusRecently(),
        )

    def entity(self, chat: Chat) -> types.TypeUser | types.TypeChat:
        """The chat's user, chat or channel object."""
        if chat.kind in (Kind.USER, Kind.BOT):
            return self.dialog_user(chat)
        rng = random.Random(mix(self.options.seed, tag("title"), chat.index))
        created = ts(chat.top_date - HISTORY_SPAN)
        if chat.kind is Kind.GROUP:
            title = names.group_title(rng)  # never empty: Telegram requires a title
            if self.options.hostile:
                title = names.hostile(chat.index)
            return types.Chat(
                id=chat.bare_id,
                title=title,
                photo=self._chat_photo(chat),
                participants_count=len(self.people(chat)),
                date=created,
                version=1,
            )
        broadcast = chat.kind is Kind.CHANNEL
        title = names.channel_title(rng) if broadcast else names.group_title(rng)
        return types.Channel(
            id=chat.bare_id,
            title=names.hostile(chat.index) if self.options.hostile else title,
            photo=self._chat_photo(chat),
            date=created,
            access_hash=chat.access_hash,
            broadcast=broadcast or None,
            megagroup=(not broadcast) or None,
            creator=(not broadcast) or None,  # the account made its supergroups
            admin_rights=None if broadcast else CREATOR_RIGHTS,
            signatures=self.signs(chat) or None,
            forum=chat.index in self.forum_indexes or None,
            left=chat.index in self.left or None,
            username=self.username(chat),
            participants_count=self.participants_count(chat),
        )

    def username(self, chat: Chat) -> str | None:
        """Public username, for some users, bots and channels; Saved Messages has the
        account's own, as it is now."""
        if self.is_saved(chat):
            return self.own_username or None
        return super().username(chat)

    def participants_count(self, chat: Chat) -> int:
        """How many are in a group or channel: a group's people, every one listed by
        channels.getParticipants (`people`); a broadcast channel's subscribers, whom only its
        admins may list (50 to 5,050)."""
        if chat.kind is Kind.CHANNEL:
            return 50 + int(unit(self.options.seed, tag("subs"), chat.index) * 5000)
        return len(self.people(chat))

    def avatar_count(self, owner: Owner, bare_id: int) -> int:
        """How many photos a user, group or channel of this world has (0: none, or no such
        owner). The account has two; deleted accounts none."""
        if owner is Owner.USER:
            if bare_id in FIXED_AVATARS:
                return FIXED_AVATARS[bare_id]
            if not MEMBER_USER_BASE <= bare_id < MEMBER_USER_BASE + MEMBER_POOL:
                chat = self.find("user", bare_id)
                if chat is None or self.is_deleted(chat):
                    return 0
            return self.avatars.drawn(owner, bare_id)
        chat = self.find("chat" if owner is Owner.CHAT else "channel", bare_id)
        return self.avatars.drawn(owner, bare_id) if chat is not None else 0

    def avatar(self, photo_id: int) -> AvatarId | None:
        """The owner and index of an avatar of this world (None: no such photo, or one
        deleted)."""
        decoded = decode_avatar_id(photo_id)
        if decoded is None or decoded.n >= self.avatar_count(decoded.owner, decoded.bare_id):
            return None
        return None if photo_id in self.deleted_avatars else decoded

    def photo_ids(self, owner: Owner, bare_id: int) -> list[int]:
        """The ids of an owner's photos there now, newest (the current one) first: those
        it has, but the ones deleted."""
        every = (avatar_id(owner, bare_id, n) for n in range(self.avatar_count(owner, bare_id)))
        return [photo_id for photo_id in every if photo_id not in self.deleted_avatars]

    def current_avatar(self, owner: Owner, bare_id: int) -> int | None:
        """The id of an owner's current photo (its newest not deleted), None for none."""
        return next(iter(self.photo_ids(owner, bare_id)), None)

    def _profile_photo(self, user_id: int) -> types.TypeUserProfilePhoto:
        return self.avatars.profile_photo(self.current_avatar(Owner.USER, user_id))

    def _chat_photo(self, chat: Chat) -> types.TypeChatPhoto:
        owner = owner_of(chat)
        return self.avatars.chat_photo(owner, chat.bare_id, self.avatar_count(owner, chat.bare_id))

    @staticmethod
    def phone(chat: Chat) -> str:
        """The phone number of a private dialog's user (shown only to those who have it as
        a contact). Numbers start 888, a prefix no country uses."""
        return f"888{chat.index:08d}"

    def find_phone(self, phone: str) -> Chat | None:
        """The private dialog whose user has ``phone`` and is a contact (None otherwise)."""
        digits = phone_digits(phone)
        if len(digits) != 11 or not digits.startswith("888"):
            return None
        index = int(digits[3:])
        if index >= len(self) or Kind(self.kinds[index]) is not Kind.USER:
            return None
        chat = self.chat(index)
        return chat if self.dialog_user(chat).contact else None

    def signs(self, chat: Chat) -> bool:
        """Whether a broadcast channel signs its posts (about half of them do)."""
        return chat.kind is Kind.CHANNEL and unit(self.options.seed, tag("signs"), chat.index) < 0.5

    def author(self, chat: Chat, k: int) -> str | None:
        """The signature on post ``k`` of a channel that signs: one of its three admins."""
        if not self.signs(chat):
            return None
        if self.options.hostile:  # signatures are names from Telegram too: untrusted
            return names.hostile(chat.index + k)
        pick = mix(self.options.seed, tag("author"), chat.index, k % 3)
        first, last = names.person(random.Random(pick))
        return f"{first} {last}".strip()

    def joined(self, chat: Chat, user_id: int) -> datetime:
        """When ``user_id`` joined ``chat``: between its creation and its newest message (the
        account, its creator, at creation)."""
        created = chat.top_date - HISTORY_SPAN
        if user_id == SELF_ID:
            return ts(created)
        share = unit(self.options.seed, tag("joined"), chat.index, user_id)
        return ts(created + int(share * HISTORY_SPAN * 0.9))

    def members(self, chat: Chat) -> list[int]:
        """User ids who write in a group (besides the demo account)."""
        if chat.kind not in (Kind.GROUP, Kind.SUPERGROUP):
            return []
        known = self._members.get(chat.index)
        if known is None:
            rng = random.Random(mix(self.options.seed, tag("members"), chat.index))
            size = rng.randint(2, 12)
            known = [MEMBER_USER_BASE + rng.randrange(MEMBER_POOL) for _ in range(size)]
            if len(self._members) > 10_000:  # a 100,000-dialog world stays small
                self._members.clear()
            self._members[chat.index] = known
        return list(known)

    def people(self, chat: Chat) -> list[int]:
        """A group's people: the account (its creator) first, then each member once."""
        if chat.kind not in (Kind.GROUP, Kind.SUPERGROUP):
            return []
        return [SELF_ID, *dict.fromkeys(self.members(chat))]

    def chat_photo_full(self, chat: Chat, file_reference: bytes) -> types.TypePhoto:
        """The group's or channel's current photo as a Photo (chatFull, channelFull), or
        photoEmpty when it has none: the one its Chat/Channel's ``photo`` names."""
        owner = owner_of(chat)
        if not self.avatar_count(owner, chat.bare_id):
            return types.PhotoEmpty(id=0)
        return self.avatars.photo(avatar_id(owner, chat.bare_id, 0), file_reference)

    def display_name(self, chat: Chat) -> str:
        """Name as a client shows it (for tests and logs)."""
        entity = self.entity(chat)
        if isinstance(entity, types.User):
            return " ".join(x for x in (entity.first_name, entity.last_name) if x)
        return str(entity.title)

    def notify_settings(self, chat: Chat) -> types.PeerNotifySettings:
        """Muted dialogs are muted until far in the future, as Telegram does."""
        if chat.muted:
            return types.PeerNotifySettings(mute_until=ts(2**31 - 1))
        return types.PeerNotifySettings()
