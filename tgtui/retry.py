"""The retry policy shared by every network call.

Transient faults (connection lost, timeouts, Telegram's internal errors) are retried with
exponential backoff and full jitter, a bounded number of times. FLOOD_WAIT is honoured for
exactly the seconds Telegram asks (Telethon's own silent sleep is off: the client is built
with ``flood_sleep_threshold=0``), or handed back to the caller when it wants to show the wait
and let the user retry. Every wait is reported through ``on_wait`` so a UI can count down.
Permanent errors are never retried.
"""

from __future__ import annotations

import asyncio
import errno
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal, TypeVar

from loguru import logger
from telethon import errors

T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    ConnectionError,
    OSError,  # connection refused / unreachable network
    asyncio.TimeoutError,
    errors.ServerError,  # 500 INTERNAL and friends
    errors.RpcCallFailError,
    errors.TimedOutError,
)

FLOOD: tuple[type[BaseException], ...] = (errors.FloodWaitError, errors.FloodPremiumWaitError)

# What a network that went away raises (not a disk's error, not a server's answer).
_NETWORK_ERRNOS = frozenset(
    {
        errno.ENETDOWN,
        errno.ENETUNREACH,
        errno.ENETRESET,
        errno.EHOSTDOWN,
        errno.EHOSTUNREACH,
        errno.ETIMEDOUT,
    }
)


def link_lost(error: BaseException) -> bool:
    """Whether ``error`` says the link to Telegram is gone (a dropped or refused connection,
    an unreachable network), rather than something about the request itself."""
    if isinstance(error, ConnectionError):  # reset, refused, aborted, Telethon's own
        return True
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


@dataclass(frozen=True)
class Wait:
    """A pause before the next attempt, reported so it can be shown."""

    seconds: float
    kind: Literal["flood", "transient"]
    error: BaseException
    attempt: int  # 1 for the first retry


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base: float = 1.0
    cap: float = 30.0
    attempts: int | None = 6  # retries of transient faults; None retries for ever
    honour_flood: bool = True  # False: FLOOD_WAIT goes back to the caller at once
    # False: a retry that found the network away spends no attempt (``reconnect`` failed
    # before it, and it failed as a lost link: `link_lost`): the call waits out an outage
    # as long as it lasts, as a chat's history does, while what Telegram answers (500
    # INTERNAL, timeouts) and a link that fails with the client connected still count.
    outage_counts: bool = True

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return (rng or random).uniform(0, ceiling) if ceiling > 0 else 0.0


def flood_seconds(error: BaseException) -> int:
    """The seconds a FLOOD_WAIT asks for."""
    return int(getattr(error, "seconds", 0))


@dataclass(frozen=True)
class Pace:
    """A flood limit as learned: at most ``count`` calls of a method per ``seconds``."""

    count: int
    seconds: float


PACE_MARGIN = 0.9  # of a learned limit used, so rounding and clocks never tip it over
MAX_WINDOW = 3600.0  # seconds of call history kept per method
MAX_CALLS = 10_000  # and at most this many calls


class FloodGate:
    """Per-method pauses shared by every caller of one account.

    After a FLOOD_WAIT for a method, no caller sends that method until the wait is over (other
    methods go on): Telegram's limits are per account and method, so concurrent chats must
    wait together, for exactly the seconds asked.

    The gate also learns the limit: at the first FLOOD_WAIT, the calls sent so far and the
    seconds asked give a pace (N calls per W seconds), and from then on calls are spread so
    that no window holds more than that. A pace can be handed to the next run's gate
    (`paces`), which then meets no FLOOD_WAIT at all where the limit has not changed.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, paces: dict[str, Pace] | None = None
    ) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lanes: dict[str, asyncio.Semaphore] = {}
        self._paces: dict[str, Pace] = dict(paces or {})
        self._sent: dict[str, deque[float]] = {}  # every call sent (pacing counts them all)
        self._accepted: dict[str, deque[float]] = {}  # calls answered (learning counts these)
        self._set_at: dict[str, float] = {}  # when each method's pace was last set

    def adopt(self, paces: dict[str, Pace]) -> None:
        """Start from paces learned earlier (those learned in this run win)."""
        self._paces = {**paces, **self._paces}

    @property
    def paces(self) -> dict[str, Pace]:
        """The limits learned (or given) so far, by method."""
        return dict(self._paces)

    def sent(self, method: str) -> float:
        """Count a call of ``method`` sent now; returns its time (for `refused`)."""
        now = self._clock()
        _remember(self._sent, method, now)
        return now

    def accepted(self, method: str, when: float) -> None:
        """The call sent at ``when`` was answered: the server counted it."""
        _remember(self._accepted, method, when)

    def refused(self, method: str, when: float) -> None:
        """The call sent at ``when`` met FLOOD_WAIT: the server did not count it."""
        calls = self._sent.get(method)
        if calls is not None and when in calls:
            calls.remove(when)

    def learn(self, method: str, seconds: float, sent_at: float | None = None) -> None:
        """A FLOOD_WAIT of ``seconds`` for a call sent at ``sent_at``: work out (or tighten)
        the pace of ``method``. Calls sent before the pace was set teach nothing new."""
        calls = self._accepted.get(method)
        known = self._paces.get(method)
        if known is not None and sent_at is not None and sent_at < self._set_at.get(method, 0):
            return  # in flight before the pace: the limit it met is the one learned
        self._set_at[method] = self._clock()
        if known is not None:
            # Paced and still flooded: the limit is lower than thought (or others share it).
            tighter = Pace(max(1, int(known.count * PACE_MARGIN)), known.seconds)
            self._paces[method] = tighter
            logger.info("{}: flooded at pace {}; now {}", method, known, tighter)
            return
        if not calls:
            return
        # The server counted these calls (and perhaps some still in flight) in one window
        # that ends ``seconds`` from now.
        window = self._clock() + seconds - calls[0]
        pace = Pace(max(1, int(len(calls) * PACE_MARGIN)), max(1.0, window))
        self._paces[method] = pace
        logger.info(
            "{}: learned a limit of about {} calls per {:.0f} s", method, *vars(pace).values()
        )

    def _pace_delay(self, method: str) -> float:
        """Seconds until a call of ``method`` fits its pace (0: now)."""
        pace = self._paces.get(method)
        calls = self._sent.get(method)
        if pace is None or not calls:
            return 0.0
        now = self._clock()
        for counted, when in enumerate(reversed(calls), start=1):  # newest first
            if when <= now - pace.seconds:
                return 0.0  # fewer than count calls in the window
            if counted == pace.count:  # the window is full until this one leaves it
                return when + pace.seconds - now
        return 0.0

    def lane(self, method: str) -> AbstractAsyncContextManager[object]:
        """Where calls of ``method`` queue: one at a time once it has been flooded.

        Under a flood limit the server sets the pace, not latency, so one request in flight
        loses nothing, and at most one request per limit window meets FLOOD_WAIT (instead of
        every request in flight when the limit is reached).
        """
        lane = self._lanes.get(method)
        return lane if lane is not None else nullcontext()

    def remaining(self, method: str) -> float:
        """Seconds until ``method`` may be sent again (0 when open): a FLOOD_WAIT's end, or
        the learned pace's next free slot."""
        flood = self._until.get(method, 0.0) - self._clock()
        return max(0.0, flood, self._pace_delay(method))

    def block(self, method: str, seconds: float) -> None:
        """Close the gate of ``method`` for ``seconds`` from now (never shortens a wait)."""
        until = self._clock() + seconds
        self._until[method] = max(self._until.get(method, 0.0), until)
        self._lanes.setdefault(method, asyncio.Semaphore(1))

    async def wait(
        self, method: str, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> None:
        """Return once ``method`` may be sent."""
        while (left := self.remaining(method)) > 0:
            await sleep(left)


def _remember(calls: dict[str, deque[float]], method: str, when: float) -> None:
    """Add a call's time to ``method``'s history, forgetting what is older than MAX_WINDOW."""
    history = calls.setdefault(method, deque(maxlen=MAX_CALLS))
    history.append(when)
    while history[0] < when - MAX_WINDOW:
        history.popleft()


async def retry(
    call: Callable[[], Awaitable[T]],
    *,
    policy: Backoff | None = None,
    on_wait: Callable[[Wait], None] | None = None,
    what: str = "request",
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    gate: FloodGate | None = None,
    reconnect: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """Run ``call`` until it succeeds, retrying transient faults and flood waits by ``policy``.

    With a ``gate``, ``what`` names the method: the call waits while its gate is closed and a
    FLOOD_WAIT closes it for every caller. ``reconnect`` runs before a retry after a fault,
    to bring a dropped connection back. Anything not transient (wrong code, private channel,
    ...) is raised at once, as is the last transient fault once the attempts run out.
    """
    policy = policy or Backoff()
    attempt = 0  # retries so far (the backoff grows with them)
    spent = 0  # those that count against ``policy.attempts``
    away = False  # the last ``reconnect`` failed: the network is away
    while True:
        sent_at: float | None = None
        try:
            if gate is None:
                return await call()
            await gate.wait(what, sleep)
            async with gate.lane(what):
                await gate.wait(what, sleep)  # a wait may have begun while queued
                sent_at = gate.sent(what)
                result = await call()
                gate.accepted(what, sent_at)
                return result
        except FLOOD as exc:
            if not policy.honour_flood:
                raise
            attempt += 1
            wait = Wait(float(flood_seconds(exc)), "flood", exc, attempt)
            if gate is not None:
                if sent_at is not None:
                    gate.refused(what, sent_at)
                gate.learn(what, wait.seconds, sent_at)
                gate.block(what, wait.seconds)
                logger.warning("{}: FLOOD_WAIT {} s", what, wait.seconds)
                if on_wait is not None:
                    on_wait(wait)
                continue
        except TRANSIENT as exc:  # other errors (wrong code, private chat...) propagate
            attempt += 1
            if policy.outage_counts or not (away and link_lost(exc)):
                spent += 1
            if policy.attempts is not None and spent > policy.attempts:
                raise
            wait = Wait(policy.delay(attempt), "transient", exc, attempt)
        logger.warning(
            "{} failed ({}: {}); retry {} in {:.1f} s",
            what,
            type(wait.error).__name__,
            wait.error,
            wait.attempt,
            wait.seconds,
        )
        if on_wait is not None:
            on_wait(wait)
        await sleep(wait.seconds)
        if reconnect is not None and wait.kind == "transient":
            try:
                await reconnect()
                away = False
            except (ConnectionError, OSError) as exc:
                away = link_lost(exc)
                logger.warning("{}: reconnecting failed ({}); will retry", what, exc)
