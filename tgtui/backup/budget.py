"""One budget of requests in flight for a whole backup run, across its chats and windows.

Chats and the id windows inside a big chat (`tgtui.backup.windows`) all ask this budget for a
slot before a history request goes out, so the run keeps at most ``limit`` requests in flight
however its work is split; the shared flood gate (`tgtui.retry.FloodGate`) still decides when
each may be sent, and on a real account its learned pace, not this budget, sets the speed.

The limit adapts, as a TCP sender's window does:

- It starts at ``start`` (4, what four chats with one request each kept in flight before).
- While no flood limit is known for history requests, it stays there for the first ``probe``
  history answers of the run. The requests in flight when an unknown limit is first reached all meet
  FLOOD_WAIT, so a run that first grew would meet more of them; a limit met within the probe
  is met with ``start`` in flight, and from then on the gate paces the calls. With a pace
  learned by an earlier run (``flood-limits.json``), or inside a takeout session (whose limits
  Telegram relaxes for exports), there is nothing to probe for. The probe is about history
  requests: others (a channel's difference, one per channel, which an incremental run with
  nothing new is made of) are not held back by it and go up to ``most`` at once; their
  answers do not count as the probe's. A FLOOD_WAIT on any of them ends the probe (below).
- Then, while answers come back about as fast as the fastest one seen (the round trip with no
  queue behind it), it grows by one per answer (doubling every round trip) up to ``most``.
- The first slow answer (a queue building up, at Telegram or on the way) ends the doubling
  and takes one slot back; after that it grows by one per round trip's worth of fast answers.
- A FLOOD_WAIT halves it and ends the growth: from then on the gate's pace sets the speed.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

START = 4  # requests in flight at first
# Answers before growing while no flood limit is known: Telethon's iter_messages sends up to
# 30 history requests (3,000 messages) without pausing, and documents the limit as "around 30
# seconds per 10 requests".
PROBE = 30
# An answer is slow past twice the fastest one, or the fastest plus this, whichever is later
# (a network's jitter is not a queue).
SLOW_MARGIN = 0.25


class Budget:
    """At most ``limit`` requests in flight, handed out first come, first served."""

    def __init__(
        self, most: int, *, start: int = START, probe: int = PROBE, known_limit: bool = False
    ) -> None:
        """``known_limit``: a flood limit is known already (a learned pace), or Telegram
        relaxes them (takeout), so the run need not probe before growing."""
        self.most = max(1, most)
        self.limit = min(self.most, max(1, start))
        self.peak = 0  # the most requests that were in flight at once
        self.answers = 0
        self._probe = 0 if known_limit else max(0, probe)
        self._halved_at = -1  # answers seen at the last halving
        self._busy = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._fastest = math.inf
        self._doubling = True
        self._credit = 0

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self._busy

    def share(self, takers: int, taken: int = 0) -> int:
        """Slots for each of ``takers`` when ``taken`` slots are others' (chats reading one
        page at a time): what one chat may keep going for itself, at least one."""
        return max(1, (self.limit - taken) // max(1, takers))

    @asynccontextmanager
    async def slot(self, *, probed: bool = True) -> AsyncIterator[None]:
        """Hold one slot while the block runs (wait for one first). A request the probe is
        not about (``probed`` False) may take one up to ``most`` while the probe lasts."""
        await self._acquire(probed)
        try:
            yield
        finally:
            self._busy -= 1
            self._wake()

    def answered(self, seconds: float, *, probed: bool = True) -> None:
        """A request was answered after ``seconds``: grow while answers stay fast."""
        self._fastest = min(self._fastest, seconds)
        if self._probe > 0 and not probed:
            return  # not what the probe waits for, and no reason to grow before it ends
        self.answers += 1
        if self._probe > 0:
            self._probe -= 1
            return
        if seconds > max(2 * self._fastest, self._fastest + SLOW_MARGIN):
            if self._doubling:
                self._doubling = False
                self.limit = max(1, self.limit - 1)
            return
        if self.limit >= self.most:
            return
        if self._doubling:
            self.limit += 1
        else:
            self._credit += 1
            if self._credit >= self.limit:  # a round trip's worth of fast answers
                self._credit = 0
                self.limit += 1
        self._wake()

    def flooded(self) -> None:
        """A FLOOD_WAIT: halve the limit (once for the requests that met it together) and
        grow no more: the gate paces the calls from now on."""
        self._probe = 0
        self._doubling = False
        if self._halved_at != self.answers:
            self._halved_at = self.answers
            self.most = self.limit = max(1, self.limit // 2)

    async def _acquire(self, probed: bool = True) -> None:
        room = self.limit if probed or self._probe == 0 else self.most
        if self._busy < room and (not self._waiting or not probed):
            self._take()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._busy -= 1  # woken, then cancelled: the slot goes to the next
                self._wake()
            elif waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    def _take(self) -> None:
        self._busy += 1
        self.peak = max(self.peak, self._busy)

    def _wake(self) -> None:
        while self._waiting and self._busy < self.limit:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)
