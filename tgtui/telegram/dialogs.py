"""Dialogs, a page at a time: `DialogPager` pages messages.getDialogs by offset.

The first page answers with the server's total, so a list can say "100 of 1,000 chats" after
one request and page in the rest as the user scrolls.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telethon import TelegramClient, utils
from telethon.tl import functions, types

from tgtui.i18n import N_, _
from tgtui.retry import Backoff, Wait, retry

PAGE_SIZE = 100


class ChatKind(enum.Enum):
    """What a dialog is."""

    USER = "user"
    BOT = "bot"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


@dataclass(frozen=True)
class DialogRow:
    """One dialog as the browser shows it."""

    peer_id: int  # Telethon's marked id (negative for chats and channels)
    name: str
    kind: ChatKind
    unread: int
    muted: bool
    pinned: bool
    archived: bool
    date: dt.datetime | None
    preview: str
    username: str | None = None
    # How to address the chat in requests (an InputPeer; None when Telegram sent no entity).
    # Rows keep only this, not the whole User/Chat/Channel: 100,000 rows stay small.
    peer: Any = field(default=None, repr=False, compare=False)
    is_self: bool = False  # the account's own chat (Saved Messages)
    # A channel's pts when it was listed (every change in a channel raises it), and when that
    # was (time.monotonic()): a backup that saved this pts knows the channel had nothing new.
    pts: int | None = field(default=None, compare=False)
    listed: float = field(default=0.0, repr=False, compare=False)
    forum: bool = False  # a supergroup with forum topics (core.telegram.org/api/forum)


def _kind(entity: Any) -> ChatKind:
    if isinstance(entity, types.User):
        return ChatKind.BOT if entity.bot else ChatKind.USER
    if isinstance(entity, types.Channel | types.ChannelForbidden):
        return ChatKind.SUPERGROUP if getattr(entity, "megagroup", False) else ChatKind.CHANNEL
    return ChatKind.GROUP


def _input_peer(entity: Any) -> Any:
    """How requests address this chat; None if Telegram gave nothing to address it by."""
    if entity is None:
        return None
    try:
        return utils.get_input_peer(entity)
    except TypeError:  # an entity Telethon cannot address (e.g. an empty user)
        return None


SAVED_MESSAGES = N_("Saved Messages")  # the account's chat with itself, named as Telegram's apps do


def _name(entity: Any) -> str:
    if isinstance(entity, types.User) and entity.is_self:
        return _(SAVED_MESSAGES)
    if isinstance(entity, types.User) and entity.deleted:
        return _("Deleted Account")
    name = utils.get_display_name(entity).strip() if entity is not None else ""
    return " ".join(name.split()) or _("(no name)")


# A media message's tag in a one-line summary ("[photo] text"), by Telethon's media type.
MEDIA_TAGS = {
    "photo": N_("photo"),
    "document": N_("document"),
    "poll": N_("poll"),
    "geo": N_("location"),
    "geolive": N_("live location"),
    "venue": N_("place"),
    "contact": N_("contact"),
    "webpage": N_("link"),
    "dice": N_("dice"),
    "game": N_("game"),
    "invoice": N_("invoice"),
    "story": N_("story"),
}


def summary(message: Any) -> str:
    """A message on one line: its text, "[photo] text" for media, "[ChatEditTitle]" for
    service actions ("" for none)."""
    if message is None:
        return ""
    if isinstance(message, types.MessageService):
        return "[" + type(message.action).__name__.removeprefix("MessageAction") + "]"
    text = " ".join((getattr(message, "message", "") or "").split())
    media = getattr(message, "media", None)
    if media is not None and not isinstance(media, types.MessageMediaEmpty):
        kind = type(media).__name__.removeprefix("MessageMedia").lower()
        label = _(MEDIA_TAGS[kind]) if kind in MEDIA_TAGS else kind
        return f"[{label}] {text}".strip()
    return text


def _muted(settings: Any, now: dt.datetime) -> bool:
    until = getattr(settings, "mute_until", None)
    if isinstance(until, dt.datetime):
        return until > now
    return bool(getattr(settings, "silent", False))


@dataclass
class DialogPage:
    """Rows of one page, and the server's total for the folder."""

    rows: list[DialogRow]
    total: int
    done: bool


# A re-read from the top goes this far (seconds) below the newest top message the read
# before it began with: the clocks of Telegram's data centres may differ a little.
CLOCK_SLACK = 60
# The list is read again from the top while dialogs are missing and the read before saw the
# list move (a dialog found, or one with a newer top message), at most this many reads in
# all: under steady activity each re-read misses fewer; a still list ends it.
READS = 8


@dataclass(frozen=True, eq=False)
class _Cursor:
    """Where a page ended: its last dialog's top message (date and id) and the dialog."""

    date: dt.datetime
    msg_id: int
    peer: Any  # the InputPeer of offset_peer
    peer_id: int

    def below(self, other: _Cursor | None) -> bool:
        """Whether this cursor is further down the list than ``other`` (None: the top)."""
        return other is None or self.date < other.date

    def same(self, other: _Cursor | None) -> bool:
        """Whether ``other`` is this very place (the same request would be sent)."""
        place = (self.date, self.msg_id, self.peer_id)
        return other is not None and place == (other.date, other.msg_id, other.peer_id)


class DialogPager:
    """Pages of one folder's dialogs (0: main list, 1: archive), in Telegram's order.

    Telegram lists dialogs by the date of their top message, newest first, and pages them
    by a cursor: the top message (offset_date, offset_id) and dialog (offset_peer) a page
    ended with (core.telegram.org/api/offsets, /method/messages.getDialogs). A dialog that
    gets a new message while the list is read jumps to the top, above the cursor, where a
    read by cursor never looks again; so when a read ends short of the count Telegram gave,
    the list is read again from the top, down to where the dialogs are older than the newest
    one the read before began with (none of those moved since), for as long as some are
    missing and the list moved (at most `READS` reads in all). Each dialog is given
    once (by peer).

    A read ends when Telegram has nothing more: an empty page, a short one once the count
    is reached, or a page that brings no new dialog and does not move the cursor down (then
    asking again would bring the same answer: a request is never sent twice in a row).
    """

    def __init__(
        self,
        client: TelegramClient,
        *,
        archived: bool = False,
        page_size: int = PAGE_SIZE,
        on_wait: Callable[[Wait], None] | None = None,
        policy: Backoff | None = None,
    ) -> None:
        self.client = client
        self.archived = archived
        self.page_size = page_size
        self.total: int | None = None
        self.done = False
        self.loaded = 0
        self._seen: set[int] = set()
        self._cursor: _Cursor | None = None  # where the next page starts (None: the top)
        self._past_pins = False  # from the top, without the pinned ones (a page held only them)
        self._read = 1  # which read of the list this is
        self._newest: dt.datetime | None = None  # the newest unpinned top message this read
        self._floor: dt.datetime | None = None  # a re-read ends below this
        self._tops: dict[int, int] = {}  # each dialog's top message when last seen
        self._moved = False  # this read found a dialog, or one with a newer top message
        self._on_wait = on_wait
        self._policy = policy or Backoff(attempts=None)

    @property
    def reads(self) -> int:
        """How many times the list was read (from the top) so far: 1, then 2 once a read
        from the top again began."""
        return self._read

    async def next_page(self) -> DialogPage:
        """The next page (empty and done at the end; empty and not done while a re-read
        passes dialogs already given). FLOOD_WAIT is waited out and reported."""
        if self.done:
            return DialogPage([], self.total or self.loaded, True)
        cursor = self._cursor
        request = functions.messages.GetDialogsRequest(
            offset_date=cursor.date if cursor else None,
            offset_id=cursor.msg_id if cursor else 0,
            offset_peer=cursor.peer if cursor else types.InputPeerEmpty(),
            limit=self.page_size,
            hash=0,
            # Pinned dialogs are at the top only (they are left out after the first page).
            exclude_pinned=cursor is not None or self._past_pins or None,
            folder_id=1 if self.archived else 0,
        )

        async def call() -> Any:
            return await self.client(request)

        answer = await retry(
            call, policy=self._policy, on_wait=self._on_wait, what="messages.getDialogs"
        )
        rows, end = self._rows(answer)
        pins_only = end is None and any(getattr(d, "pinned", False) for d in answer.dialogs)
        self.loaded += len(rows)
        if isinstance(answer, types.messages.Dialogs):  # the whole list in one answer
            self._finish()
        else:
            count = getattr(answer, "count", None)
            self.total = max(count if isinstance(count, int) else 0, self.loaded)
            if pins_only and cursor is None and not self._past_pins:
                self._past_pins = True  # a page of pinned dialogs: the others come after
            else:
                self._next(answer, bool(rows), end)
        return DialogPage(rows, self.total or self.loaded, self.done)

    def _next(self, answer: Any, new: bool, end: _Cursor | None) -> None:
        """Where the next page starts, after a page that brought ``new`` dialogs (or none)
        and ended at ``end``; or the end of the list."""
        got_all = len(self._seen) >= (self.total or 0)
        short = len(answer.dialogs) < self.page_size
        stuck = end is None or not (end.below(self._cursor) or (new and not end.same(self._cursor)))
        below_floor = self._floor is not None and end is not None and end.date < self._floor
        if not (stuck or below_floor or (short and got_all) or (self._read > 1 and got_all)):
            self._cursor = end
            return
        # This read is over: read again from the top if dialogs moved past the cursor.
        if got_all or self._read >= READS or self._newest is None or self._cursor is None:
            self._finish()  # (a read of one page: from the top again is the same request)
            return
        if self._read > 1 and not self._moved:
            # Nothing moved since the read before: what is still missing is gone (or the
            # count was wrong), and reading again would bring the same.
            self._finish()
            return
        self._read += 1
        self._moved = False
        self._floor = self._newest - dt.timedelta(seconds=CLOCK_SLACK)
        self._newest = None
        self._cursor = None
        self._past_pins = False

    def _finish(self) -> None:
        self.done = True
        self.total = self.loaded

    def _rows(self, answer: Any) -> tuple[list[DialogRow], _Cursor | None]:
        """The page's dialogs not given before, and where the page ended."""
        entities: dict[int, Any] = {}
        for entity in [*answer.users, *answer.chats]:
            entities[utils.get_peer_id(entity)] = entity
        messages = {(utils.get_peer_id(m.peer_id), m.id): m for m in answer.messages}
        now = dt.datetime.now(dt.UTC)
        listed = time.monotonic()
        rows: list[DialogRow] = []
        end: _Cursor | None = None
        for dialog in answer.dialogs:
            if not isinstance(dialog, types.Dialog):
                continue  # folder entries
            peer_id = utils.get_peer_id(dialog.peer)
            if self._tops.get(peer_id) != dialog.top_message:
                self._tops[peer_id] = dialog.top_message
                self._moved = True
            entity = entities.get(peer_id)
            message = messages.get((peer_id, dialog.top_message))
            date = getattr(message, "date", None)
            peer = _input_peer(entity)
            if isinstance(date, dt.datetime) and peer is not None and not dialog.pinned:
                # Pinned dialogs are out of the date order: the next page starts after the
                # last of the others.
                end = _Cursor(date, dialog.top_message, peer, peer_id)
                if self._newest is None or date > self._newest:
                    self._newest = date
            if peer_id in self._seen:
                continue
            self._seen.add(peer_id)
            rows.append(
                DialogRow(
                    peer_id=peer_id,
                    name=_name(entity),
                    kind=_kind(entity),
                    unread=dialog.unread_count,
                    muted=_muted(dialog.notify_settings, now),
                    pinned=bool(dialog.pinned),
                    archived=self.archived,
                    date=date,
                    preview=summary(message),
                    username=getattr(entity, "username", None),
                    peer=peer,
                    is_self=bool(getattr(entity, "is_self", False)),
                    pts=getattr(dialog, "pts", None),
                    listed=listed,
                    forum=bool(getattr(entity, "forum", False)),
                )
            )
        return rows, end
