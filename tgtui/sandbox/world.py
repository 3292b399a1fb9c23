"""The generated world: the demo account, its dialogs and the people and groups in them.

Everything is derived from the seed on demand; only small per-dialog arrays are kept, so a
world of 100,000 dialogs costs a few megabytes.
"""

from __future__ import annotations

import bisect
import enum
import random
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.avatars import AvatarId, Avatars, Owner, decode_avatar_id
from tgtui.sandbox.rng import mix, positive63, tag, unit

DEMO_PHONE = "9996621234"
DEMO_CODE = "22222"
DEMO_PASSWORD = "swordfish"
DEMO_PASSWORD_HINT = "a fish, and a sword"
SELF_ID = 77_777
SELF_USERNAME = "tgtui_demo"
# Saved Messages (the account's chat with itself) is the first private dialog from this index
# on: a world's dialog like any other, never pinned or archived, its ids in the account's space.
SAVED_FROM = 5
HOME_DC = 2  # the account's DC (Telethon's default): sessions start there
DC_COUNT = 5  # Telegram's production DCs, 1 to 5: every one is the sandbox's address
# What the creator of a supergroup may do (all of it).
CREATOR_RIGHTS = types.ChatAdminRights(
    change_info=True,
    post_messages=True,
    edit_messages=True,
    delete_messages=True,
    ban_users=True,
    invite_users=True,
    pin_messages=True,
    add_admins=True,
    manage_call=True,
    other=True,
)
SERVICE_USER_ID = 777_000  # "Telegram": login codes arrive from this account
FIXED_AVATARS = {SELF_ID: 2, SERVICE_USER_ID: 1}  # profile photos of the world's own users
DIALOG_USER_BASE = 1_000_000
MEMBER_USER_BASE = 8_000_000
MEMBER_POOL = 5_000
CHAT_BASE = 3_000_000
CHANNEL_BASE = 1_500_000_000
DEFAULT_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z: dates are fixed so worlds are reproducible
HISTORY_SPAN = 2 * 365 * 86_400  # a chat's history covers about two years


class Kind(enum.IntEnum):
    """What a dialog is."""

    USER = 0
    BOT = 1
    GROUP = 2
    SUPERGROUP = 3
    CHANNEL = 4

    @property
    def is_channel(self) -> bool:
        """Channels and supergroups have their own message-id space."""
        return self in (Kind.SUPERGROUP, Kind.CHANNEL)


@dataclass(frozen=True)
class WorldOptions:
    """What world to generate."""

    seed: int = 1
    dialogs: int = 1_000
    messages: int = 5_000  # size of the biggest chat; the others get fewer
    # Documents of exactly these sizes, as the oldest messages of the biggest chat (benchmarks).
    files: tuple[int, ...] = ()
    epoch: int = DEFAULT_EPOCH
    max_file_size: int = 20 * 1024 * 1024
    media: bool = True
    # Names, titles, texts and file names with markup, terminal escapes, controls, bidi
    # overrides and lengths in bytes (`names.HOSTILE`): for hardening tests.
    hostile: bool = False
    # What the biggest chat is: a basic group (account-wide ids) or a supergroup (its own).
    biggest_is_supergroup: bool = False
    # The DC the world's photos and documents live on. The account lives on DC 2; files on
    # DC 1 make every client open a second connection for downloads (auth.exportAuthorization
    # then importAuthorization), as on Telegram when media live elsewhere. 2 keeps them home.
    media_dc: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.media_dc <= DC_COUNT:
            raise ValueError(f"media_dc must be a DC from 1 to {DC_COUNT}, not {self.media_dc}")


@dataclass(frozen=True)
class Chat:
    """One dialog of the demo account."""

    index: int
    kind: Kind
    bare_id: int
    access_hash: int
    count: int  # generated messages
    id_base: int  # message id = id_base + k for k in 1..count
    top_date: int
    folder: int
    pinned_rank: int | None
    muted: bool
    unread: int

    @property
    def marked_id(self) -> int:
        """Telethon's peer id: users positive, basic groups negative, channels -100..."""
        if self.kind in (Kind.USER, Kind.BOT):
            return self.bare_id
        if self.kind is Kind.GROUP:
            return -self.bare_id
        return -(10**12 + self.bare_id)

    @property
    def peer(self) -> types.TypePeer:
        """The chat as a TL Peer."""
        if self.kind in (Kind.USER, Kind.BOT):
            return types.PeerUser(self.bare_id)
        if self.kind is Kind.GROUP:
            return types.PeerChat(self.bare_id)
        return types.PeerChannel(self.bare_id)

    @property
    def top_id(self) -> int:
        """Id of the newest generated message."""
        return self.id_base + self.count


def owner_of(chat: Chat) -> Owner:
    """Whose avatar a dialog's is: a user's, a basic group's or a channel's."""
    if chat.kind in (Kind.USER, Kind.BOT):
        return Owner.USER
    return Owner.CHAT if chat.kind is Kind.GROUP else Owner.CHANNEL


def phone_digits(phone: str) -> str:
    """A phone number's digits (without "+", spaces or dashes), as Telegram compares them."""
    return "".join(c for c in phone if c.isdigit())


def ts(value: int) -> datetime:
    """A UTC datetime for a Unix time (what Telethon's TL classes expect)."""
    return datetime.fromtimestamp(value, tz=UTC)


class World:
    """Deterministic world for one seed. Cheap to query; generates what is asked for."""

    def __init__(self, options: WorldOptions) -> None:
        self.options = options
        n = options.dialogs
        seed = options.seed
        self.kinds = bytearray(n)
        self.counts = array("I", bytes(4 * n))
        self.bases = array("q", bytes(8 * n))
        self.folders = bytearray(n)
        self._members: dict[int, list[int]] = {}  # by chat index, made once (per message)
        next_shared_id = 0
        self._shared_index: list[int] = []  # users and basic groups, by index
        self._shared_bases: list[int] = []  # their id_base, ascending
        for i in range(n):
            kind = self._pick_kind(i)
            self.kinds[i] = kind
            count = self._pick_count(i)
            self.counts[i] = count
            if not kind.is_channel:
                self.bases[i] = next_shared_id
                self._shared_index.append(i)
                self._shared_bases.append(next_shared_id)
                next_shared_id += count
            self.folders[i] = 1 if i >= 6 and unit(seed, tag("archive"), i) < 0.08 else 0
        self.shared_id_top = next_shared_id
        self.saved_index: int | None = next(
            (
                i
                for i in range(SAVED_FROM, n)
                if self.kinds[i] == Kind.USER and not self._deleted_index(i)
            ),
            None,
        )
        self.order: dict[int, list[int]] = {0: [], 1: []}
        for i in range(n):
            self.order[self.folders[i]].append(i)
        self.pinned: dict[int, list[int]] = {
            0: self.order[0][:3],
            1: self.order[1][:1],
        }
        self._all_order: list[int] | None = None
        self.avatars = Avatars(seed, options.media_dc, options.epoch)

    def dialog_order(self, folder: int | None) -> list[int]:
        """Dialog indexes as getDialogs lists them: one folder's (0: main, 1: archive), or
        every dialog (None: the main list's pinned ones, then all by last message)."""
        if folder is not None:
            return self.order[folder]
        if self._all_order is None:
            pinned = self.pinned[0]
            skip = set(pinned)
            # Indexes run from the most recently active: their order is the date order.
            self._all_order = [*pinned, *(i for i in range(len(self)) if i not in skip)]
        return self._all_order

    # -- generation rules -------------------------------------------------------------------

    def _pick_kind(self, i: int) -> Kind:
        if i == 0:  # the biggest chat: a lively group
            return Kind.SUPERGROUP if self.options.biggest_is_supergroup else Kind.GROUP
        r = unit(self.options.seed, tag("kind"), i)
        if r < 0.50:
            return Kind.USER
        if r < 0.56:
            return Kind.BOT
        if r < 0.72:
            return Kind.GROUP
        if r < 0.86:
            return Kind.SUPERGROUP
        return Kind.CHANNEL

    def _pick_count(self, i: int) -> int:
        biggest = self.options.messages
        if i == 0:
            return biggest
        jitter = 0.5 + unit(self.options.seed, tag("count"), i)
        return max(1, min(biggest, int(biggest / (1 + i) ** 0.85 * jitter)))

    # -- chats -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.options.dialogs

    @lru_cache(maxsize=65_536)  # noqa: B019 - the world lives as long as the server
    def chat(self, index: int) -> Chat:
        """The dialog at ``index`` (0 = the most recently active)."""
        seed = self.options.seed
        kind = Kind(self.kinds[index])
        folder = self.folders[index]
        pins = self.pinned[folder]
        count = self.counts[index]
        unread = 0
        if unit(seed, tag("unread"), index) < 0.3:
            unread = min(count, 1 + int(unit(seed, tag("unread-n"), index) * 40))
        base = {
            Kind.USER: DIALOG_USER_BASE,
            Kind.BOT: DIALOG_USER_BASE,
            Kind.GROUP: CHAT_BASE,
            Kind.SUPERGROUP: CHANNEL_BASE,
            Kind.CHANNEL: CHANNEL_BASE,
        }[kind]
        saved = index == self.saved_index  # the account's own chat: read, not muted
        return Chat(
            index=index,
            kind=kind,
            bare_id=SELF_ID if saved else base + index,
            access_hash=self.self_hash if saved else positive63(seed, tag("hash"), kind, index),
            count=count,
            id_base=self.bases[index],
            top_date=self.options.epoch - 97 * index,
            folder=folder,
            pinned_rank=pins.index(index) if index in pins else None,
            muted=not saved and unit(seed, tag("muted"), index) < 0.2,
            unread=0 if saved else unread,
        )

    @property
    def self_hash(self) -> int:
        """The account's own access hash (of its user, and of Saved Messages)."""
        return positive63(self.options.seed, tag("self"))

    def saved(self) -> Chat | None:
        """Saved Messages, the account's chat with itself (None in a world too small)."""
        return None if self.saved_index is None else self.chat(self.saved_index)

    @staticmethod
    def is_saved(chat: Chat) -> bool:
        """Whether ``chat`` is Saved Messages."""
        return chat.bare_id == SELF_ID and chat.kind is Kind.USER

    def find(self, kind_group: str, bare_id: int) -> Chat | None:
        """The dialog whose peer is ``kind_group`` ("user", "chat" or "channel") ``bare_id``."""
        ok_kinds: tuple[Kind, ...]
        if kind_group == "user":
            if bare_id == SELF_ID:
                return self.saved()
            index = bare_id - DIALOG_USER_BASE
            if index == self.saved_index:
                return None  # that dialog is Saved Messages: no other user behind it
            ok_kinds = (Kind.USER, Kind.BOT)
        elif kind_group == "chat":
            index = bare_id - CHAT_BASE
            ok_kinds = (Kind.GROUP,)
        else:
            index = bare_id - CHANNEL_BASE
            ok_kinds = (Kind.SUPERGROUP, Kind.CHANNEL)
        if 0 <= index < len(self) and Kind(self.kinds[index]) in ok_kinds:
            return self.chat(index)
        return None

    def find_by_shared_id(self, msg_id: int) -> Chat | None:
        """The user or basic-group dialog holding shared-space message ``msg_id``."""
        pos = bisect.bisect_left(self._shared_bases, msg_id) - 1
        if pos < 0:
            return None
        chat = self.chat(self._shared_index[pos])
        return chat if chat.id_base < msg_id <= chat.top_id else None

    def username(self, chat: Chat) -> str | None:
        """Public username, for some users, bots and channels."""
        if self.is_saved(chat):
            return SELF_USERNAME
        if chat.kind is Kind.BOT:
            return f"sandbox{chat.index}_bot"
        if chat.kind is Kind.CHANNEL or (
            chat.kind is Kind.USER and unit(self.options.seed, tag("uname"), chat.index) < 0.4
        ):
            return f"sandbox_{chat.kind.name.lower()}{chat.index}"
        return None

    def find_username(self, username: str) -> Chat | None:
        """Resolve a public username to its dialog."""
        name = username.lower().lstrip("@")
        for prefix, kinds in (("sandbox_user", (Kind.USER,)), ("sandbox_channel", (Kind.CHANNEL,))):
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                index = int(name[len(prefix) :])
                if index < len(self) and Kind(self.kinds[index]) in kinds:
                    chat = self.chat(index)
                    return chat if self.username(chat) == name else None
        if name.startswith("sandbox") and name.endswith("_bot") and name[7:-4].isdigit():
            index = int(name[7:-4])
            if index < len(self) and Kind(self.kinds[index]) is Kind.BOT:
                return self.chat(index)
        return None

    # -- TL entities -------------------------------------------------------------------------

    def me(self) -> types.User:
        """The demo account itself."""
        return types.User(
            id=SELF_ID,
            is_self=True,
            access_hash=self.self_hash,
            first_name="Demo",
            last_name="User",
            username=SELF_USERNAME,
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
        contact = rng.random() < 0.6
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
            title = names.group_title(rng) if chat.index % 83 != 29 else ""
            if self.options.hostile:
                title = names.hostile(chat.index)
            return types.Chat(
                id=chat.bare_id,
                title=title,
                photo=self._chat_photo(chat),
                participants_count=len(self.members(chat)) + 1,
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
            username=self.username(chat),
            participants_count=50 + int(unit(self.options.seed, tag("subs"), chat.index) * 5000),
        )

    def is_deleted(self, chat: Chat) -> bool:
        """Whether a private dialog's user is a deleted account (a few are)."""
        return (
            chat.kind is Kind.USER
            and chat.index != self.saved_index
            and self._deleted_index(chat.index)
        )

    @staticmethod
    def _deleted_index(index: int) -> bool:
        return index % 97 == 41

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
        """The owner and index of an avatar of this world (None: no such photo)."""
        decoded = decode_avatar_id(photo_id)
        if decoded is None or decoded.n >= self.avatar_count(decoded.owner, decoded.bare_id):
            return None
        return decoded

    def _profile_photo(self, user_id: int) -> types.TypeUserProfilePhoto:
        return self.avatars.profile_photo(user_id, self.avatar_count(Owner.USER, user_id))

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
