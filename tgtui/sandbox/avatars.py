"""Profile photos of the world's users and chat photos of its groups and channels.

Most users have one to three profile photos (the newest is the current one); most groups and
channels have a photo. Each is a real small picture (a JPEG made with Pillow, square: 160 px
as size "a", 640 px as size "c", Telegram's profile photo sizes; a User or Chat carries its
stripped thumbnail, /constructor/userProfilePhoto), derived from the seed: nothing is stored.
Photo ids encode their owner, so a download finds its picture without a table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from telethon.tl import types

from tgtui.sandbox import pictures
from tgtui.sandbox.rng import mix, positive63, tag, unit

AVATAR_TAG = 1 << 61  # photo ids of avatars: (owner kind, owner bare id, n)
MAX_PHOTOS = 3  # profile photos a user may have
SIZES = (("a", 160), ("c", 640))  # Telegram's profile photo sizes: small, big
USER_SHARE = 0.7  # users with a profile photo
CHAT_SHARE = 0.6  # groups and channels with a photo
LOOKS = 1 << 20  # an avatar's look: two photos of one owner differ


class Owner(enum.IntEnum):
    """Whose photo: a user, a basic group or a channel (supergroups are channels)."""

    USER = 0
    CHAT = 1
    CHANNEL = 2


@dataclass(frozen=True)
class AvatarId:
    """What an avatar's photo id encodes."""

    owner: Owner
    bare_id: int
    n: int  # 0 = the current photo, then older ones


def avatar_id(owner: Owner, bare_id: int, n: int) -> int:
    """The photo id of an owner's n-th photo (0 = current): newer photos have higher ids, as
    photos.getUserPhotos lists them newest first and pages by ``max_id``."""
    return AVATAR_TAG | (int(owner) << 48) | (bare_id << 8) | (0xFF - n)


def decode_avatar_id(value: int) -> AvatarId | None:
    """The owner and index behind an avatar photo id (None if it is not one)."""
    if value < 0 or not value & AVATAR_TAG or value >> 62:
        return None
    owner = (value >> 48) & 0xFF
    if owner > max(Owner):
        return None
    return AvatarId(Owner(owner), (value >> 8) & ((1 << 40) - 1), 0xFF - (value & 0xFF))


class Avatars:
    """Ids, pictures and TL objects of avatars; the world says whose exist (World.avatars)."""

    def __init__(self, seed: int, media_dc: int, epoch: int) -> None:
        self.seed = seed
        self.media_dc = media_dc
        self.epoch = epoch

    def drawn(self, owner: Owner, bare_id: int) -> int:
        """How many photos the seed gives an owner (0: none), before the world's own cases."""
        if owner is Owner.USER:
            if unit(self.seed, tag("avatar"), bare_id) >= USER_SHARE:
                return 0
            return 1 + int(unit(self.seed, tag("avatars"), bare_id) * MAX_PHOTOS)
        return 1 if unit(self.seed, tag("chat-avatar"), owner, bare_id) < CHAT_SHARE else 0

    def access_hash(self, photo_id: int) -> int:
        """The access hash a photo's InputPhoto must carry."""
        return positive63(self.seed, tag("avatar-hash"), photo_id)

    def look(self, photo_id: int) -> int:
        """The look (`tgtui.sandbox.pictures`) of an avatar's pictures."""
        return mix(self.seed, tag("avatar-picture"), photo_id) % LOOKS

    def picture(self, photo_id: int, size_type: str) -> bytes | None:
        """The JPEG of one size of an avatar (None for a size it does not have)."""
        for name, side in SIZES:
            if name == size_type:
                return pictures.jpeg(self.look(photo_id), side, side)
        return None

    def stripped(self, photo_id: int) -> bytes:
        """The avatar's stripped thumbnail (/api/files#stripped-thumbnails): a blur of its
        colours, in one of the few looks kept made (every answer naming users carries one)."""
        return pictures.stripped(self.look(photo_id) % pictures.VARIANTS, 160, 160)

    def date(self, photo_id: int) -> datetime:
        """When a photo was set: the current one most recently, older ones before it."""
        decoded = decode_avatar_id(photo_id)
        n = decoded.n if decoded else 0
        days_back = 30 * (1 + 6 * n) + int(unit(self.seed, tag("avatar-date"), photo_id) * 30)
        return datetime.fromtimestamp(self.epoch - days_back * 86_400, tz=UTC)

    def photo(self, photo_id: int, file_reference: bytes) -> types.Photo:
        """An avatar as a Photo (photos.getUserPhotos): its two sizes with their byte counts."""
        sizes = []
        for name, side in SIZES:
            picture = self.picture(photo_id, name) or b""
            sizes.append(types.PhotoSize(type=name, w=side, h=side, size=len(picture)))
        return types.Photo(
            id=photo_id,
            access_hash=self.access_hash(photo_id),
            file_reference=file_reference,
            date=self.date(photo_id),
            sizes=sizes,
            dc_id=self.media_dc,
        )

    def profile_photo(self, photo_id: int | None) -> types.TypeUserProfilePhoto:
        """What a User carries as its photo, given its current one (None: it has none)."""
        if photo_id is None:
            return types.UserProfilePhotoEmpty()
        return types.UserProfilePhoto(
            photo_id=photo_id, dc_id=self.media_dc, stripped_thumb=self.stripped(photo_id)
        )

    def chat_photo(self, owner: Owner, bare_id: int, count: int) -> types.TypeChatPhoto:
        """What a Chat or Channel carries as its photo, given whether it has one."""
        if not count:
            return types.ChatPhotoEmpty()
        photo_id = avatar_id(owner, bare_id, 0)
        return types.ChatPhoto(
            photo_id=photo_id, dc_id=self.media_dc, stripped_thumb=self.stripped(photo_id)
        )
