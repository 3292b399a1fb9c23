"""Telegram messages -> the stable, documented JSON objects of messages.jsonl (see SCHEMA.md).

Field names follow Telegram Desktop's export (`result.json`) where the two overlap, so tools
that read those exports read ours; what it lacks (views, forwarded-from ids, album and topic
ids, ...) is kept under names of our own. Raw TL objects go in, plain JSON comes out; every
message kind maps without loss of what a reader needs, and unknown kinds never crash. The
media part of a record is `tgtui.backup.media_fields`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telethon import utils
from telethon.tl import types

from tgtui.backup.actions import action_fields
from tgtui.backup.media_fields import Record, media_fields
from tgtui.backup.thumbnails import thumbnail_fields

SCHEMA_VERSION = 1


_ENTITY_TYPES: dict[type[Any], str] = {
    types.MessageEntityBold: "bold",
    types.MessageEntityItalic: "italic",
    types.MessageEntityUnderline: "underline",
    types.MessageEntityStrike: "strikethrough",
    types.MessageEntitySpoiler: "spoiler",
    types.MessageEntityCode: "code",
    types.MessageEntityPre: "pre",
    types.MessageEntityUrl: "link",
    types.MessageEntityTextUrl: "text_link",
    types.MessageEntityMention: "mention",
    types.MessageEntityMentionName: "mention_name",
    types.MessageEntityHashtag: "hashtag",
    types.MessageEntityCashtag: "cashtag",
    types.MessageEntityBotCommand: "bot_command",
    types.MessageEntityEmail: "email",
    types.MessageEntityPhone: "phone",
    types.MessageEntityBankCard: "bank_card",
    types.MessageEntityBlockquote: "blockquote",
    types.MessageEntityCustomEmoji: "custom_emoji",
}


_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
# "HH:MM:" for each minute of a day, "SS" for each second of a minute, and "YYYY-MM-DDT" for
# the days met so far: a date is written from these (a backup writes two a message, and
# datetime.isoformat and timestamp cost three times as much).
_MINUTES = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(24 * 60))
_SECONDS = tuple(f"{second:02d}" for second in range(60))
_DAYS: dict[int, str] = {}
_MOST_DAYS = 100_000  # 270 years of days: only a server sending any date at all gets there


def _when(value: dt.datetime | None) -> tuple[str | None, str | None]:
    """(ISO-8601 UTC without offset, unix time as a string), Telegram Desktop's pair."""
    if value is None:
        return None, None
    if value.tzinfo is not _UTC:  # Telethon's dates are UTC already (the fast path)
        value = value.astimezone(_UTC)
    if value.microsecond:  # never in Telegram's dates (whole seconds)
        return value.isoformat(timespec="seconds")[:19], str(int(value.timestamp()))
    since = value - _EPOCH  # both UTC: plain arithmetic, whole days and seconds
    day, second = since.days, since.seconds
    prefix = _DAYS.get(day)
    if prefix is None:
        if len(_DAYS) >= _MOST_DAYS:
            _DAYS.clear()
        prefix = _DAYS[day] = value.date().isoformat() + "T"
    return prefix + _MINUTES[second // 60] + _SECONDS[second % 60], str(day * 86_400 + second)


def _marked(peer: Any) -> int:
    """A Peer*'s marked id (as `telethon.utils.get_peer_id`, without its checks: a message
    names thousands of peers, always of these three kinds)."""
    kind = type(peer)
    if kind is types.PeerUser:
        return int(peer.user_id)
    if kind is types.PeerChannel:
        return -(1_000_000_000_000 + int(peer.channel_id))
    if kind is types.PeerChat:
        return -int(peer.chat_id)
    return int(utils.get_peer_id(peer))


def peer_ref(peer: Any) -> str | None:
    """Telegram Desktop's id strings: "user123", "chat456", "channel789"."""
    if isinstance(peer, types.PeerUser):
        return f"user{peer.user_id}"
    if isinstance(peer, types.PeerChat):
        return f"chat{peer.chat_id}"
    if isinstance(peer, types.PeerChannel):
        return f"channel{peer.channel_id}"
    return None


_CHAT_KINDS = frozenset({types.Chat, types.ChatForbidden, types.Channel, types.ChannelForbidden})


def _entity_id(entity: Any) -> int:
    """A User, Chat or Channel's marked id (`telethon.utils.get_peer_id`, the short way for
    the kinds an answer brings)."""
    kind = type(entity)
    if kind is types.User:
        return int(entity.id)
    bare = entity.id if kind in _CHAT_KINDS else None
    if type(bare) is not int or not 0 < bare <= 9_999_999_999:  # get_peer_id's own checks
        return int(utils.get_peer_id(entity))
    if kind is types.Chat or kind is types.ChatForbidden:
        return -bare
    return -(1_000_000_000_000 + bare)


class Names:
    """Display names of the users and chats a history answer came with."""

    def __init__(self, users: list[Any], chats: list[Any]) -> None:
        self._by_id: dict[int, str] = {}
        self._usernames: dict[int, str] = {}
        for entity in [*users, *chats]:
            marked = _entity_id(entity)
            username = getattr(entity, "username", None)
            if isinstance(username, str) and username:
                self._usernames[marked] = username
            name = utils.get_display_name(entity).strip()
            if isinstance(entity, types.User) and entity.deleted:
                name = "Deleted Account"
            self._by_id[marked] = name

    def of(self, peer: Any) -> str | None:
        """The name of ``peer`` (a Peer*), or None when the answer did not include it."""
        if peer is None:
            return None
        return self._by_id.get(_marked(peer))

    def username(self, user_id: int) -> str | None:
        """The @username of a user the answer included, without the @."""
        return self._usernames.get(user_id)


def text_entities(text: str, entities: list[Any] | None) -> list[Record]:
    """Telegram Desktop's text_entities: the text cut into typed pieces (plain between)."""
    if not entities:
        return [{"type": "plain", "text": text}] if text else []
    # Offsets are in UTF-16 code units: an ASCII text's are its characters' (the short way).
    ascii_text = text.isascii()
    units = b"" if ascii_text else text.encode("utf-16-le")
    length = len(text) if ascii_text else len(units) // 2
    pieces: list[Record] = []
    cursor = 0

    def cut(start: int, end: int) -> str:
        if ascii_text:
            return text[start:end]
        return units[start * 2 : end * 2].decode("utf-16-le", "replace")

    ordered = entities if len(entities) == 1 else sorted(entities, key=_entity_order)
    for entity in ordered:
        start, end = entity.offset, entity.offset + entity.length
        if start < cursor:
            continue  # nested entities: the outer one keeps the text
        if start > cursor:
            pieces.append({"type": "plain", "text": cut(cursor, start)})
        kind = type(entity)
        piece: Record = {"type": _ENTITY_TYPES.get(kind, "unknown"), "text": cut(start, end)}
        if kind in _PLAIN_ENTITIES:
            pass  # nothing more to say (the common case)
        elif isinstance(entity, types.MessageEntityTextUrl):
            piece["href"] = entity.url
        elif isinstance(entity, types.MessageEntityMentionName):
            piece["user_id"] = entity.user_id
        elif isinstance(entity, types.MessageEntityPre) and entity.language:
            piece["language"] = entity.language
        elif isinstance(entity, types.MessageEntityCustomEmoji):
            piece["document_id"] = entity.document_id
        pieces.append(piece)
        cursor = end
    if cursor < length:
        pieces.append({"type": "plain", "text": cut(cursor, length)})
    return pieces


def _entity_order(entity: Any) -> tuple[int, int]:
    return entity.offset, -entity.length


# Entity kinds whose piece is only its type and text.
_PLAIN_ENTITIES = frozenset(_ENTITY_TYPES) - {
    types.MessageEntityTextUrl,
    types.MessageEntityMentionName,
    types.MessageEntityPre,
    types.MessageEntityCustomEmoji,
}


def _reactions(reactions: Any) -> list[Record] | None:
    if reactions is None or not reactions.results:
        return None
    out: list[Record] = []
    for result in reactions.results:
        reaction = result.reaction
        if isinstance(reaction, types.ReactionEmoji):
            out.append({"type": "emoji", "count": result.count, "emoji": reaction.emoticon})
        elif isinstance(reaction, types.ReactionCustomEmoji):
            out.append(
                {"type": "custom_emoji", "count": result.count, "document_id": reaction.document_id}
            )
        else:
            out.append({"type": "paid", "count": result.count})
    return out


def _forward(fwd: Any, names: Names, record: Record) -> None:
    """The forwarded_* fields into ``record``."""
    record["forwarded_from"] = fwd.from_name or names.of(fwd.from_id)
    record["forwarded_from_id"] = peer_ref(fwd.from_id)
    record["forwarded_date"], record["forwarded_date_unixtime"] = _when(fwd.date)
    if fwd.channel_post:
        record["forwarded_message_id"] = fwd.channel_post


def _reply(reply: Any, record: Record) -> None:
    """The reply_to_* and topic fields into ``record``."""
    if not isinstance(reply, types.MessageReplyHeader):
        return
    if reply.reply_to_msg_id:
        record["reply_to_message_id"] = reply.reply_to_msg_id
    if reply.reply_to_peer_id is not None:
        record["reply_to_peer_id"] = peer_ref(reply.reply_to_peer_id)
    if reply.forum_topic:
        record["topic_id"] = reply.reply_to_top_id or reply.reply_to_msg_id


def _sender(message: Any, names: Names, record: Record) -> None:
    """from, from_id and author into ``record``."""
    # The sender, else the chat: a channel's posts and the other side of a private chat
    # come without from_id.
    peer = message.from_id or message.peer_id
    kind = type(peer)
    if kind is types.PeerUser:
        user_id = peer.user_id
        record["from"] = names._by_id.get(int(user_id))
        record["from_id"] = f"user{user_id}"
    elif kind is types.PeerChannel:
        channel_id = peer.channel_id
        record["from"] = names._by_id.get(-(1_000_000_000_000 + int(channel_id)))
        record["from_id"] = f"channel{channel_id}"
    else:
        record["from"] = names.of(peer)
        record["from_id"] = peer_ref(peer)
    if getattr(message, "post_author", None):
        record["author"] = message.post_author


# Media that may have a preview (`tgtui.backup.thumbnails`).
_PREVIEWED = frozenset(
    {types.MessageMediaPhoto, types.MessageMediaDocument, types.MessageMediaWebPage}
)

# Message class -> its record's type. Telethon's message classes are abstract base classes,
# whose isinstance is slow: each class is looked up once.
_MESSAGE_KINDS: dict[type[Any], str] = {}


def _message_kind(cls: type[Any]) -> str:
    """The record type of a message of class ``cls`` ("empty", "service" or "message")."""
    if issubclass(cls, types.MessageEmpty):
        kind = "empty"
    elif issubclass(cls, types.MessageService):
        kind = "service"
    else:
        kind = "message"
    _MESSAGE_KINDS[cls] = kind
    return kind


def to_record(message: Any, names: Names) -> Record:
    """The JSON object of one message (types.Message, MessageService or MessageEmpty).

    Called for every message a backup reads, so it assigns fields directly (no merged
    dicts) and takes Telethon's UTC dates the short way; the field order is SCHEMA.md's.
    """
    record: Record = {"id": message.id}
    cls = type(message)
    kind = _MESSAGE_KINDS.get(cls) or _message_kind(cls)
    record["type"] = kind
    if kind == "empty":
        return record
    service = kind == "service"
    record["date"], record["date_unixtime"] = _when(message.date)
    _sender(message, names, record)
    if message.out:
        record["out"] = True
    if message.reply_to is not None:
        _reply(message.reply_to, record)
    if service:
        record.update(action_fields(message.action, names.of))
        return record
    if message.edit_date is not None:
        record["edited"], record["edited_unixtime"] = _when(message.edit_date)
    if message.fwd_from is not None:
        _forward(message.fwd_from, names, record)
    via_bot_id = message.via_bot_id
    if via_bot_id:
        record["via_bot_id"] = via_bot_id
        bot = names.username(via_bot_id)
        if bot:
            record["via_bot"] = "@" + bot
    text = message.message or ""
    record["text"] = text
    entities = message.entities
    if entities:
        record["text_entities"] = text_entities(text, entities)
    else:
        record["text_entities"] = [{"type": "plain", "text": text}] if text else []
    media = message.media
    if media is not None:
        record.update(media_fields(media))
        if type(media) in _PREVIEWED:
            record.update(thumbnail_fields(media))
    if message.reactions is not None:
        reactions = _reactions(message.reactions)
        if reactions is not None:
            record["reactions"] = reactions
    views = message.views
    if views is not None:
        record["views"] = views
    forwards = message.forwards
    if forwards is not None:
        record["forwards"] = forwards
    grouped_id = message.grouped_id
    if grouped_id is not None:
        record["grouped_id"] = grouped_id
    return record


# Field -> meaning; a test checks that every field written is here and in SCHEMA.md.
FIELDS: dict[str, str] = {
    "id": "message id (per chat for channels and supergroups, per account otherwise)",
    "type": '"message", "service" (an action such as a title change) or "empty"',
    "date": "when it was sent, ISO 8601 in UTC without offset",
    "date_unixtime": "the same as unix seconds, a string (as Telegram Desktop writes it)",
    "edited": "last edit time, ISO 8601 UTC (absent if never edited)",
    "edited_unixtime": "the same as unix seconds, a string",
    "from": "sender's display name (null if unknown)",
    "from_id": 'sender as "user123", "chat456" or "channel789"',
    "author": "signature of a channel post's author",
    "out": "true when sent by the account that made the backup",
    "reply_to_message_id": "id of the message this one answers",
    "reply_to_peer_id": "chat of the answered message when it is in another chat",
    "topic_id": "forum topic the message belongs to",
    "forwarded_from": "original sender's name for a forwarded message",
    "forwarded_from_id": "original sender as a from_id string",
    "forwarded_date": "original date of a forwarded message (ISO 8601 UTC)",
    "forwarded_date_unixtime": "the same as unix seconds, a string",
    "forwarded_message_id": "id of the original channel post",
    "via_bot_id": "inline bot the message was sent through",
    "via_bot": 'that bot\'s @username, as Telegram Desktop writes it ("@gif")',
    "text": "the message text (plain)",
    "text_entities": "the text in typed pieces: plain, bold, link (with href), mention, ...",
    "media_type": "photo, video_file, video_message, voice_message, audio_file, sticker, "
    "animation, file, poll, location, contact, web_page, ...",
    "media_unavailable": "true when the media was deleted or is not accessible",
    "file": "path of the saved media file, relative to the chat folder (null if not saved)",
    "thumbnail": "path of its small preview (thumbs/<media id>.jpg, .webp for a sticker), "
    "relative to the chat folder, saved whatever the media choice: there once whole",
    "thumbnail_width": "that preview's width in pixels, as Telegram gives it",
    "thumbnail_height": "that preview's height in pixels, as Telegram gives it",
    "file_name": "the document's original file name",
    "file_size": "size in bytes",
    "media_id": "Telegram's id of the photo or document, as a string",
    "mime_type": "MIME type of a document",
    "width": "photo or video width in pixels",
    "height": "photo or video height in pixels",
    "duration_seconds": "length of audio, video or a call",
    "performer": "audio file performer",
    "title": "audio title, or the new title of a service message",
    "sticker_emoji": "the emoji a sticker stands for",
    "self_destruct_period_seconds": "timer of a self-destructing photo",
    "poll": "question, closed, total_voters and answers (text, voters)",
    "location_information": "latitude and longitude",
    "place_name": "venue name",
    "address": "venue address",
    "contact_information": "first_name, last_name, phone_number",
    "web_page_url": "URL of a link preview",
    "web_page_site": "a link preview's site name",
    "web_page_title": "a link preview's title",
    "web_page_description": "a link preview's description",
    "reactions": "list of {type: emoji|custom_emoji|paid, count, emoji or document_id}",
    "views": "view count of a channel post",
    "forwards": "forward count of a channel post",
    "grouped_id": "album id shared by the messages of one album",
    "action": "service action, named as Telegram Desktop names it: create_group, "
    "invite_members, pin_message, set_messages_ttl...",
    "members": "names of the users a service action concerns",
    "inviter": "who made the invite link a member joined by",
    "information_text": "the text of a custom service action",
    "discard_reason": "how a call ended: busy, disconnect, hangup, missed",
    "period": "new auto-delete period of set_messages_ttl, in seconds",
    "new_title": "new title of a forum topic (topic_edit)",
    "new_icon_emoji_id": "new icon of a forum topic (topic_edit)",
    "is_active": "whether a conference call is still going",
    "is_missed": "whether a conference call was missed",
    "duration": "length of a group call, in seconds",
    "schedule_date": "when a scheduled group call starts, unix seconds",
    "score": "game score (score_in_game)",
    "amount": "amount of a payment, in the currency's smallest unit",
    "currency": "currency of a payment (ISO 4217 code)",
    "recurring": "init or used, for a recurring payment",
    "reason_domain": "website that was allowed to message the user",
    "distance": "distance in meters (proximity_reached)",
    "emoticon": "emoji of a new chat theme",
    "days": "length of a gifted subscription, in days",
    "boosts": "number of boosts applied",
    "button_id": "bot button a requested_peer answers",
    "messages_count": "number of paid messages refunded",
    "stars_count": "stars refunded",
    "completed": "to-do items marked done",
    "incompleted": "to-do items marked not done",
}
