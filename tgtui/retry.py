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
import random
import time
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

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return (rng or random).uniform(0, ceiling) if ceiling > 0 else 0.0


def flood_seconds(error: BaseException) -> int:
    """The seconds a FLOOD_WAIT asks for."""
    return int(getattr(error, "seconds", 0))


class FloodGate:
    """Per-method pauses shared by every caller of one account.

    After a FLOOD_WAIT for a method, no caller sends that method until the wait is over (other
    methods go on): Telegram's limits are per account and method, so concurrent chats must
    wait together, for exactly the seconds asked.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lanes: dict[str, asyncio.Semaphore] = {}

    def lane(self, method: str) -> AbstractAsyncContextManager[object]:
        """Where calls of ``method`` queue: one at a time once it has been flooded.

        Under a flood limit the server sets the pace, not latency, so one request in flight
        loses nothing, and at most one request per limit window meets FLOOD_WAIT (instead of
        every request in flight when the limit is reached).
        """
        lane = self._lanes.get(method)
        return lane if lane is not None else nullcontext()

    def remaining(self, method: str) -> float:
        """Seconds until ``method`` may be sent again (0 when open)."""
        return max(0.0, self._until.get(method, 0.0) - self._clock())

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
    attempt = 0
    while True:
        try:
            if gate is None:
                return await call()
            await gate.wait(what, sleep)
            async with gate.lane(what):
                await gate.wait(what, sleep)  # a wait may have begun while queued
                return await call()
        except FLOOD as exc:
            if not policy.honour_flood:
                raise
            attempt += 1
            wait = Wait(float(flood_seconds(exc)), "flood", exc, attempt)
            if gate is not None:
                gate.block(what, wait.seconds)
                logger.warning("{}: FLOOD_WAIT {} s", what, wait.seconds)
                if on_wait is not None:
                    on_wait(wait)
                continue
        except TRANSIENT as exc:  # other errors (wrong code, private chat...) propagate
            attempt += 1
            if policy.attempts is not None and attempt > policy.attempts:
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
            except (ConnectionError, OSError) as exc:
                logger.warning("{}: reconnecting failed ({}); will retry", what, exc)
