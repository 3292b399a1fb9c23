"""A forum's topics in a backup, as every reader sees them.

``chats/<id>_<name>/topics.jsonl`` (only for a forum) is a versioned file
(`tgtui.format.versioned`): a topic's line is appended when it is first listed or changed
(renamed, closed, pinned, a new last message...), and ``removed`` marks a topic Telegram no
longer lists. Its ``key`` is the topic's id as a string, its ``data`` the topic
(SCHEMA.md: ``id``, ``title``, ``icon_color``, ``icon_emoji_id``, ``created``, ``closed``,
``pinned``, ``hidden``, ``top_message``).

Which topic a saved message is in (`topic_of`): its ``topic_id``; a topic's creation message
(``topic_created``) is its own topic's first message; a message of a forum with neither is
in General, topic 1 (Telegram marks no message as General's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tgtui.format.records import MAX_ID
from tgtui.format.versioned import Versions, read_versions

TOPICS = "topics.jsonl"
GENERAL = 1  # the General topic's id, in every forum
TOPIC_CREATED = "topic_created"


def topics_path(folder: Path) -> Path:
    """Where a chat's topics are kept (``folder``: the chat's folder)."""
    return folder / TOPICS


def read_topic_versions(folder: Path) -> Versions:
    """Every version of the chat's topics (empty when it has none: not a forum, or backed
    up before tgtui kept them). OSError when the file cannot be read."""
    return read_versions(topics_path(folder))


def _int(value: object) -> int | None:
    return value if type(value) is int and 0 <= value <= MAX_ID else None


@dataclass(frozen=True)
class Topic:
    """A topic as its latest version says (a removed topic: as it last was, marked)."""

    id: int
    title: str
    created: int | None = None  # unix seconds
    closed: bool = False
    pinned: bool = False
    hidden: bool = False
    top_message: int | None = None  # the id of its newest message when last listed
    icon_color: int | None = None
    icon_emoji_id: int | None = None
    removed: bool = False  # Telegram no longer lists it
    versions: int = 1  # lines with its data


def _topic(key: str, data: dict[str, Any], removed: bool, versions: int) -> Topic | None:
    topic_id = _int(data.get("id"))
    if topic_id is None or topic_id == 0 or key != str(topic_id):
        return None
    title = data.get("title")
    return Topic(
        id=topic_id,
        title=title if isinstance(title, str) else "",
        created=_int(data.get("created")),
        closed=data.get("closed") is True,
        pinned=data.get("pinned") is True,
        hidden=data.get("hidden") is True,
        top_message=_int(data.get("top_message")),
        icon_color=_int(data.get("icon_color")),
        icon_emoji_id=_int(data.get("icon_emoji_id")),
        removed=removed,
        versions=versions,
    )


def read_topics(folder: Path) -> list[Topic]:
    """The chat's topics (every one ever listed, removed ones marked), in the order they
    were first seen; a version that is not a topic (a field of another type, a key that is
    not its id) is passed over. OSError when the file cannot be read."""
    found: list[Topic] = []
    for key, versions in read_topic_versions(folder).versions.items():
        kept = [v.data for v in versions if v.data is not None]
        if not kept:
            continue
        topic = _topic(key, kept[-1], versions[-1].data is None, len(kept))
        if topic is not None:
            found.append(topic)
    return found


def topic_of(record: dict[str, Any]) -> int | None:
    """The topic a saved message is in: its ``topic_id``, its own id for a topic's creation
    message, None for any other (in a forum: General, `GENERAL`)."""
    topic = record.get("topic_id")
    if type(topic) is int and 0 < topic <= MAX_ID:
        return topic
    if record.get("action") == TOPIC_CREATED:
        message = record.get("id")
        if type(message) is int and 0 < message <= MAX_ID:
            return message
    return None


def in_topic(record: dict[str, Any], topic: int) -> bool:
    """Whether a forum's saved message is in ``topic`` (General holds those with none)."""
    found = topic_of(record)
    return found == topic or (found is None and topic == GENERAL)


def answers_its_topic(record: dict[str, Any]) -> bool:
    """Whether a message's reply is only its place in a forum topic: Telegram marks every
    message of a topic as a reply to the topic's creation message (`reply_to_msg_id` is the
    topic's id), and shows no reply for it; a reply to another message of the topic names
    that message."""
    reply = record.get("reply_to_message_id")
    return (
        type(reply) is int
        and reply == record.get("topic_id")
        and not record.get("reply_to_peer_id")
    )


__all__ = [
    "GENERAL",
    "TOPICS",
    "Topic",
    "answers_its_topic",
    "in_topic",
    "read_topic_versions",
    "read_topics",
    "topic_of",
    "topics_path",
]
