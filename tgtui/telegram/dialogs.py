"""Dialogs, a page at a time: `DialogPager` pages messages.getDialogs by offset.

The first page answers with the server's total, so a list can say "100 of 1,000 chats" after
one request and page in the rest as the user scrolls.
"""

from __future__ import annotations

import datetime as dt
import enum
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


class DialogPager:
    """Pages of one folder's dialogs (0: main list, 1: archive), in the server's order."""

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
        self._offset_date: dt.datetime | None = None
        self._offset_id = 0
        self._offset_peer: Any = types.InputPeerEmpty()
        self._on_wait = on_wait
        self._policy = policy or Backoff(attempts=None)

    async def next_page(self) -> DialogPage:
        """The next page (empty and done at the end). FLOOD_WAIT is waited out and reported."""
        if self.done:
            return DialogPage([], self.total or self.loaded, True)
        request = functions.messages.GetDialogsRequest(
            offset_date=self._offset_date,
            offset_id=self._offset_id,
            offset_peer=self._offset_peer,
            limit=self.page_size,
            hash=0,
            folder_id=1 if self.archived else 0,
        )

        async def call() -> Any:
            return await self.client(request)

        answer = await retry(
            call, policy=self._policy, on_wait=self._on_wait, what="messages.getDialogs"
        )
        rows = self._rows(answer)
        complete = isinstance(answer, types.messages.Dialogs)
        count = getattr(answer, "count", None)
        if not complete and isinstance(count, int):
            self.total = count
        self.loaded += len(rows)
        if complete or not answer.dialogs or len(answer.dialogs) < self.page_size:
            self.done = True
        if complete or self.total is None:
            self.total = max(self.total or 0, self.loaded)
        if self.done:
            self.total = self.loaded
        return DialogPage(rows, self.total, self.done)

    def _rows(self, answer: Any) -> list[DialogRow]:
        entities: dict[int, Any] = {}
        for entity in [*answer.users, *answer.chats]:
            entities[utils.get_peer_id(entity)] = entity
        messages = {(utils.get_peer_id(m.peer_id), m.id): m for m in answer.messages}
        now = dt.datetime.now(dt.UTC)
        rows: list[DialogRow] = []
        last: tuple[Any, Any, Any] | None = None
        for dialog in answer.dialogs:
            if not isinstance(dialog, types.Dialog):
                continue  # folder entries
            peer_id = utils.get_peer_id(dialog.peer)
            entity = entities.get(peer_id)
            message = messages.get((peer_id, dialog.top_message))
            if entity is not None:
                last = (dialog, entity, message)
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
                    date=getattr(message, "date", None),
                    preview=summary(message),
                    username=getattr(entity, "username", None),
                    peer=_input_peer(entity),
                    is_self=bool(getattr(entity, "is_self", False)),
                )
            )
        if last is not None:
            dialog, entity, message = last
            self._offset_date = getattr(message, "date", None)
            self._offset_id = dialog.top_message
            self._offset_peer = utils.get_input_peer(entity)
        return rows
