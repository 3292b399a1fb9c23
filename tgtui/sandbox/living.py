"""The world changing while clients watch: other people write, edit and delete, and every
change is an update in a box, as Telegram keeps them (core.telegram.org/api/updates):

- one box for the account, shared by private chats and basic groups (their message ids are
  account-wide too), and one box per channel or supergroup, each with its own pts;
- each change moves its box's pts by ``pts_count`` (1 for a new or edited message, the number
  of ids for a deletion) and is kept for `updates.getDifference` and
  `updates.getChannelDifference`, up to ``box_size`` updates per box: a client whose pts is
  older than what is kept gets the "too long" answer;
- each change is pushed to the account's connections that want updates.

`--activity RATE` runs `Living.run`: RATE changes a second, chosen by a seeded generator, so a
run with the same seed and the same number of changes makes the same changes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telethon.tl import types

from tgtui.sandbox import names
from tgtui.sandbox.dialog_order import DialogOrder
from tgtui.sandbox.rng import mix, tag
from tgtui.sandbox.world import SELF_ID, Chat, Kind, ts

if TYPE_CHECKING:
    from tgtui.sandbox.server import SandboxServer

BOX_SIZE = 100_000  # updates kept per box (Telegram: "usually latestPts - 100000")


@dataclass(frozen=True)
class Event:
    """One update in a box: what it announced, and the box's pts after it."""

    pts: int
    pts_count: int
    update: Any  # UpdateNewMessage, UpdateEditChannelMessage, UpdateDeleteMessages, ...


class Box:
    """An update box: its pts and the updates it still keeps."""

    def __init__(self, pts: int, size: int = BOX_SIZE) -> None:
        self.pts = pts
        self.size = size
        self.events: deque[Event] = deque()
        self.floor = pts  # a client at this pts or later can be given the difference

    def add(self, make: Callable[[int, int], Any], count: int = 1) -> Event:
        """Move pts by ``count`` and keep the update ``make(pts, count)`` builds."""
        self.pts += count
        event = Event(self.pts, count, make(self.pts, count))
        self.events.append(event)
        while self.events and self.events[0].pts <= self.pts - self.size:
            self.floor = self.events.popleft().pts
        return event

    def since(self, pts: int) -> list[Event] | None:
        """The updates after ``pts``, oldest first; None when some are no longer kept."""
        if pts < self.floor:
            return None
        return [event for event in self.events if event.pts > pts]


class Living:
    """The changing part of a sandbox's world (see the module's doc)."""

    def __init__(self, server: SandboxServer, *, box_size: int = BOX_SIZE) -> None:
        self.server = server
        self.box_size = box_size
        # Each message of the account's (private chats' and basic groups') history was one
        # update of its box: its pts starts where its highest message id is, as on Telegram.
        self.account = Box(max(1, server.world.shared_id_top), box_size)
        self.channels: dict[int, Box] = {}
        # The dialog list as it is now: a new message moves its dialog to the top.
        self.order = DialogOrder(server.world, server.history)
        self.changes = 0  # made by `act` so far
        self._pending: set[asyncio.Task[None]] = set()  # pushes on their way

    def box(self, chat: Chat) -> Box:
        """The update box ``chat`` belongs to."""
        if not chat.kind.is_channel:
            return self.account
        box = self.channels.get(chat.index)
        if box is None:
            # A channel's history so far was one update per message.
            box = self.channels[chat.index] = Box(chat.count + 1, self.box_size)
        return box

    # -- changes -------------------------------------------------------------------------

    def post(
        self,
        chat: Chat,
        text: str,
        *,
        from_id: Any = None,
        out: bool = False,
        entities: Any = None,
        media: Any = None,
    ) -> tuple[types.Message, Event]:
        """A new message in ``chat``, announced in its box."""
        history = self.server.history
        message = types.Message(
            id=history.next_id(chat),
            peer_id=chat.peer,
            date=ts(max(int(time.time()), history.top_date(chat) + 1)),
            message=text,
            out=out or None,
            from_id=from_id,
            entities=entities,
            media=media,
            post=(chat.kind is Kind.CHANNEL) or None,
        )
        channel = chat.kind.is_channel

        def make(pts: int, count: int) -> Any:
            if channel:
                return types.UpdateNewChannelMessage(message=message, pts=pts, pts_count=count)
            return types.UpdateNewMessage(message=message, pts=pts, pts_count=count)

        event = self.box(chat).add(make)
        history.add(chat, message, event.pts)
        self.order.touch(chat)
        return message, event

    def say(self, chat: Chat, text: str) -> types.Message:
        """A new message in ``chat`` from someone in it, pushed to the account's sessions."""
        sender = None if chat.kind is Kind.CHANNEL else self._sender(chat, random.Random(text))
        message, event = self.post(chat, text, from_id=sender)
        self._announce(chat, event)
        return message

    def edit(self, chat: Chat, msg_id: int, text: str, media: Any = None) -> types.Message | None:
        """Message ``msg_id`` of ``chat`` with new text (and new media, if given), pushed to
        the account's sessions (None if there is no such message)."""
        made = self.edit_event(chat, msg_id, text, media=media)
        if made is None:
            return None
        self._announce(chat, made[1])
        return made[0]

    def edit_event(
        self, chat: Chat, msg_id: int, text: str, entities: Any = None, media: Any = None
    ) -> tuple[types.Message, Event] | None:
        """Edit without pushing: the new version and its update (messages.editMessage)."""
        history = self.server.history
        old = history.by_id(chat, msg_id)
        if not isinstance(old, types.Message):
            return None
        when = ts(max(int(time.time()), int(old.date.timestamp()) + 1))
        edited = history.edit(chat, old, text, when, media)
        edited.entities = entities
        channel = chat.kind.is_channel

        def make(pts: int, count: int) -> Any:
            if channel:
                return types.UpdateEditChannelMessage(message=edited, pts=pts, pts_count=count)
            return types.UpdateEditMessage(message=edited, pts=pts, pts_count=count)

        return edited, self.box(chat).add(make)

    def delete(self, chat: Chat, ids: list[int]) -> list[int]:
        """Delete these messages of ``chat``, pushed to the account's sessions; the ids that
        existed (and are now gone)."""
        made = self.delete_event(chat, ids)
        if made is None:
            return []
        self._announce(chat, made[1])
        return made[0]

    def delete_event(self, chat: Chat, ids: list[int]) -> tuple[list[int], Event] | None:
        """Delete without pushing: the ids that were there and the update (None: none were)."""
        history = self.server.history
        gone = [i for i in ids if history.by_id(chat, i) is not None]
        if not gone:
            return None
        history.delete(chat, gone)
        self.order.touch(chat)  # its newest message may be gone: the dialog moves down
        bare = chat.bare_id

        def make(pts: int, count: int) -> Any:
            if chat.kind.is_channel:
                return types.UpdateDeleteChannelMessages(
                    channel_id=bare, messages=gone, pts=pts, pts_count=count
                )
            return types.UpdateDeleteMessages(messages=gone, pts=pts, pts_count=count)

        return gone, self.box(chat).add(make, len(gone))

    def _announce(self, chat: Chat, event: Event) -> None:
        """Push the update to the account's connections (fire and forget)."""
        push = self.server.push_event(chat, event)
        if push is not None:
            self._pending.add(push)
            push.add_done_callback(self._pending.discard)

    # -- activity --------------------------------------------------------------------------

    def act(self, rng: random.Random) -> str:
        """One change chosen by ``rng``: a new message (half the time), an edit or a deletion
        of an older message, in a chat picked with a lean to the most active ones."""
        world = self.server.world
        history = self.server.history
        self.changes += 1
        index = min(len(world) - 1, int(rng.random() ** 2 * len(world)))
        chat = world.chat(index)
        roll = rng.random()
        if roll < 0.5 or history.total(chat) < 3:
            sender = None if chat.kind is Kind.CHANNEL else self._sender(chat, rng)
            mine = world.is_saved(chat)  # kept from another of the account's devices
            _, event = self.post(chat, names.sentence(rng), from_id=sender, out=mine)
            self._announce(chat, event)
            return "new"
        view = history.view(chat)
        msg_id = view[rng.randrange(1, len(view))]  # never the newest: an older message
        if roll < 0.75:
            return "edit" if self.edit(chat, msg_id, names.sentence(rng)) else "none"
        return "delete" if self.delete(chat, [msg_id]) else "none"

    def _sender(self, chat: Chat, rng: random.Random) -> Any:
        if chat.kind in (Kind.USER, Kind.BOT):
            return types.PeerUser(chat.bare_id)
        members = self.server.world.members(chat)
        return types.PeerUser(rng.choice(members) if members else SELF_ID)

    async def run(self, rate: float, seed: int, limit: int | None = None) -> None:
        """Make ``rate`` changes a second (the same ones for the same seed) until cancelled,
        or until ``limit`` changes were made."""
        rng = random.Random(mix(seed, tag("activity")))
        interval = 1.0 / rate
        made = 0
        while limit is None or made < limit:
            await asyncio.sleep(interval)
            self.act(rng)
            made += 1
