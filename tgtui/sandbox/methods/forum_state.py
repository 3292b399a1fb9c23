"""A forum's topics as they are now (`tgtui.sandbox.forums` plus what changed at run time):
each topic's messages, its newest one, its read state, and the forumTopic a client is given."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

from telethon.tl import types

from tgtui.sandbox.forums import Forum, Topic, topic_of_message
from tgtui.sandbox.world import SELF_ID, Chat, ts

if TYPE_CHECKING:
    from tgtui.sandbox.history import History
    from tgtui.sandbox.server import SandboxServer


def topic_ids(history: History, chat: Chat, forum: Forum) -> dict[int, list[int]]:
    """Each topic's message ids now, ascending: the generated ones not deleted, and those
    sent at run time (their topic read from their ``reply_to``, as a client reads it)."""
    deleted = set(history.overlay.deleted.get(chat.index, ()))
    ids = {
        topic_id: [chat.id_base + k for k in ks if chat.id_base + k not in deleted]
        for topic_id, ks in forum.members.items()
    }
    for message in history.overlay.messages.get(chat.index, []):
        found = ids.get(topic_of_message(message))
        if found is not None:
            found.append(int(message.id))
    return ids


@dataclass(frozen=True)
class TopicNow:
    """One topic as it is now: its messages (ascending ids) and its newest one's date."""

    topic: Topic
    ids: list[int]
    top_id: int
    top_date: int


def topics_now(server: SandboxServer, chat: Chat, forum: Forum) -> dict[int, TopicNow]:
    """Every topic of ``forum`` as it is now, by id."""
    history = server.history
    found: dict[int, TopicNow] = {}
    for topic_id, ids in topic_ids(history, chat, forum).items():
        top_id = ids[-1] if ids else chat.id_base + topic_id
        message = history.by_id(chat, top_id)
        date = (
            int(message.date.timestamp())
            if message is not None and message.date
            else history.date_of(chat, forum.topics[topic_id].created)
        )
        found[topic_id] = TopicNow(forum.topics[topic_id], ids, top_id, date)
    return found


def forum_topic(server: SandboxServer, chat: Chat, now: TopicNow) -> types.ForumTopic:
    """The forumTopic of a topic (core.telegram.org/constructor/forumTopic): ``top_message``
    its newest message; read up to where the whole chat is read (its dialog's
    ``read_inbox_max_id``), the rest of its messages unread."""
    topic = now.topic
    chat_top = server.history.top_message(chat)
    read_max = max(0, chat_top.id - chat.unread)
    read = [i for i in now.ids if i <= read_max]
    return types.ForumTopic(
        id=topic.id,
        date=ts(server.history.date_of(chat, topic.created)),
        peer=chat.peer,
        title=topic.title,
        icon_color=topic.icon_color,
        icon_emoji_id=topic.icon_emoji_id,
        top_message=now.top_id,
        read_inbox_max_id=read[-1] if read else 0,
        read_outbox_max_id=now.top_id,
        unread_count=len(now.ids) - len(read),
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        from_id=types.PeerUser(topic.creator),
        notify_settings=server.world.notify_settings(chat),
        my=topic.creator == SELF_ID or None,
        closed=topic.closed or None,
        pinned=topic.pinned or None,
        hidden=topic.hidden or None,
    )


class TopicView(Sequence[int]):
    """One topic's message ids newest first, paged as a chat's history is
    (`tgtui.sandbox.methods.history`): by id, by date, by position."""

    def __init__(self, history: History, chat: Chat, ascending: list[int]) -> None:
        self.history = history
        self.chat = chat
        self.ids = ascending[::-1]

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, j: int) -> int: ...
    @overload
    def __getitem__(self, j: slice) -> Sequence[int]: ...
    def __getitem__(self, j: int | slice) -> int | Sequence[int]:
        return self.ids[j]

    def message_at(self, j: int) -> types.TypeMessage:
        """The j-th newest message of the topic."""
        message = self.history.by_id(self.chat, self.ids[j])
        if message is None:  # listed a moment ago: gone since
            return types.MessageEmpty(id=self.ids[j], peer_id=self.chat.peer)
        return message

    def date_at(self, j: int) -> int:
        """Unix date of the j-th newest message."""
        k = self.ids[j] - self.chat.id_base
        if 1 <= k <= self.chat.count:
            return self.history.date_of(self.chat, k)
        message = self.message_at(j)
        date = getattr(message, "date", None)
        return int(date.timestamp()) if date is not None else 0

    def first_below_id(self, msg_id: int) -> int:
        """Position of the newest message with id < msg_id."""
        return bisect_left(self.ids, -msg_id + 1, key=lambda value: -value)

    def first_below_date(self, date: int) -> int:
        """Position of the newest message dated strictly before ``date``."""
        return bisect_left(range(len(self)), -date + 1, key=lambda j: -self.date_at(j))
