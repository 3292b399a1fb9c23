"""Forums of a generated world: which supergroups are forums, their topics, and which topic
each generated message is in (core.telegram.org/api/forum).

As on Telegram:

- a forum is a supergroup with ``channel.forum`` set; every forum has the "General" topic,
  id 1 (its first message, the channel's creation, starts it);
- every other topic's id is the id of the messageActionTopicCreate service message that
  created it; messageActionTopicEdit messages in it rename, close or (General only) hide it;
- a message in a topic other than General carries ``reply_to`` with ``forum_topic`` set:
  ``reply_to_msg_id`` is the topic's id, or, for a reply to another message of the topic, that
  message's id with ``reply_to_top_id`` the topic's id (/constructor/messageReplyHeader:
  "forum_topic: whether this message was sent in a forum topic (except for the General
  topic)"); the topic's creation message itself carries none;
- a message in General carries no ``forum_topic`` (a reply there is a plain reply).

Everything is drawn from the world's seed, in streams of its own (the messages' own streams
are not touched: a forum's messages say what they said as a plain supergroup's, with their
topic added and some of them topic service messages).
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.rng import mix, positive63, tag
from tgtui.sandbox.world_types import SELF_ID, Chat, Kind, ts

if TYPE_CHECKING:
    from tgtui.sandbox.dialog_layout import DialogLayout

GENERAL = 1  # the General topic's id, in every forum
GENERAL_TITLE = "General"
# The colours Telegram allows for a topic's fallback icon (/constructor/forumTopic).
ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
MIN_MESSAGES = 24  # a supergroup with fewer messages is not made a forum
GENERAL_SHARE = 0.3  # of a forum's messages, about this many are in General


@dataclass(frozen=True)
class Topic:
    """One topic of a forum, as generated (before anything done at run time)."""

    id: int
    title: str  # its title now (after a rename, the new one)
    first_title: str  # the title it was created with
    icon_color: int
    icon_emoji_id: int | None
    creator: int  # user id
    created: int  # k of the message that created it (1: General, the channel's creation)
    closed_at: int | None  # k of the edit that closed it
    renamed_at: int | None  # k of the edit that renamed it
    hidden_at: int | None  # k of the edit that hid it (General only)
    pinned: bool

    @property
    def closed(self) -> bool:
        """Whether the topic is closed (no messages can be sent to it)."""
        return self.closed_at is not None

    @property
    def hidden(self) -> bool:
        """Whether the topic is hidden (General only)."""
        return self.hidden_at is not None


def forum_indices(layout: DialogLayout) -> list[int]:
    """The dialogs that are forums: the first ``options.forums`` supergroups with enough
    messages for a few topics, in dialog order."""
    wanted = layout.options.forums
    found: list[int] = []
    for index in range(len(layout)):
        if len(found) >= wanted:
            break
        if Kind(layout.kinds[index]) is Kind.SUPERGROUP and layout.counts[index] >= MIN_MESSAGES:
            found.append(index)
    return found


class Forum:
    """One forum's topics and the topic of each generated message."""

    def __init__(self, chat: Chat, ordinal: int, seed: int, members: list[int], hostile: bool):
        self.chat = chat
        self.seed = seed
        count = chat.count
        rng = random.Random(mix(seed, tag("forum"), chat.index))
        wanted = min(6, max(2, count // 12))
        # Each topic is created by a message early in the history (never the newest: a
        # dialog's last message stays what it was), edits come after.
        creations = sorted(rng.sample(range(2, max(3, int(count * 0.6))), wanted))
        taken = set(creations)
        # The edits: the second-last topic closed, the first renamed, General hidden in every
        # second forum. Each on a free k after its topic's creation, before the newest.
        closing = creations[-2] if len(creations) >= 2 else None
        renaming = creations[0]

        def free_after(k: int) -> int | None:
            spots = [j for j in range(k + 1, count) if j not in taken]
            if not spots:
                return None
            pick = spots[len(spots) // 2 + rng.randrange(max(1, len(spots) // 3))]
            pick = min(pick, spots[-1])
            taken.add(pick)
            return pick

        closed_at = free_after(closing) if closing is not None else None
        renamed_at = free_after(renaming)
        hidden_at = free_after(1) if ordinal % 2 == 1 else None
        self.topics: dict[int, Topic] = {
            GENERAL: Topic(
                id=GENERAL,
                title=GENERAL_TITLE,
                first_title=GENERAL_TITLE,
                icon_color=ICON_COLORS[0],
                icon_emoji_id=None,
                creator=SELF_ID,
                created=1,
                closed_at=None,
                renamed_at=None,
                hidden_at=hidden_at,
                pinned=False,
            )
        }
        titles = rng.sample(names.TOPIC, len(creations) + 1)
        new_title = names.hostile(chat.index + len(creations)) if hostile else titles[-1]
        for j, k in enumerate(creations):
            title = names.hostile(chat.index + j) if hostile else titles[j]
            renamed = k == renaming and renamed_at is not None
            self.topics[k] = Topic(
                id=k,
                title=new_title if renamed else title,
                first_title=title,
                icon_color=rng.choice(ICON_COLORS),
                icon_emoji_id=positive63(seed, tag("emoji"), chat.index, k) if j % 2 else None,
                creator=SELF_ID if j % 3 == 0 or not members else rng.choice(members),
                created=k,
                closed_at=closed_at if k == closing else None,
                renamed_at=renamed_at if renamed else None,
                hidden_at=None,
                pinned=j == len(creations) - 1,  # the newest topic is pinned
            )
        self.services: dict[int, int] = {k: k for k in creations}  # k -> its topic
        for topic in self.topics.values():
            for at in (topic.closed_at, topic.renamed_at, topic.hidden_at):
                if at is not None:
                    self.services[at] = topic.id
        # The topic of each generated message (index k - 1), and each topic's ks, ascending.
        self.topic_of = array("I", bytes(4 * count))
        self.members: dict[int, list[int]] = {topic_id: [] for topic_id in self.topics}
        open_topics: list[int] = []
        for k in range(1, count + 1):
            topic_id = self.services.get(k)
            if topic_id is None:
                topic_id = GENERAL
                pick = random.Random(mix(seed, tag("topic-of"), chat.index, k))
                if open_topics and pick.random() >= GENERAL_SHARE:
                    topic_id = pick.choice(open_topics)
            self.topic_of[k - 1] = topic_id
            self.members[topic_id].append(k)
            if k in self.topics and k != GENERAL:
                open_topics.append(k)
            closed = self.topics.get(topic_id)
            if closed is not None and closed.closed_at == k:
                open_topics.remove(topic_id)

    def topic_at(self, k: int) -> int:
        """The topic of generated message ``k``."""
        return int(self.topic_of[k - 1])

    def service(self, k: int, date: int) -> types.MessageService | None:
        """Generated message ``k`` when it is a topic's creation or edit, else None."""
        topic_id = self.services.get(k)
        if topic_id is None:
            return None
        topic = self.topics[topic_id]
        action: Any
        creator = topic.creator
        if k == topic.created:
            action = types.MessageActionTopicCreate(
                title=topic.first_title,
                icon_color=topic.icon_color,
                icon_emoji_id=topic.icon_emoji_id,
            )
            reply_to = None  # the topic's first message: its id is the topic's
        else:
            if k == topic.closed_at:
                action = types.MessageActionTopicEdit(closed=True)
            elif k == topic.hidden_at:
                action = types.MessageActionTopicEdit(hidden=True)
            else:
                action = types.MessageActionTopicEdit(title=topic.title)
            creator = SELF_ID  # the account made the forum: it edits the topics
            reply_to = self._header(topic_id, None)
        return types.MessageService(
            id=self.chat.id_base + k,
            peer_id=self.chat.peer,
            date=ts(date),
            out=creator == SELF_ID or None,
            from_id=types.PeerUser(creator),
            reply_to=reply_to,
            action=action,
        )

    def reply_header(self, k: int) -> types.MessageReplyHeader | None:
        """The ``reply_to`` of generated message ``k`` (not a service message): its topic,
        and now and then a reply to an earlier message of the same topic."""
        topic_id = self.topic_at(k)
        members = self.members[topic_id]
        earlier = members[: bisect_left(members, k)]
        rng = random.Random(mix(self.seed, tag("topic-reply"), self.chat.index, k))
        target = None
        candidates = [j for j in earlier if j != topic_id and j not in self.services]
        if candidates and rng.random() < 0.1:
            target = self.chat.id_base + rng.choice(candidates)
        return self._header(topic_id, target)

    def _header(self, topic_id: int, target: int | None) -> types.MessageReplyHeader | None:
        if topic_id == GENERAL:
            return types.MessageReplyHeader(reply_to_msg_id=target) if target else None
        top = self.chat.id_base + topic_id
        if target is None:
            return types.MessageReplyHeader(forum_topic=True, reply_to_msg_id=top)
        return types.MessageReplyHeader(
            forum_topic=True, reply_to_msg_id=target, reply_to_top_id=top
        )


def topic_of_message(message: Any) -> int:
    """The topic a message is in, as a client reads it from its ``reply_to``: the topic it
    names with ``forum_topic``, General otherwise; a topic's creation message is its own."""
    if isinstance(getattr(message, "action", None), types.MessageActionTopicCreate):
        return int(message.id)
    reply = getattr(message, "reply_to", None)
    if isinstance(reply, types.MessageReplyHeader) and reply.forum_topic:
        return int(reply.reply_to_top_id or reply.reply_to_msg_id or GENERAL)
    return GENERAL
