"""Messages of the generated world, made on demand from (seed, chat, k).

A chat's k-th message (k = 1..count) has id ``id_base + k``: channels and supergroups count
from 1 in their own id space; users and basic groups share one account-wide space. Messages
sent while the sandbox runs are kept in a small per-chat overlay with ids above the generated
ones. A message's media are made by `tgtui.sandbox.message_media`; a chat's messages newest
first are a `tgtui.sandbox.history_view.DescendingHistory`.
"""

from __future__ import annotations

import copy
import random
import time
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.history_view import DescendingHistory
from tgtui.sandbox.message_media import FileInfo, MessageMedia, decode_media_id, web_page_photo
from tgtui.sandbox.rng import mix, tag
from tgtui.sandbox.world import HISTORY_SPAN, SELF_ID, Chat, Kind, World, ts

__all__ = [  # with what other modules import from here, wherever it is defined
    "DescendingHistory",
    "FileInfo",
    "History",
    "LiveMessage",
    "Overlay",
    "chat_is_channel",
    "utf16_len",
]


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


class History:
    """Generates messages and answers positional questions about a chat's history."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.overlay = Overlay()
        self.file_reference_clock: Any = time.time
        self.media = MessageMedia(world.options, self.file_reference)

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

    def edit(
        self, chat: Chat, message: types.Message, text: str, when: datetime, media: Any = None
    ) -> types.Message:
        """Give ``message`` new text (and, with ``media``, a new photo or file in place of its
        own), edited at ``when``; the new version."""
        edited = copy.copy(message)
        edited.message, edited.entities, edited.edit_date = text, None, when
        if media is not None:
            edited.media = media
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
                media=self.media.sized_document(chat, k, fixed[k - 1], date),
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
                media=self.media.sized_document(chat, k, 1000 + 37 * k, date, hostile_names[k - 2]),
            )
        forum = self.world.forum(chat) if chat.kind is Kind.SUPERGROUP else None
        if forum is not None and (made := forum.service(k, self.date_of(chat, k))) is not None:
            return made  # a topic's creation or edit
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
        # Entity offsets and lengths count UTF-16 code units, as Telegram's do: an emoji
        # before a link is two of them (core.telegram.org/api/entities#entity-length).
        if not hostile and rng.random() < 0.12:
            word_end = text.find(" ") if " " in text else len(text)
            entities.append(types.MessageEntityBold(offset=0, length=utf16_len(text[:word_end])))
        if not hostile and rng.random() < 0.05:
            url = rng.choice(names.URLS)
            entities.append(
                types.MessageEntityUrl(offset=utf16_len(text) + 1, length=utf16_len(url))
            )
            text = f"{text} {url}"
        media = self.media.drawn(chat, k, rng, date) if self.world.options.media else None
        if media is not None and rng.random() < 0.5:
            text, entities = "", []
        reply_to = None
        if k > 2 and rng.random() < 0.1:
            reply_to = types.MessageReplyHeader(
                reply_to_msg_id=chat.id_base + rng.randint(1, k - 1)
            )
        if forum is not None:  # in its topic (drawn apart: the message's own draws stay)
            reply_to = forum.reply_header(k)
        fwd = None
        saved = self.world.is_saved(chat)
        if rng.random() < (0.4 if saved else 0.05):  # what people keep is mostly forwarded
            when = ts(self.date_of(chat, k) - rng.randint(60, 864_000))
            if saved:
                fwd = self._saved_from(rng, when)
            else:
                fwd = types.MessageFwdHeader(
                    date=when, from_id=types.PeerUser(self._member_or_self(chat, rng))
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

    def _saved_from(self, rng: random.Random, when: datetime) -> types.MessageFwdHeader:
        """Where a message kept in Saved Messages came from: a message of another dialog."""
        source = self.world.chat(rng.randrange(len(self.world)))
        if self.world.is_saved(source):
            source = self.world.chat(0)
        author: Any = (
            source.peer
            if source.kind is Kind.CHANNEL
            else types.PeerUser(self._member_or_self(source, rng))
        )
        return types.MessageFwdHeader(
            date=when,
            from_id=author,
            saved_from_peer=source.peer,
            saved_from_msg_id=source.id_base + rng.randint(1, source.count),
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
            out = rng.random() < 0.45 or self.world.is_saved(chat)  # Saved: all the account's
            return out, types.PeerUser(SELF_ID if out else chat.bare_id)
        out = rng.random() < 0.15
        return out, types.PeerUser(SELF_ID if out else rng.choice(self.world.members(chat)))

    def file_reference(self) -> bytes:
        """A file reference records when it was handed out, so it can age and expire."""
        return int(self.file_reference_clock() * 1000).to_bytes(8, "big")

    def file_info(self, value: int, thumb: str) -> FileInfo | None:
        """Size and origin of the file behind a media id (and photo size), if it exists."""
        sticker = self.media.stickers.file(value, thumb)  # a sticker set's: no chat's own
        if sticker is not None:
            return FileInfo(value, thumb, sticker[0], None, 0, sticker[1])
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
            sizes = media.photo.sizes
        elif web_page_photo(media) is not None and thumb:
            sizes = web_page_photo(media).sizes
        elif isinstance(media, types.MessageMediaDocument) and thumb:
            document = media.document
            sizes = [*(document.thumbs or []), *(document.video_thumbs or [])]
        elif isinstance(media, types.MessageMediaDocument):
            data = self.media.file_data(media, "")
            size = len(data) if data is not None else media.document.size
            return FileInfo(value, "", size, index, k, data)
        else:
            return None
        for found in sizes:
            if found.type != thumb:
                continue
            if isinstance(found, types.PhotoSizeProgressive):
                return FileInfo(value, thumb, max(found.sizes), index, k)
            if isinstance(found, types.PhotoSize | types.VideoSize):
                data = self.media.file_data(media, thumb)
                size = len(data) if data is not None else found.size
                return FileInfo(value, thumb, size, index, k, data)
            return None  # a stripped size travels inside the message: no file to download
        return None

    def held(self, value: int, thumb: str) -> bytes | None:
        """The bytes of a file held whole (a thumb's picture, a sticker), None for one the
        FileStore makes."""
        info = self.file_info(value, thumb)
        return None if info is None else info.data

    def add(self, chat: Chat, message: types.Message, pts: int) -> None:
        """Append a message sent at run time, announced under ``pts``."""
        self.overlay.messages.setdefault(chat.index, []).append(message)
        self.overlay.live.append(LiveMessage(pts, message))

    def live_messages(self) -> list[LiveMessage]:
        """Every message added at run time, oldest first."""
        return list(self.overlay.live)

    def shared_owner(self, msg_id: int) -> Chat | None:
        """The private chat or basic group holding account-wide message ``msg_id`` (generated
        or sent at run time)."""
        found = self.world.find_by_shared_id(msg_id)
        if found is not None:
            return found
        for live in self.overlay.live:
            message = live.message
            if message.id == msg_id and not chat_is_channel(message):
                peer = message.peer_id
                if isinstance(peer, types.PeerUser):
                    return self.world.find("user", peer.user_id)
                if isinstance(peer, types.PeerChat):
                    return self.world.find("chat", peer.chat_id)
        return None

    def next_id(self, chat: Chat) -> int:
        """Id for a new message in ``chat`` (per-channel, or above the whole shared space)."""
        extra = self.overlay.messages.get(chat.index)
        if chat.kind.is_channel:
            return (int(extra[-1].id) if extra else chat.top_id) + 1
        shared = [int(m.message.id) for m in self.overlay.live if not chat_is_channel(m.message)]
        return max([self.world.shared_id_top, *shared]) + 1


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets
    and lengths (a character outside the Basic Multilingual Plane, like most emoji, is 2)."""
    return len(text.encode("utf-16-le")) // 2


def chat_is_channel(message: types.TypeMessage) -> bool:
    """Whether a message lives in a channel's own id space."""
    return isinstance(message.peer_id, types.PeerChannel)
