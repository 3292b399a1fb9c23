"""Which dialogs a generated world has, and where: each one's kind, message count, place
in the account-wide id space, folder and pin; finding a dialog by its peer, a shared
message id or a username.

Everything is derived from the seed on demand; only small per-dialog arrays are kept, so a
world of 100,000 dialogs costs a few megabytes. `tgtui.sandbox.world.World` builds on it with
the people, groups and channels a client is shown.
"""

from __future__ import annotations

import bisect
from array import array
from functools import cached_property, lru_cache

from tgtui.sandbox.rng import positive63, tag, unit
from tgtui.sandbox.world_types import (
    CHANNEL_BASE,
    CHAT_BASE,
    DIALOG_USER_BASE,
    SAVED_FROM,
    SELF_ID,
    SELF_USERNAME,
    Chat,
    Kind,
    WorldOptions,
)


class DialogLayout:
    """The dialogs of one seed's world, as numbers. Cheap to query."""

    def __init__(self, options: WorldOptions) -> None:
        self.options = options
        n = options.dialogs
        seed = options.seed
        self.kinds = bytearray(n)
        self.counts = array("I", bytes(4 * n))
        self.bases = array("q", bytes(8 * n))
        self.folders = bytearray(n)
        next_shared_id = 0
        self._shared_index: list[int] = []  # users and basic groups, by index
        self._shared_bases: list[int] = []  # their id_base, ascending
        for i in range(n):
            kind = self._pick_kind(i)
            self.kinds[i] = kind
            count = self._pick_count(i)
            self.counts[i] = count
            if not kind.is_channel:
                self.bases[i] = next_shared_id
                self._shared_index.append(i)
                self._shared_bases.append(next_shared_id)
                next_shared_id += count
            self.folders[i] = 1 if i >= 6 and unit(seed, tag("archive"), i) < 0.08 else 0
        self.shared_id_top = next_shared_id
        self.saved_index: int | None = next(
            (
                i
                for i in range(SAVED_FROM, n)
                if self.kinds[i] == Kind.USER and not self._deleted_index(i)
            ),
            None,
        )
        # Each folder's dialogs as generated, newest top message first (index order): the
        # list getDialogs starts from; `tgtui.sandbox.dialog_order` keeps it live.
        self.order: dict[int, list[int]] = {0: [], 1: []}
        for i in range(n):
            self.order[self.folders[i]].append(i)
        self.pinned: dict[int, list[int]] = {
            0: self.order[0][:3],
            1: self.order[1][:1],
        }

    # -- generation rules -------------------------------------------------------------------

    def _pick_kind(self, i: int) -> Kind:
        if i == 0:  # the biggest chat: a lively group
            return Kind.SUPERGROUP if self.options.biggest_is_supergroup else Kind.GROUP
        r = unit(self.options.seed, tag("kind"), i)
        if r < 0.50:
            return Kind.USER
        if r < 0.56:
            return Kind.BOT
        if r < 0.72:
            return Kind.GROUP
        if r < 0.86:
            return Kind.SUPERGROUP
        return Kind.CHANNEL

    def _pick_count(self, i: int) -> int:
        biggest = self.options.messages
        if i == 0:
            return biggest
        jitter = 0.5 + unit(self.options.seed, tag("count"), i)
        return max(1, min(biggest, int(biggest / (1 + i) ** 0.85 * jitter)))

    # -- chats -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.options.dialogs

    @lru_cache(maxsize=65_536)  # noqa: B019 - the world lives as long as the server
    def chat(self, index: int) -> Chat:
        """The dialog at ``index`` (0 = the most recently active)."""
        seed = self.options.seed
        kind = Kind(self.kinds[index])
        folder = self.folders[index]
        pins = self.pinned[folder]
        count = self.counts[index]
        base = {
            Kind.USER: DIALOG_USER_BASE,
            Kind.BOT: DIALOG_USER_BASE,
            Kind.GROUP: CHAT_BASE,
            Kind.SUPERGROUP: CHANNEL_BASE,
            Kind.CHANNEL: CHANNEL_BASE,
        }[kind]
        saved = index == self.saved_index  # the account's own chat: read, not muted
        return Chat(
            index=index,
            kind=kind,
            bare_id=SELF_ID if saved else base + index,
            access_hash=self.self_hash if saved else positive63(seed, tag("hash"), kind, index),
            count=count,
            id_base=self.bases[index],
            top_date=self.options.epoch - 97 * index,
            folder=folder,
            pinned_rank=pins.index(index) if index in pins else None,
            muted=not saved and unit(seed, tag("muted"), index) < 0.2,
            unread=self._unread(index),
        )

    def _unread(self, index: int) -> int:
        """How many of a dialog's messages are unread (none in Saved Messages)."""
        seed = self.options.seed
        if index == self.saved_index or unit(seed, tag("unread"), index) >= 0.3:
            return 0
        return min(self.counts[index], 1 + int(unit(seed, tag("unread-n"), index) * 40))

    @cached_property
    def unread_total(self) -> int:
        """Unread messages in every dialog together: the sum of the dialogs' unread counts,
        as updates.state's ``unread_count`` gives it."""
        return sum(self._unread(i) for i in range(len(self)))

    @property
    def self_hash(self) -> int:
        """The account's own access hash (of its user, and of Saved Messages)."""
        return positive63(self.options.seed, tag("self"))

    def saved(self) -> Chat | None:
        """Saved Messages, the account's chat with itself (None in a world too small)."""
        return None if self.saved_index is None else self.chat(self.saved_index)

    @staticmethod
    def is_saved(chat: Chat) -> bool:
        """Whether ``chat`` is Saved Messages."""
        return chat.bare_id == SELF_ID and chat.kind is Kind.USER

    def find(self, kind_group: str, bare_id: int) -> Chat | None:
        """The dialog whose peer is ``kind_group`` ("user", "chat" or "channel") ``bare_id``."""
        ok_kinds: tuple[Kind, ...]
        if kind_group == "user":
            if bare_id == SELF_ID:
                return self.saved()
            index = bare_id - DIALOG_USER_BASE
            if index == self.saved_index:
                return None  # that dialog is Saved Messages: no other user behind it
            ok_kinds = (Kind.USER, Kind.BOT)
        elif kind_group == "chat":
            index = bare_id - CHAT_BASE
            ok_kinds = (Kind.GROUP,)
        else:
            index = bare_id - CHANNEL_BASE
            ok_kinds = (Kind.SUPERGROUP, Kind.CHANNEL)
        if 0 <= index < len(self) and Kind(self.kinds[index]) in ok_kinds:
            return self.chat(index)
        return None

    def find_by_shared_id(self, msg_id: int) -> Chat | None:
        """The user or basic-group dialog holding shared-space message ``msg_id``."""
        pos = bisect.bisect_left(self._shared_bases, msg_id) - 1
        if pos < 0:
            return None
        chat = self.chat(self._shared_index[pos])
        return chat if chat.id_base < msg_id <= chat.top_id else None

    def username(self, chat: Chat) -> str | None:
        """Public username, for some users, bots and channels."""
        if self.is_saved(chat):
            return SELF_USERNAME
        if chat.kind is Kind.BOT:
            return f"sandbox{chat.index}_bot"
        if chat.kind is Kind.CHANNEL or (
            chat.kind is Kind.USER and unit(self.options.seed, tag("uname"), chat.index) < 0.4
        ):
            return f"sandbox_{chat.kind.name.lower()}{chat.index}"
        return None

    def find_username(self, username: str) -> Chat | None:
        """Resolve a public username to its dialog."""
        name = username.lower().lstrip("@")
        for prefix, kinds in (("sandbox_user", (Kind.USER,)), ("sandbox_channel", (Kind.CHANNEL,))):
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                index = int(name[len(prefix) :])
                if index < len(self) and Kind(self.kinds[index]) in kinds:
                    chat = self.chat(index)
                    return chat if self.username(chat) == name else None
        if name.startswith("sandbox") and name.endswith("_bot") and name[7:-4].isdigit():
            index = int(name[7:-4])
            if index < len(self) and Kind(self.kinds[index]) is Kind.BOT:
                return self.chat(index)
        return None

    def is_deleted(self, chat: Chat) -> bool:
        """Whether a private dialog's user is a deleted account (a few are)."""
        return (
            chat.kind is Kind.USER
            and chat.index != self.saved_index
            and self._deleted_index(chat.index)
        )

    @staticmethod
    def _deleted_index(index: int) -> bool:
        return index % 97 == 41
