"""Messages of the generated world, made on demand from (seed, chat, k).

A chat's k-th message (k = 1..count) has id ``id_base + k``: channels and supergroups count
from 1 in their own id space; users and basic groups share one account-wide space. Messages
sent while the sandbox runs are kept in a small per-chat overlay with ids above the generated
ones.
"""

from __future__ import annotations

import copy
import random
import time
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.rng import mix, positive63, tag
from tgtui.sandbox.world import HISTORY_SPAN, SELF_ID, Chat, Kind, World, ts

MEDIA_TAG = 1 << 60  # media ids encode (chat index, k) so a file is found without a table
STICKER_ALTS = ("😀", "🐱", "🚀", "🌈", "🍕")
DOC_KINDS = (
    ("application/pdf", "report", "pdf"),
    ("application/zip", "archive", "zip"),
    ("text/plain", "notes", "txt"),
    ("image/png", "diagram", "png"),
    ("audio/mpeg", "track", "mp3"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget", "xlsx"),
)


@dataclass(frozen=True)
class FileInfo:
    """One downloadable file of the world: a photo size or a document."""

    media_id: int
    thumb: str  # "" for a document, the PhotoSize type for a photo
    size: int
    chat_index: int
    k: int


@dataclass(frozen=True)
class LiveMessage:
    """A message added at run time, with the pts it was announced under."""

    pts: int
    message: types.Message


@dataclass
class Overlay:
    """What changed at run time: messages added (per chat, newest last), edited (the new
    version by chat and id) and deleted (per chat, ids in ascending order)."""

    messages: dict[int, list[types.Message]] = field(default_factory=dict)
    live: list[LiveMessage] = field(default_factory=list)
    edited: dict[tuple[int, int], types.Message] = field(default_factory=dict)
    deleted: dict[int, list[int]] = field(default_factory=dict)


def media_id(chat: Chat, k: int) -> int:
    """The photo or document id of the k-th message's media."""
    return MEDIA_TAG | (chat.index << 24) | k


def decode_media_id(value: int) -> tuple[int, int] | None:
    """(chat index, k) from a media id, or None when it is not one of ours."""
    if not value & MEDIA_TAG:
        return None
    return (value >> 24) & ((1 << 36) - 1), value & ((1 << 24) - 1)


class History:
    """Generates messages and answers positional questions about a chat's history."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.overlay = Overlay()
        self.file_reference_clock: Any = time.time

    # -- positions ---------------------------------------------------------------------------

    def gap(self, chat: Chat) -> int:
        """Seconds between consecutive generated messages of a chat."""
        return max(1, min(86_400, HISTORY_SPAN // max(1, chat.count)))

    def date_of(self, chat: Chat, k: int) -> int:
        """Unix time of the k-th generated message (strictly increasing with k)."""
        return chat.top_date - (chat.count - k) * self.gap(chat)

    def view(self, chat: Chat) -> DescendingHistory:
        """The chat's messages newest first, as a lazy sequence of ids and dates."""
        return DescendingHistory(
            self,
            chat,
            self.overlay.messages.get(chat.index, []),
            self.overlay.deleted.get(chat.index, []),
        )

    def total(self, chat: Chat) -> int:
        """How many messages the chat holds now."""
        return len(self.view(chat))

    def top_message(self, chat: Chat) -> types.TypeMessage:
        """The newest message of a chat."""
        view = self.view(chat)
        return view.message_at(0) if len(view) else self.message(chat, chat.count)

    def top_date(self, chat: Chat) -> int:
        """Unix date of the chat's newest message."""
        return int(self.top_message(chat).date.timestamp())

    def by_id(self, chat: Chat, msg_id: int) -> types.TypeMessage | None:
        """Message ``msg_id`` of ``chat`` as it is now, or None (never was, or deleted)."""
        deleted = self.overlay.deleted.get(chat.index)
        if deleted:
            at = bisect_left(deleted, msg_id)
            if at < len(deleted) and deleted[at] == msg_id:
                return None
        k = msg_id - chat.id_base
        if 1 <= k <= chat.count:
            return self.message(chat, k)
        for extra in self.overlay.messages.get(chat.index, []):
            if extra.id == msg_id:
                return self.overlay.edited.get((chat.index, msg_id), extra)
        return None

    def edit(self, chat: Chat, message: types.Message, text: str, when: datetime) -> types.Message:
        """Give ``message`` new text, edited at ``when``; the new version."""
        edited = copy.copy(message)
        edited.message, edited.entities, edited.edit_date = text, None, when
        self.overlay.edited[(chat.index, message.id)] = edited
        return edited

    def delete(self, chat: Chat, ids: list[int]) -> None:
        """Delete messages of ``chat`` (ids it holds)."""
        extra = self.overlay.messages.get(chat.index)
        gone = set(ids)
        if extra:
            extra[:] = [m for m in extra if m.id not in gone]
        generated = [i for i in ids if 1 <= i - chat.id_base <= chat.count]
        deleted = self.overlay.deleted.setdefault(chat.index, [])
        for msg_id in generated:
            insort(deleted, msg_id)

    # -- generation --------------------------------------------------------------------------

    def message(self, chat: Chat, k: int) -> types.TypeMessage:
        """The k-th generated message of ``chat`` (1-based), as edited since, if it was."""
        edited = self.overlay.edited.get((chat.index, chat.id_base + k))
        return edited if edited is not None else self.generated(chat, k)

    def generated(self, chat: Chat, k: int) -> types.TypeMessage:
        """The k-th generated message of ``chat`` (1-based), as first written."""
        seed = self.world.options.seed
        rng = random.Random(mix(seed, tag("msg"), chat.index, k))
        msg_id = chat.id_base + k
        date = ts(self.date_of(chat, k))
        out, from_id = self._sender(chat, k, rng)
        fixed = self.world.options.files
        if fixed and chat.count == self.world.options.messages and k <= len(fixed):
            return types.Message(
                id=msg_id,
                peer_id=chat.peer,
                date=date,
                message="",
                out=out or None,
                from_id=from_id,
                media=self._fixed_file(chat, k, fixed[k - 1], date),
            )
        hostile_names = names.HOSTILE_FILE_NAMES
        if self.world.options.hostile and chat.index == 0 and 2 <= k < 2 + len(hostile_names):
            # The biggest chat opens with one document of each hostile file name.
            return types.Message(
                id=msg_id,
                peer_id=chat.peer,
                date=date,
                message=names.hostile(k),
                out=out or None,
                from_id=from_id,
                media=self._fixed_file(chat, k, 1000 + 37 * k, date, hostile_names[k - 2]),
            )
        if k == 1 and chat.kind is not Kind.USER and chat.kind is not Kind.BOT:
            title = str(getattr(self.world.entity(chat), "title", ""))
            action: Any
            if chat.kind is Kind.GROUP:
                action = types.MessageActionChatCreate(title=title, users=[SELF_ID])
            else:
                action = types.MessageActionChannelCreate(title=title)
            return types.MessageService(
                id=msg_id,
                peer_id=chat.peer,
                date=date,
                action=action,
                out=chat.kind is not Kind.CHANNEL or None,  # subscribed to, not made
                from_id=from_id,
            )
        roll = rng.random()
        if chat.kind is Kind.GROUP and roll < 0.01:
            return types.MessageService(
                id=msg_id,
                peer_id=chat.peer,
                date=date,
                from_id=from_id,
                action=types.MessageActionChatEditTitle(title=names.group_title(rng)),
            )
        text = names.sentence(rng)
        hostile = self.world.options.hostile and k % 3 == 0
        if hostile:
            text = names.hostile(chat.index + k)
        entities: list[Any] = []
        if not hostile and rng.random() < 0.12:
            word_end = text.find(" ") if " " in text else len(text)
            entities.append(types.MessageEntityBold(offset=0, length=word_end))
        if not hostile and rng.random() < 0.05:
            url = rng.choice(names.URLS)
            entities.append(types.MessageEntityUrl(offset=len(text) + 1, length=len(url)))
            text = f"{text} {url}"
        media = self._media(chat, k, rng, date) if self.world.options.media else None
        if media is not None and rng.random() < 0.5:
            text, entities = "", []
        reply_to = None
        if k > 2 and rng.random() < 0.1:
            reply_to = types.MessageReplyHeader(
                reply_to_msg_id=chat.id_base + rng.randint(1, k - 1)
            )
        fwd = None
        if rng.random() < 0.05:
            fwd = types.MessageFwdHeader(
                date=ts(self.date_of(chat, k) - rng.randint(60, 864_000)),
                from_id=types.PeerUser(self._member_or_self(chat, rng)),
            )
        reactions = None
        if rng.random() < 0.08:
            reactions = types.MessageReactions(
                results=[
                    types.ReactionCount(
                        reaction=types.ReactionEmoji(emoticon=emoji), count=rng.randint(1, 9)
                    )
                    for emoji in rng.sample(names.EMOJI, rng.randint(1, 3))
                ]
            )
        edited = ts(self.date_of(chat, k) + rng.randint(5, 3600)) if rng.random() < 0.05 else None
        broadcast = chat.kind is Kind.CHANNEL
        return types.Message(
            id=msg_id,
            peer_id=chat.peer,
            date=date,
            message=text,
            out=out or None,
            from_id=from_id,
            fwd_from=fwd,
            reply_to=reply_to,
            media=media,
            entities=entities or None,
            views=rng.randint(100, 50_000) if broadcast else None,
            forwards=rng.randint(0, 300) if broadcast else None,
            post=broadcast or None,
            post_author=self.world.author(chat, k) if broadcast else None,
            edit_date=edited,
            reactions=reactions,
            grouped_id=None,
        )

    def _member_or_self(self, chat: Chat, rng: random.Random) -> int:
        members = self.world.members(chat)
        if members:
            return rng.choice(members)
        return chat.bare_id if chat.kind in (Kind.USER, Kind.BOT) else SELF_ID

    def _sender(self, chat: Chat, k: int, rng: random.Random) -> tuple[bool, Any]:
        if chat.kind is Kind.CHANNEL:
            return False, None
        if chat.kind in (Kind.USER, Kind.BOT):
            out = rng.random() < 0.45
            return out, types.PeerUser(SELF_ID if out else chat.bare_id)
        out = rng.random() < 0.15
        return out, types.PeerUser(SELF_ID if out else rng.choice(self.world.members(chat)))

    def _file_reference(self) -> bytes:
        """A file reference records when it was handed out, so it can age and expire."""
        return int(self.file_reference_clock() * 1000).to_bytes(8, "big")

    def _media(self, chat: Chat, k: int, rng: random.Random, date: datetime) -> Any:
        roll = rng.random()
        share = 0.25 if chat.kind is Kind.CHANNEL else 0.18
        if roll >= share:
            return None
        roll /= share
        mid = media_id(chat, k)
        seed = self.world.options.seed
        access = positive63(seed, tag("media-hash"), mid)
        ref = self._file_reference()
        if roll < 0.40:
            big = rng.randint(40_000, 600_000)
            return types.MessageMediaPhoto(
                photo=types.Photo(
                    id=mid,
                    access_hash=access,
                    file_reference=ref,
                    date=date,
                    sizes=[
                        types.PhotoSize(type="m", w=320, h=240, size=big // 8),
                        types.PhotoSize(type="y", w=1280, h=960, size=big),
                    ],
                    dc_id=1,
                )
            )
        if roll < 0.50:
            question = names.sentence(rng, 3, 8) + "?"
            options = [names.sentence(rng, 1, 3) for _ in range(rng.randint(2, 4))]
            return types.MessageMediaPoll(
                poll=types.Poll(
                    id=mid,
                    question=types.TextWithEntities(text=question, entities=[]),
                    answers=[
                        types.PollAnswer(
                            text=types.TextWithEntities(text=o, entities=[]), option=bytes([i])
                        )
                        for i, o in enumerate(options)
                    ],
                    hash=0,
                ),
                results=types.PollResults(
                    results=[
                        types.PollAnswerVoters(
                            option=bytes([i]), voters=rng.randint(0, 40), recent_voters=[]
                        )
                        for i in range(len(options))
                    ],
                    total_voters=rng.randint(40, 200),
                ),
            )
        mime, attributes, size = self._document_shape(rng, roll, k)
        return types.MessageMediaDocument(
            document=types.Document(
                id=mid,
                access_hash=access,
                file_reference=ref,
                date=date,
                mime_type=mime,
                size=size,
                dc_id=1,
                attributes=attributes,
            ),
            voice=any(getattr(a, "voice", False) for a in attributes) or None,
            video=any(isinstance(a, types.DocumentAttributeVideo) for a in attributes) or None,
        )

    def _fixed_file(
        self, chat: Chat, k: int, size: int, date: datetime, name: str | None = None
    ) -> Any:
        """A document of exactly ``size`` bytes (WorldOptions.files), named ``name``."""
        mid = media_id(chat, k)
        return types.MessageMediaDocument(
            document=types.Document(
                id=mid,
                access_hash=positive63(self.world.options.seed, tag("media-hash"), mid),
                file_reference=self._file_reference(),
                date=date,
                mime_type="application/octet-stream",
                size=size,
                dc_id=1,
                attributes=[types.DocumentAttributeFilename(file_name=name or f"file_{k}.bin")],
            )
        )

    def _document_shape(
        self, rng: random.Random, roll: float, k: int
    ) -> tuple[str, list[Any], int]:
        cap = self.world.options.max_file_size
        if roll < 0.62:
            duration = rng.randint(1, 120)
            voice = [types.DocumentAttributeAudio(duration=duration, voice=True)]
            return "audio/ogg", voice, min(cap, duration * 2_000 + rng.randint(0, 999))
        if roll < 0.74:
            duration = rng.randint(3, 300)
            attrs: list[Any] = [
                types.DocumentAttributeVideo(
                    duration=duration, w=1280, h=720, supports_streaming=True
                ),
                types.DocumentAttributeFilename(file_name=f"video_{k}.mp4"),
            ]
            return "video/mp4", attrs, min(cap, duration * rng.randint(20_000, 90_000))
        if roll < 0.84:
            attrs = [
                types.DocumentAttributeImageSize(w=512, h=512),
                types.DocumentAttributeSticker(
                    alt=rng.choice(STICKER_ALTS), stickerset=types.InputStickerSetEmpty()
                ),
                types.DocumentAttributeFilename(file_name="sticker.webp"),
            ]
            return "image/webp", attrs, rng.randint(8_000, 60_000)
        mime, stem, ext = rng.choice(DOC_KINDS)
        size = min(cap, int(2 ** rng.uniform(10, 24)))  # 1 KiB .. 16 MiB, log-uniform
        name = names.hostile_file_name(k) if self.world.options.hostile else f"{stem}_{k}.{ext}"
        return mime, [types.DocumentAttributeFilename(file_name=name)], size

    def file_info(self, value: int, thumb: str) -> FileInfo | None:
        """Size and origin of the file behind a media id (and photo size), if it exists."""
        decoded = decode_media_id(value)
        if decoded is None:
            return None
        index, k = decoded
        if not 0 <= index < len(self.world):
            return None
        chat = self.world.chat(index)
        if not 1 <= k <= chat.count:
            return None
        message = self.message(chat, k)
        media = getattr(message, "media", None)
        if isinstance(media, types.MessageMediaPhoto) and thumb:
            for size in media.photo.sizes:
                if size.type == thumb:
                    return FileInfo(value, thumb, size.size, index, k)
            return None
        if isinstance(media, types.MessageMediaDocument) and not thumb:
            return FileInfo(value, "", media.document.size, index, k)
        return None

    def add(self, chat: Chat, message: types.Message, pts: int) -> None:
        """Append a message sent at run time, announced under ``pts``."""
        self.overlay.messages.setdefault(chat.index, []).append(message)
        self.overlay.live.append(LiveMessage(pts, message))

    def live_messages(self) -> list[LiveMessage]:
        """Every message added at run time, oldest first."""
        return list(self.overlay.live)

    def next_id(self, chat: Chat) -> int:
        """Id for a new message in ``chat`` (per-channel, or above the whole shared space)."""
        extra = self.overlay.messages.get(chat.index)
        if chat.kind.is_channel:
            return (int(extra[-1].id) if extra else chat.top_id) + 1
        shared = [int(m.message.id) for m in self.overlay.live if not chat_is_channel(m.message)]
        return max([self.world.shared_id_top, *shared]) + 1


def chat_is_channel(message: types.TypeMessage) -> bool:
    """Whether a message lives in a channel's own id space."""
    return isinstance(message.peer_id, types.PeerChannel)


class DescendingHistory(Sequence[int]):
    """Message ids of one chat, newest first, computed on demand (no list is built): the
    messages added at run time, then the generated ones without those deleted."""

    def __init__(
        self, history: History, chat: Chat, extra: list[types.Message], deleted: list[int]
    ) -> None:
        self.history = history
        self.chat = chat
        self.extra = extra
        self.deleted = deleted  # generated ids deleted, ascending

    def __len__(self) -> int:
        return self.chat.count - len(self.deleted) + len(self.extra)

    @overload
    def __getitem__(self, j: int) -> int: ...
    @overload
    def __getitem__(self, j: slice) -> Sequence[int]: ...
    def __getitem__(self, j: int | slice) -> int | Sequence[int]:
        if isinstance(j, slice):
            return [self[x] for x in range(*j.indices(len(self)))]
        if j < 0:
            j += len(self)
        if not 0 <= j < len(self):
            raise IndexError(j)
        if j < len(self.extra):
            return int(self.extra[-1 - j].id)
        return self._generated_id(j - len(self.extra))

    def _generated_id(self, n: int) -> int:
        """The id of the n-th newest generated message still there (n from 0)."""
        top = self.chat.id_base + self.chat.count
        if not self.deleted:
            return top - n
        candidate = top - n  # the answer is at most this; step down past deleted ids
        while True:
            gone = len(self.deleted) - bisect_left(self.deleted, candidate)  # in [candidate, top]
            lower = top - n - gone
            if lower == candidate:
                return candidate
            candidate = lower

    def date_at(self, j: int) -> int:
        """Unix date of the j-th newest message."""
        if j < len(self.extra):
            return int(self.extra[-1 - j].date.timestamp())
        return self.history.date_of(self.chat, self[j] - self.chat.id_base)

    def message_at(self, j: int) -> types.TypeMessage:
        """The j-th newest message (as edited, if it was)."""
        if j < len(self.extra):
            extra = self.extra[-1 - j]
            return self.history.overlay.edited.get((self.chat.index, extra.id), extra)
        return self.history.message(self.chat, self[j] - self.chat.id_base)

    def first_below_id(self, msg_id: int) -> int:
        """Position of the newest message with id < msg_id."""
        return bisect_left(self, -msg_id + 1, key=lambda value: -value)

    def first_below_date(self, date: int) -> int:
        """Position of the newest message dated strictly before ``date``."""
        return bisect_left(range(len(self)), -date + 1, key=lambda j: -self.date_at(j))
