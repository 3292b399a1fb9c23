"""A chat's history, oldest first, fetched as several id windows at once.

One page at a time, a big chat is bound by the round trip: the server never sees a second
request for it in flight. Split the ids still to fetch into windows and walk each with its
own paged requests (`HistoryReader.after` with an upper bound), all through the shared flood
gate; pages are handed on strictly in id order (window 1's, then window 2's, ...), so the
file stays ascending and exactly once, and the checkpoint keeps meaning "everything up to
here is written". A window that is ahead waits with at most ``buffered`` pages in memory.
After the last window, what arrived meanwhile is read one page at a time, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass

from tgtui.backup.history import PAGE, HistoryPage, HistoryReader

Ready = Callable[[], Awaitable[None]]
MIN_PAGES_PER_WINDOW = 4  # fewer pages left than this per window: not worth splitting


@dataclass(frozen=True)
class Plan:
    """How a chat's remaining history is fetched."""

    after: int  # the last id already had
    top: int  # the newest id when the plan was made
    windows: int  # 1: one page at a time


def plan(after: int, top: int, remaining: int, most: int) -> Plan:
    """Windows for ``remaining`` messages between ``after`` and ``top``: as many as
    ``most``, each worth a few pages."""
    useful = remaining // (PAGE * MIN_PAGES_PER_WINDOW)
    windows = max(1, min(most, useful, max(1, top - after)))
    return Plan(after, top, windows)


def bounds(chosen: Plan) -> list[tuple[int, int]]:
    """The windows' id ranges ``(after, up to)``: consecutive, covering (after, top]."""
    span = chosen.top - chosen.after
    edges = [chosen.after + span * k // chosen.windows for k in range(chosen.windows + 1)]
    edges[-1] = chosen.top
    return [(low, high) for low, high in itertools.pairwise(edges) if high > low]


async def _walk(
    reader: HistoryReader,
    low: int,
    high: int,
    queue: asyncio.Queue[HistoryPage | None],
    ready: Ready,
) -> None:
    """Every page of ids in (low, high], oldest first, into ``queue``; then None. Each
    request waits for ``ready`` (a paused chat sends none)."""
    cursor = low
    while cursor < high:
        await ready()
        page = await reader.after(cursor, before=high + 1)
        if not page.messages:
            break
        await queue.put(page)
        cursor = page.messages[-1].id
    await queue.put(None)


async def _always() -> None:
    """Ready at once (nothing can pause the walk)."""


async def pages(
    reader: HistoryReader, chosen: Plan, *, buffered: int = 8, ready: Ready = _always
) -> AsyncGenerator[HistoryPage, None]:
    """The chat's pages after ``chosen.after``, oldest first (see the module's doc); every
    request first waits for ``ready`` (pause)."""
    cursor = chosen.after
    if chosen.windows > 1:
        queues: list[asyncio.Queue[HistoryPage | None]] = []
        tasks: list[asyncio.Task[None]] = []
        try:
            for low, high in bounds(chosen):
                queue: asyncio.Queue[HistoryPage | None] = asyncio.Queue(buffered)
                queues.append(queue)
                tasks.append(asyncio.ensure_future(_walk(reader, low, high, queue, ready)))
            for queue, task in zip(queues, tasks, strict=True):
                while True:
                    getting = asyncio.ensure_future(queue.get())
                    done, _ = await asyncio.wait(
                        {getting, task}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if getting not in done:  # the walk ended: failed, or put its last page
                        getting.cancel()
                        task.result()  # raises what stopped it
                        page = queue.get_nowait()
                    else:
                        page = getting.result()
                    if page is None:
                        break
                    cursor = page.messages[-1].id
                    yield page
            cursor = max(cursor, chosen.top)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    while True:  # what is newer than the plan (or everything, with one window)
        await ready()
        page = await reader.after(cursor)
        if not page.messages:
            return
        cursor = page.messages[-1].id
        yield page
