"""One chat's messages newest first, as a lazy sequence of ids: what the history and search
methods page through, without a list of a big chat's ids ever being built."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import TYPE_CHECKING, overload

from telethon.tl import types

from tgtui.sandbox.world_types import Chat

if TYPE_CHECKING:
    from tgtui.sandbox.history import History


class DescendingHistory(Sequence[int]):
    """Message ids of one chat, newest first, computed on demand (no list is built): the
    messages added at run time, then the generated ones without those deleted."""

    def __init__(
        self, history: History, chat: Chat, extra: list[types.Message], deleted: list[int]
    ) -> None:
        self.history = history
        self.chat = chat
        self.extra = extra
        self.deleted = deleted  # generated ids deleted, ascending

    def __len__(self) -> int:
        return self.chat.count - len(self.deleted) + len(self.extra)

    @overload
    def __getitem__(self, j: int) -> int: ...
    @overload
    def __getitem__(self, j: slice) -> Sequence[int]: ...
    def __getitem__(self, j: int | slice) -> int | Sequence[int]:
        if isinstance(j, slice):
            return [self[x] for x in range(*j.indices(len(self)))]
        if j < 0:
            j += len(self)
        if not 0 <= j < len(self):
            raise IndexError(j)
        if j < len(self.extra):
            return int(self.extra[-1 - j].id)
        return self._generated_id(j - len(self.extra))

    def _generated_id(self, n: int) -> int:
        """The id of the n-th newest generated message still there (n from 0)."""
        top = self.chat.id_base + self.chat.count
        if not self.deleted:
            return top - n
        candidate = top - n  # the answer is at most this; step down past deleted ids
        while True:
            gone = len(self.deleted) - bisect_left(self.deleted, candidate)  # in [candidate, top]
            lower = top - n - gone
            if lower == candidate:
                return candidate
            candidate = lower

    def date_at(self, j: int) -> int:
        """Unix date of the j-th newest message."""
        if j < len(self.extra):
            return int(self.extra[-1 - j].date.timestamp())
        return self.history.date_of(self.chat, self[j] - self.chat.id_base)

    def message_at(self, j: int) -> types.TypeMessage:
        """The j-th newest message (as edited, if it was)."""
        if j < len(self.extra):
            extra = self.extra[-1 - j]
            return self.history.overlay.edited.get((self.chat.index, extra.id), extra)
        return self.history.message(self.chat, self[j] - self.chat.id_base)

    def first_below_id(self, msg_id: int) -> int:
        """Position of the newest message with id < msg_id."""
        return bisect_left(self, -msg_id + 1, key=lambda value: -value)

    def first_below_date(self, date: int) -> int:
        """Position of the newest message dated strictly before ``date``."""
        return bisect_left(range(len(self)), -date + 1, key=lambda j: -self.date_at(j))
