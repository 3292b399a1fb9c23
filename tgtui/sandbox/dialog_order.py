"""The dialog list in Telegram's order, kept live: pinned dialogs first, then every dialog by
the date of its top message, newest first, so a dialog that gets a new message moves to the
top and one whose newest message is deleted moves down (core.telegram.org/api/offsets,
/method/messages.getDialogs: offset_date and offset_id are a top message's, offset_peer its
dialog's).

A generated world's dialogs are already in that order: index 0 is the most recently active
(its top message is the newest). Only the dialogs whose history changed at run time can be
anywhere else; they are kept apart, sorted by their top message as it is now, and merged
with the generated order a page at a time, so a page costs about ``limit`` steps and a world
that nothing changed costs nothing.

Ranks make the order total: (-date, -top message id, dialog index), ascending. Two top
messages of the same second are ordered by id, then by dialog, so a cursor (offset_date,
offset_id, offset_peer) names one place in the list and every dialog is either before it or
after it.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right, insort
from collections.abc import Iterator, Sequence

from tgtui.sandbox.history import History
from tgtui.sandbox.world import Chat, World

Rank = tuple[int, int, int]  # (-top date, -top message id, dialog index): the list's order
BEYOND = 1 << 62  # past every index (an empty offset_peer), or every date (no offset_date)


def cursor(offset_date: int, offset_id: int, peer_index: int | None) -> Rank:
    """The place a getDialogs offset names: dialogs of a greater rank come after it. A zero
    offset_date sets no date bound; without offset_peer the offset's own top message is
    not after it."""
    date = offset_date if offset_date > 0 else BEYOND
    return (-date, -offset_id, BEYOND if peer_index is None else peer_index)


class DialogOrder:
    """Where each dialog is in the list now (see the module's doc)."""

    def __init__(self, world: World, history: History) -> None:
        self.world = world
        self.history = history
        self._live: dict[int, Rank] = {}  # dialogs whose history changed: index -> rank now
        self._sorted: dict[int, list[Rank]] = {0: [], 1: []}  # their ranks, by folder

    def generated_rank(self, index: int) -> Rank:
        """A dialog's rank as generated (its top message is its k = count message)."""
        chat = self.world.chat(index)
        return (-chat.top_date, -chat.top_id, index)

    def touch(self, chat: Chat) -> None:
        """``chat``'s top message may have changed (a message came, or one was deleted)."""
        top = self.history.top_message(chat)
        new = (-int(top.date.timestamp()), -int(top.id), chat.index)
        old = self._live.get(chat.index)
        if old == new:
            return
        ranks = self._sorted[chat.folder]
        if old is not None:
            del ranks[bisect_right(ranks, old) - 1]
        insort(ranks, new)
        self._live[chat.index] = new

    def after(self, folder: int | None, start: Rank | None, limit: int) -> list[int]:
        """Indexes of up to ``limit`` unpinned dialogs of ``folder`` (None: every folder, the
        archive's pinned one in its place by date), in order, after ``start`` (None: from the
        top); the channels the account left are no longer its dialogs."""
        if limit <= 0:
            return []
        folders = (0, 1) if folder is None else (folder,)
        pinned = set(self.world.pinned[folder or 0]) | self.world.left  # channels left: gone
        streams = [self._generated(folder, start)]
        streams += [self._changed(self._sorted[f], start) for f in folders]
        chosen: list[int] = []
        for _, _, index in heapq.merge(*streams):
            if index not in pinned:
                chosen.append(index)
                if len(chosen) == limit:
                    break
        return chosen

    def _generated(self, folder: int | None, start: Rank | None) -> Iterator[Rank]:
        """Dialogs whose history never changed, in order, after ``start``."""
        base: Sequence[int] = range(len(self.world)) if folder is None else self.world.order[folder]
        at = 0 if start is None else bisect_right(base, start, key=self.generated_rank)
        live = self._live
        for j in range(at, len(base)):
            index = base[j]
            if index not in live:
                yield self.generated_rank(index)

    @staticmethod
    def _changed(ranks: list[Rank], start: Rank | None) -> Iterator[Rank]:
        """Dialogs whose history changed (of one folder), in order, after ``start``."""
        at = 0 if start is None else bisect_right(ranks, start)
        for j in range(at, len(ranks)):
            yield ranks[j]
