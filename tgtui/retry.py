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
from collections.abc import Awaitable, Callable
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


async def retry(
    call: Callable[[], Awaitable[T]],
    *,
    policy: Backoff | None = None,
    on_wait: Callable[[Wait], None] | None = None,
    what: str = "request",
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call`` until it succeeds, retrying transient faults and flood waits by ``policy``.

    Anything not transient (wrong code, private channel, ...) is raised at once, as is the
    last transient fault once the attempts run out.
    """
    policy = policy or Backoff()
    attempt = 0
    while True:
        try:
            return await call()
        except FLOOD as exc:
            if not policy.honour_flood:
                raise
            attempt += 1
            wait = Wait(float(flood_seconds(exc)), "flood", exc, attempt)
        except errors.RPCError as exc:
            if not isinstance(exc, TRANSIENT):
                raise
            attempt += 1
            if policy.attempts is not None and attempt > policy.attempts:
                raise
            wait = Wait(policy.delay(attempt), "transient", exc, attempt)
        except TRANSIENT as exc:
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
