"""What a generated world is described with: the options it is made from, the kinds of
dialog, one dialog's numbers (`Chat`), and the fixed values every world shares (the demo
account, the id spaces, the dates).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from telethon.tl import types

from tgtui.sandbox.avatars import Owner

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
LEFT_CHANNEL_BASE = 1_800_000_000  # channels the account left (channels.getLeftChannels)
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
    # How many of the world's supergroups are forums (`tgtui.sandbox.forums`): topics, their
    # service messages, every message in one. 0 keeps every supergroup a plain one, as worlds
    # made before forums were; the demo has some.
    forums: int = 0
    # Other devices signed in to the account (generated: a phone, a desktop, a browser...),
    # listed by account.getAuthorizations after the sessions of real auth keys.
    devices: int = 0

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
