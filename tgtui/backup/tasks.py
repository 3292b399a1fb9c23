"""Running coroutines together so that none outlives a failure."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def gather_or_cancel(coroutines: Iterable[Awaitable[T]]) -> list[T]:
    """Run ``coroutines`` (or tasks) as tasks and return their results in order.

    Unlike `asyncio.gather`, when one fails (or the caller is cancelled) the others are
    cancelled and awaited before the error goes on: no download keeps writing to a file
    after its backup has stopped (or while the next run writes the same file).
    """
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
