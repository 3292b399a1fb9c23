"""The world's sticker sets, and the stickers its messages send from them.

As Telegram does (core.telegram.org/api/stickers): a sticker is a document of a set, the same
document (id, access hash) in every message that sends it; its documentAttributeSticker names
the set (inputStickerSetID) and the emoji it stands for. A set (/constructor/stickerSet) has
an id, an access hash, a title and a short name, and messages.getStickerSet gives its
documents, its packs (the stickers of each emoji) and their keywords. A set may mix kinds:

- a still sticker: ``image/webp``, 512 px, documentAttributeImageSize;
- an animated one: ``application/x-tgsticker``, a gzipped Lottie animation (a real one here:
  a disc that grows and shrinks), documentAttributeImageSize;
- a video one: ``video/webm``, documentAttributeVideo (its bytes are filler, as every video
  of the sandbox's is: no video is encoded).

Each has a still 128 px WebP ``thumbs`` size "m", which clients show until (or instead of)
playing it. The still set has one sticker per picture look (`tgtui.sandbox.pictures`), so a
message's still sticker is the picture its media id always had.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

from telethon.tl import types

from tgtui.sandbox import pictures
from tgtui.sandbox.rng import mix, positive63, tag, unit

STICKER_TAG = 1 << 58  # document ids of the sets' stickers: (set, position)
STICKER_ALTS = ("😀", "🐱", "🚀", "🌈", "🍕")
KEYWORDS = {"😀": "smile", "🐱": "cat", "🚀": "rocket", "🌈": "rainbow", "🍕": "pizza"}
STICKER_SIDE = 512  # Telegram's stickers are 512 px on a side
STICKER_THUMB = 128  # and their still thumb
MOVING = 1 / 3  # of the world's sticker messages, the share sent from the moving set
SET_DATE = datetime(2024, 3, 1, tzinfo=UTC)  # when the sets' stickers were uploaded


class StickerKind(Enum):
    """What a sticker's file is."""

    STILL = "image/webp"
    ANIMATED = "application/x-tgsticker"
    VIDEO = "video/webm"


@dataclass(frozen=True)
class SetShape:
    """A sticker set: its title, short name and the kind of each of its stickers."""

    title: str
    short_name: str
    kinds: tuple[StickerKind, ...]


SETS = (
    SetShape("Sandbox Shapes", "SandboxShapes", (StickerKind.STILL,) * pictures.VARIANTS),
    SetShape(
        "Sandbox in Motion",
        "SandboxInMotion",
        (StickerKind.ANIMATED,) * 6 + (StickerKind.VIDEO,) * 4 + (StickerKind.STILL,) * 2,
    ),
)


def sticker_id(set_index: int, position: int) -> int:
    """The document id of a set's sticker."""
    return STICKER_TAG | (set_index << 16) | position


def decode_sticker_id(value: int) -> tuple[int, int] | None:
    """(set, position) of a sticker's document id, None for any other id."""
    if value < 0 or value >> 59 or not value & STICKER_TAG:
        return None
    index, position = (value >> 16) & 0xFF, value & 0xFFFF
    if index >= len(SETS) or position >= len(SETS[index].kinds):
        return None
    return index, position


class StickerSets:
    """The world's sticker sets (`SETS`), made from its seed: the sets, their stickers'
    documents (given a file reference) and the bytes of their files."""

    def __init__(self, seed: int, media_dc: int) -> None:
        self.seed = seed
        self.media_dc = media_dc

    # -- sets ----------------------------------------------------------------------------------

    def input_set(self, index: int) -> types.InputStickerSetID:
        """How a sticker names its set (documentAttributeSticker.stickerset)."""
        return types.InputStickerSetID(
            id=self.set_id(index), access_hash=self._set_access_hash(index)
        )

    def set_id(self, index: int) -> int:
        """A set's id."""
        return positive63(self.seed, tag("sticker-set"), index)

    def _set_access_hash(self, index: int) -> int:
        return positive63(self.seed, tag("sticker-set-hash"), index)

    def set_hash(self, index: int) -> int:
        """stickerSet.hash: what a client sends back to be told the set is unchanged."""
        return mix(self.seed, tag("sticker-set-version"), index) & 0x7FFFFFFF

    def find(self, wanted: Any) -> int | None:
        """The set an InputStickerSet names (by id and access hash, or by short name, in
        any case), None for one the world does not have."""
        for index, shape in enumerate(SETS):
            if isinstance(wanted, types.InputStickerSetID):
                named = (wanted.id, wanted.access_hash) == (
                    self.set_id(index),
                    self._set_access_hash(index),
                )
            elif isinstance(wanted, types.InputStickerSetShortName):
                named = wanted.short_name.casefold() == shape.short_name.casefold()
            else:  # the animated emoji, dice...: sets the world does not have
                return None
            if named:
                return index
        return None

    def sticker_set(self, index: int) -> types.StickerSet:
        """A set as stickerSet describes it."""
        shape = SETS[index]
        return types.StickerSet(
            id=self.set_id(index),
            access_hash=self._set_access_hash(index),
            title=shape.title,
            short_name=shape.short_name,
            count=len(shape.kinds),
            hash=self.set_hash(index),
        )

    def answer(self, index: int, reference: bytes) -> types.messages.StickerSet:
        """messages.stickerSet: the set, its packs (the stickers of each emoji, in the set's
        order), a keyword for each sticker and its documents."""
        documents = [
            self.document(sticker_id(index, p), reference) for p in range(len(SETS[index].kinds))
        ]
        packs: dict[str, list[int]] = {}
        for document in documents:
            packs.setdefault(self._alt(document.id), []).append(document.id)
        return types.messages.StickerSet(
            set=self.sticker_set(index),
            packs=[types.StickerPack(emoticon=e, documents=ids) for e, ids in packs.items()],
            keywords=[
                types.StickerKeyword(document_id=d.id, keyword=[KEYWORDS[self._alt(d.id)]])
                for d in documents
            ],
            documents=documents,
        )

    # -- stickers ------------------------------------------------------------------------------

    def for_message(self, media_id: int, reference: bytes) -> types.Document:
        """The sticker a message of the world sends (by its media id): from the moving set
        for a share of them, else the still sticker of the media id's picture look."""
        if unit(self.seed, tag("sticker-kind"), media_id) < MOVING:
            position = mix(self.seed, tag("sticker"), media_id) % len(SETS[1].kinds)
            return self.document(sticker_id(1, position), reference)
        look = pictures.variant(self.seed, media_id)
        return self.document(sticker_id(0, look), reference)

    def document(self, value: int, reference: bytes = b"") -> types.Document:
        """A sticker's document (``value`` a sticker id: `decode_sticker_id`)."""
        index, position = _decoded(value)
        kind = SETS[index].kinds[position]
        named = types.DocumentAttributeSticker(
            alt=self._alt(value), stickerset=self.input_set(index)
        )
        attributes: list[Any]
        if kind is StickerKind.VIDEO:
            attributes = [
                types.DocumentAttributeVideo(
                    duration=3.0, w=STICKER_SIDE, h=STICKER_SIDE, nosound=True
                ),
                named,
                types.DocumentAttributeFilename(file_name="sticker.webm"),
            ]
        else:
            name = "AnimatedSticker.tgs" if kind is StickerKind.ANIMATED else "sticker.webp"
            attributes = [
                types.DocumentAttributeImageSize(w=STICKER_SIDE, h=STICKER_SIDE),
                named,
                types.DocumentAttributeFilename(file_name=name),
            ]
        thumb = pictures.webp(self.look(value), STICKER_THUMB)
        return types.Document(
            id=value,
            access_hash=positive63(self.seed, tag("media-hash"), value),
            file_reference=reference,
            date=SET_DATE,
            mime_type=kind.value,
            size=self._size(value, kind),
            dc_id=self.media_dc,
            attributes=attributes,
            thumbs=[types.PhotoSize(type="m", w=STICKER_THUMB, h=STICKER_THUMB, size=len(thumb))],
        )

    def look(self, value: int) -> int:
        """The picture look of a sticker (the still set's: its position)."""
        index, position = _decoded(value)
        return position if index == 0 else pictures.variant(self.seed, value)

    def _alt(self, value: int) -> str:
        return STICKER_ALTS[value % len(STICKER_ALTS)]

    def file(self, value: int, thumb: str) -> tuple[int, bytes | None] | None:
        """The size and bytes of a sticker's file (``thumb`` "") or its "m" thumb (bytes
        None: filler the FileStore makes); None when it has no such file."""
        found = decode_sticker_id(value)
        if found is None:
            return None
        look = self.look(value)
        if thumb == "m":
            data = pictures.webp(look, STICKER_THUMB)
            return len(data), data
        if thumb:
            return None
        kind = SETS[found[0]].kinds[found[1]]
        if kind is StickerKind.STILL:
            data = pictures.webp(look, STICKER_SIDE)
        elif kind is StickerKind.ANIMATED:
            data = tgs(look)
        else:
            return self._size(value, kind), None
        return len(data), data

    def _size(self, value: int, kind: StickerKind) -> int:
        look = self.look(value)
        if kind is StickerKind.STILL:
            return len(pictures.webp(look, STICKER_SIDE))
        if kind is StickerKind.ANIMATED:
            return len(tgs(look))
        return 20_000 + mix(self.seed, tag("video-sticker-size"), value) % 40_000


def _decoded(value: int) -> tuple[int, int]:
    found = decode_sticker_id(value)
    if found is None:
        raise ValueError(f"not a sticker id: {value}")
    return found


@lru_cache(maxsize=pictures.VARIANTS)
def tgs(look: int) -> bytes:
    """An animated sticker (core.telegram.org/stickers#animated-stickers): a Lottie
    animation of 512 x 512 px at 60 frames a second, for a second, marked ``"tgs": 1``,
    gzipped: a disc in the look's colour that grows and shrinks."""
    h = mix(tag("tgs-colour"), look)
    colour = [round(((h >> shift) % 200 + 40) / 255, 3) for shift in (0, 8, 16)] + [1]
    still = {"a": 0, "k": 0}

    def value(k: Any) -> dict[str, Any]:
        return {"a": 0, "k": k}

    scale = {
        "a": 1,
        "k": [
            {"t": 0, "s": [80, 80, 100], "i": {"x": [0.5], "y": [1]}, "o": {"x": [0.5], "y": [0]}},
            {
                "t": 30,
                "s": [100, 100, 100],
                "i": {"x": [0.5], "y": [1]},
                "o": {"x": [0.5], "y": [0]},
            },
            {"t": 60, "s": [80, 80, 100]},
        ],
    }
    disc = {
        "ty": "gr",
        "nm": "disc",
        "it": [
            {"ty": "el", "p": value([0, 0]), "s": value([360, 360]), "d": 1},
            {"ty": "fl", "c": value(colour), "o": value(100), "r": 1},
            {
                "ty": "tr",
                "p": value([0, 0]),
                "a": value([0, 0]),
                "s": value([100, 100]),
                "r": still,
                "o": value(100),
            },
        ],
    }
    layer = {
        "ddd": 0,
        "ind": 1,
        "ty": 4,
        "nm": "disc",
        "sr": 1,
        "ks": {
            "o": value(100),
            "r": still,
            "p": value([256, 256, 0]),
            "a": value([0, 0, 0]),
            "s": scale,
        },
        "ao": 0,
        "shapes": [disc],
        "ip": 0,
        "op": 60,
        "st": 0,
        "bm": 0,
    }
    animation = {
        "tgs": 1,
        "v": "5.5.2",
        "fr": 60,
        "ip": 0,
        "op": 60,
        "w": STICKER_SIDE,
        "h": STICKER_SIDE,
        "nm": f"look {look}",
        "ddd": 0,
        "assets": [],
        "layers": [layer],
    }
    text = json.dumps(animation, separators=(",", ":")).encode()
    return gzip.compress(text, compresslevel=9, mtime=0)
