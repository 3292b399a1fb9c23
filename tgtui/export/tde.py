"""A backup line -> the message object Telegram Desktop's export writes in `result.json`.

The specification is Telegram Desktop's own writer (tdesktop,
`Telegram/SourceFiles/export/output/export_output_json.cpp`, `SerializeMessage`, and
`export_data_types.cpp`): the same keys in the same order, the same value formats (dates in
the exporting machine's local time without an offset, `*_unixtime` twins as strings, ids of
chats and users as "user123"/"chat456"/"channel789", `text` a string or a mixed array), and
the same texts for files that are not there. tgtui's own fields that Telegram Desktop has no
name for (views, forward ids and dates, album ids, ...) are left out: this is its format.

A backup may come from a stranger: a field of another type than tgtui writes (a list where a
name goes, "many" voters) is taken as absent, never passed on or turned into text.

Over 400 lines on purpose: it follows Telegram Desktop's `SerializeMessage` field by field,
in its order, so the two can be read side by side.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any

from tgtui.format.action_names import current_name
from tgtui.format.records import MAX_ID, non_negative, unixtime

Record = dict[str, Any]

# The texts Telegram Desktop writes in place of a file path (SkipReason in its writer).
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
UNAVAILABLE = "(File unavailable, please try again later)"
TOO_BIG = "(File exceeds maximum size. Change data exporting settings to download.)"

# media_type -> Telegram Desktop's folder for that kind of file (DocumentFolder).
FOLDERS = {
    "photo": "photos",
    "video_file": "video_files",
    "animation": "animations",
    "sticker": "stickers",
    "voice_message": "voice_messages",
    "video_message": "round_video_messages",
    "audio_file": "files",
    "file": "files",
}

# Actions Telegram Desktop writes without an actor.
_NO_ACTOR = frozenset(
    {
        "send_payment",
        "allow_sending_messages",
        "attach_menu_bot_allowed",
        "web_app_bot_allowed",
        "send_passport_values",
        "proximity_reached",
        "send_webview_data",
        "gift_code_prize",
        "giveaway_launch",
        "giveaway_results",
        "refunded_payment",
    }
)

# The fields Telegram Desktop writes after `action`, in its order. "message_id" and the
# other *_message_id come from the line's reply_to_message_id.
_ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "create_group": ("title", "members"),
    "edit_group_title": ("title",),
    "invite_members": ("members",),
    "remove_members": ("members",),
    "join_group_by_link": ("inviter",),
    "create_channel": ("title",),
    "migrate_from_group": ("title",),
    "pin_message": ("message_id",),
    "score_in_game": ("game_message_id", "score"),
    "send_payment": ("amount", "currency", "invoice_message_id", "recurring"),
    "phone_call": ("duration_seconds", "discard_reason"),
    "conference_call": ("duration_seconds", "is_active", "is_missed"),
    "allow_sending_messages": ("reason_domain",),
    "group_call": ("duration",),
    "invite_to_group_call": ("members",),
    "set_messages_ttl": ("period",),
    "group_call_scheduled": ("schedule_date",),
    "edit_chat_theme": ("emoticon",),
    "send_webview_data": ("text",),
    "send_premium_gift": ("cost", "days"),
    "topic_created": ("title",),
    "topic_edit": ("new_title", "new_icon_emoji_id"),
    "requested_peer": ("button_id", "peers"),
    "set_chat_wallpaper": ("message_id",),
    "set_same_chat_wallpaper": ("message_id",),
    "boost_apply": ("boosts",),
    "paid_messages_refund": ("messages_count", "stars_count"),
    "todo_completions": ("completed", "incompleted"),
}
_REPLY_AS = frozenset({"message_id", "game_message_id", "invoice_message_id"})

_ENTITY_EXTRA = {
    "text_link": "href",
    "mention_name": "user_id",
    "pre": "language",
    "custom_emoji": "document_id",
}


_TIMES = [f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECONDS = [f"{n:02d}" for n in range(60)]


def _offset(day: int) -> int | None:
    """The zone's offset all through UTC day ``day``; None if it changes that day."""
    first = time.localtime(day * 86400).tm_gmtoff
    last = time.localtime(day * 86400 + 86399).tm_gmtoff
    return first if first == last else None


def local_dates() -> Callable[[object], str | None]:
    """Telegram Desktop's dates: the local time of this machine, ISO 8601 without an offset.

    Fast for many dates: the zone's offset is looked up once per UTC day (and exactly, the
    slow way, on the rare day it changes), the local day's text once per day, and a date in
    the same stretch as the one before (same UTC day, same local day: messages come in
    order) is found at once, with no look-up at all.
    """
    offsets: dict[int, int | None] = {}
    days: dict[int, str] = {}
    # The last stretch [low, high) of seconds with one offset and one local day, that day's
    # text, and the second its local midnight was.
    low = high = midnight = 0
    day_text = ""

    def local(value: object) -> str | None:
        nonlocal low, high, midnight, day_text
        if type(value) is str and value.isdigit() and value.isascii() and len(value) < 12:
            seconds: int | None = int(value)  # as written, the usual case: taken straight
        else:
            seconds = unixtime(value)
        if seconds is None:
            return None
        if low <= seconds < high:
            minute, second = divmod(seconds - midnight, 60)
            return day_text + _TIMES[minute] + _SECONDS[second]
        try:
            day = seconds // 86400
            offset = offsets.get(day, -1)
            if offset == -1:
                if len(offsets) > 100_000:
                    offsets.clear()
                    days.clear()
                offset = offsets[day] = _offset(day)
            if offset is None:
                return dt.datetime.fromtimestamp(seconds).isoformat()
            local_day, second = divmod(seconds + offset, 86400)
            text = days.get(local_day)
            if text is None:
                text = days[local_day] = dt.date.fromordinal(local_day + 719163).isoformat()
        except (ValueError, OverflowError, OSError):
            return None
        midnight = local_day * 86400 - offset
        low, high = max(day * 86400, midnight), min(day * 86400 + 86400, midnight + 86400)
        day_text = text
        minute, second = divmod(second, 60)
        return text + _TIMES[minute] + _SECONDS[second]

    return local


local_date = local_dates()


def _piece(part: object) -> Record | None:
    if not isinstance(part, dict) or not isinstance(part.get("text"), str):
        return None
    kind = part.get("type") if isinstance(part.get("type"), str) else "unknown"
    out: Record = {"type": kind, "text": part["text"]}
    extra = _ENTITY_EXTRA.get(str(kind))
    if extra == "href" and isinstance(part.get("href"), str):
        out["href"] = part["href"]
    elif extra == "user_id" and isinstance(part.get("user_id"), int):
        out["user_id"] = part["user_id"]
    elif extra == "language" and isinstance(part.get("language"), str) and part["language"]:
        out["language"] = part["language"]
    elif extra == "document_id" and type(part.get("document_id")) in (int, str):
        out["document_id"] = str(part["document_id"])
    elif kind == "blockquote":
        out["collapsed"] = bool(part.get("collapsed", False))
    return out


def text_fields(record: Record) -> tuple[Any, list[Record]]:
    """(`text`, `text_entities`) as Telegram Desktop writes them: the text is a string when
    it is one plain piece (or empty), else an array of strings and typed pieces."""
    raw = record.get("text_entities")
    if type(raw) is list and len(raw) == 1:  # the usual: one plain piece, kept as it is
        part = raw[0]
        if (
            type(part) is dict
            and len(part) == 2
            and part.get("type") == "plain"
            and type(part.get("text")) is str
        ):
            return part["text"], raw
    pieces: list[Record] = []
    if type(raw) is list:
        for part in raw:
            # A piece that is already what Telegram Desktop writes is kept as it is.
            if (
                type(part) is dict
                and len(part) == 2
                and type(part.get("text")) is str
                and type(part.get("type")) is str
                and part["type"] != "blockquote"
            ):
                pieces.append(part)
            else:
                piece = _piece(part)
                if piece is not None:
                    pieces.append(piece)
    if not pieces:
        text = record.get("text")
        if isinstance(text, str) and text and record.get("type") != "service":
            pieces = [{"type": "plain", "text": text}]
        else:
            return "", []
    if len(pieces) == 1 and pieces[0]["type"] == "plain":
        return pieces[0]["text"], pieces
    return [p["text"] if p["type"] == "plain" else p for p in pieces], pieces


def _number(value: object) -> bool:
    """An integer (not a boolean) or a finite float: what JSON can write as a number."""
    if type(value) is int:
        return True
    return type(value) is float and math.isfinite(value)


def _text(value: object) -> str | None:
    """A name or text field: the string, or None for anything else."""
    return value if isinstance(value, str) else None


def _plain(value: object) -> bool:
    """Whether a service action's field is what tgtui writes there: a string, a number, a
    boolean, null, or a list of those (names, to-do items)."""
    if value is None or isinstance(value, str | int | float):
        return True
    return isinstance(value, list) and all(
        item is None or isinstance(item, str | int | float) for item in value
    )


def _reply(record: Record, out: Record, label: str) -> None:
    """The answered message's id under ``label`` (Telegram Desktop's pushReplyToMsgId:
    reply_to_message_id, or message_id and the like for service messages), and its chat
    when it is another one."""
    reply = record.get("reply_to_message_id")
    if _number(reply):
        out[label] = reply
        if isinstance(record.get("reply_to_peer_id"), str):
            out["reply_to_peer_id"] = record["reply_to_peer_id"]


def _service(record: Record, out: Record) -> None:
    action = current_name(_text(record.get("action")) or "")
    from_id = _text(record.get("from_id"))
    if action not in _NO_ACTOR and from_id:
        out["actor"] = _text(record.get("from"))
        out["actor_id"] = from_id
    if action == "custom_action":  # Telegram Desktop writes no action name for these
        text = record.get("information_text", record.get("text"))
        if isinstance(text, str) and text:
            out["information_text"] = text
        return
    if action:
        out["action"] = action
    for field in _ACTION_FIELDS.get(action, ()):
        if field in _REPLY_AS:
            _reply(record, out, field)
        elif record.get(field) is not None and _plain(record[field]):
            out[field] = record[field]


def _sender(record: Record, out: Record) -> None:
    get = record.get
    from_id = get("from_id")
    if from_id and type(from_id) is str:
        name = get("from")
        out["from"] = name if type(name) is str else None
        out["from_id"] = from_id
    _texts(record, out, "author")
    if get("forwarded_from") is not None or get("forwarded_from_id"):
        out["forwarded_from"] = _text(get("forwarded_from"))
    if "reply_to_message_id" in record:
        _reply(record, out, "reply_to_message_id")
    _texts(record, out, "via_bot")


def _numbers(record: Record, out: Record, *names: str) -> None:
    """The fields of ``names`` that are numbers, as they are."""
    for name in names:
        if _number(record.get(name)):
            out[name] = record[name]


def _texts(record: Record, out: Record, *names: str) -> None:
    """The fields of ``names`` that are strings with something in them."""
    for name in names:
        value = record.get(name)
        if isinstance(value, str) and value:
            out[name] = value


def _dimensions(record: Record, out: Record) -> None:
    """width and height, when both are there (Telegram Desktop writes neither else)."""
    if _number(record.get("width")) and _number(record.get("height")):
        out["width"], out["height"] = record["width"], record["height"]


def _media(record: Record, out: Record, path: str | None) -> None:
    kind = record.get("media_type")
    if not isinstance(kind, str):
        return
    if kind == "photo":
        out["photo"] = path or NOT_INCLUDED
        if _number(record.get("file_size")):
            out["photo_file_size"] = record["file_size"]
        _dimensions(record, out)
        _numbers(record, out, "self_destruct_period_seconds")
    elif kind in FOLDERS:
        out["file"] = path or NOT_INCLUDED
        _texts(record, out, "file_name")
        _numbers(record, out, "file_size")
        if kind != "file":
            out["media_type"] = kind
        if kind == "sticker" and isinstance(record.get("sticker_emoji"), str):
            out["sticker_emoji"] = record["sticker_emoji"]
        if kind == "audio_file":
            _texts(record, out, "performer", "title")
        _texts(record, out, "mime_type")
        _numbers(record, out, "duration_seconds")
        _dimensions(record, out)
        _numbers(record, out, "self_destruct_period_seconds")
    elif kind == "poll" and isinstance(record.get("poll"), dict):
        poll = record["poll"]
        answers = poll.get("answers") if isinstance(poll.get("answers"), list) else []
        out["poll"] = {
            "question": _text(poll.get("question")) or "",
            "closed": poll.get("closed") is True,
            "total_voters": non_negative(poll.get("total_voters")) or 0,
            "answers": [
                {
                    "text": _text(a.get("text")) or "",
                    "voters": non_negative(a.get("voters")) or 0,
                    "chosen": a.get("chosen") is True,
                }
                for a in answers
                if isinstance(a, dict)
            ],
        }
    elif kind == "location":
        _texts(record, out, "place_name", "address")
        location = record.get("location_information")
        if isinstance(location, dict):
            out["location_information"] = {
                "latitude": location["latitude"] if _number(location.get("latitude")) else None,
                "longitude": location["longitude"] if _number(location.get("longitude")) else None,
            }
        elif "place_name" not in out:
            out["location_information"] = None
    elif kind == "contact" and isinstance(record.get("contact_information"), dict):
        contact = record["contact_information"]
        out["contact_information"] = {
            "first_name": _text(contact.get("first_name")) or "",
            "last_name": _text(contact.get("last_name")) or "",
            "phone_number": _text(contact.get("phone_number")) or "",
        }


def _reactions(record: Record, out: Record) -> None:
    raw = record.get("reactions")
    if not isinstance(raw, list):
        return
    reactions = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            continue
        one: Record = {"type": item["type"], "count": non_negative(item.get("count")) or 0}
        if item["type"] == "emoji" and isinstance(item.get("emoji"), str):
            one["emoji"] = item["emoji"]
        elif item["type"] == "custom_emoji" and type(item.get("document_id")) in (int, str):
            one["document_id"] = str(item["document_id"])
        reactions.append(one)
    if reactions:
        out["reactions"] = reactions


def message(record: Record, path: str | None = None) -> Record | None:
    """The Telegram Desktop object of one backup line; None for lines it would not write
    (empty messages, lines without an id). ``path``: where the message's file is in the
    export, relative to its result.json, or a skip text (None: not included).

    This runs for every message of an export: the usual fields (`_sender`, `_texts`,
    `text_fields` for one plain piece) are written out here rather than called, with the
    same tests in the same order; the rarer ones are called."""
    get = record.get
    message_id = get("id")
    if type(message_id) is not int or not 0 < message_id <= MAX_ID:  # `message_id`, inline
        return None
    kind = get("type")
    if kind != "message" and kind != "service":
        return None
    sent = get("date_unixtime")
    date = local_date(sent)
    out: Record = {
        "id": message_id,
        "type": kind,
        "date": date,
        "date_unixtime": None if date is None else sent if type(sent) is str else str(sent),
    }
    edited = get("edited_unixtime")
    if edited is not None:
        when = local_date(edited)
        if when is not None:
            out["edited"], out["edited_unixtime"] = when, str(edited)
    if kind == "service":
        _service(record, out)
    else:  # `_sender`, written out
        from_id = get("from_id")
        if from_id and type(from_id) is str:
            name = get("from")
            out["from"] = name if type(name) is str else None
            out["from_id"] = from_id
        value = get("author")
        if type(value) is str and value:
            out["author"] = value
        value = get("forwarded_from")
        if value is not None or get("forwarded_from_id"):
            out["forwarded_from"] = value if type(value) is str else None
        if "reply_to_message_id" in record:
            _reply(record, out, "reply_to_message_id")
        value = get("via_bot")
        if type(value) is str and value:
            out["via_bot"] = value
        if get("media_type") is not None:
            _media(record, out, path)
    out["text"], out["text_entities"] = text_fields(record)  # its first test: one plain piece
    if get("reactions") is not None:
        _reactions(record, out)
    return out


def bare_id(peer_id: int) -> int:
    """Telegram Desktop's chat `id`: the id without Telethon's marks (-100..., -...)."""
    if peer_id < -1_000_000_000_000:
        return -peer_id - 1_000_000_000_000
    return abs(peer_id)
