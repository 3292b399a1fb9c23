"""A chat's history, oldest first, fetched as several id windows at once.

One page at a time, a big chat is bound by the round trip: the server never sees a second
request for it in flight. So the ids still to fetch are cut into chunks of a few pages, and
several chunks are walked at once, each with its own paged requests (`HistoryReader.after`
with an upper bound), all through the shared flood gate. Pages are handed on strictly in id
order (chunk 1's, then chunk 2's, ...), so the file stays ascending and exactly once and the
checkpoint keeps meaning "everything up to here is written"; a chunk that is ahead waits in
memory until the ones before it are read, and the next chunk starts only then. After the
last chunk, what arrived meanwhile is read one page at a time, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass

from tgtui.backup.history import PAGE, HistoryPage, HistoryReader

Ready = Callable[[], Awaitable[None]]
MIN_PAGES_PER_WINDOW = 4  # fewer pages left than this per window: not worth splitting
WORTH_SPLITTING = PAGE * MIN_PAGES_PER_WINDOW * 2  # fewer left: one page at a time
CHUNK_PAGES = 4  # pages per chunk: a chunk is fetched whole while the ones before it are read


@dataclass(frozen=True)
class Plan:
    """How a chat's remaining history is fetched."""

    after: int  # the last id already had
    top: int  # the newest id when the plan was made
    windows: int  # chunks fetched at once (1: one page at a time)
    left: int = 0  # about how many messages are between after and top


def plan(after: int, top: int, remaining: int, most: int) -> Plan:
    """Up to ``most`` chunks at once for ``remaining`` messages between ``after`` and
    ``top``, when there are enough of them to be worth it."""
    useful = remaining // (PAGE * MIN_PAGES_PER_WINDOW)
    windows = max(1, min(most, useful, max(1, top - after)))
    return Plan(after, top, windows, remaining)


def bounds(chosen: Plan, pages_each: int = CHUNK_PAGES) -> list[tuple[int, int]]:
    """Consecutive id ranges ``(after, up to)`` covering (after, top], each about
    ``pages_each`` pages of this chat (its ids can be sparse: a private chat's are shared
    with the whole account, so the span is sized from the chat's density)."""
    span = chosen.top - chosen.after
    width = max(1, span * pages_each * PAGE // max(1, chosen.left))
    edges = [*range(chosen.after, chosen.top, width), chosen.top]
    return list(itertools.pairwise(edges))


async def _walk(
    reader: HistoryReader,
    low: int,
    high: int,
    queue: asyncio.Queue[HistoryPage | None],
    ready: Ready,
) -> None:
    """Every page of ids in (low, high], oldest first, into ``queue``; then None. Each
    request waits for ``ready`` (a paused chat sends none)."""
    async for page in reader.walk(low, high, ready):
        if page.messages:
            await queue.put(page)
    await queue.put(None)


async def _always() -> None:
    """Ready at once (nothing can pause the walk)."""


async def pages(
    reader: HistoryReader,
    chosen: Plan,
    *,
    ready: Ready = _always,
    share: Callable[[], int] | None = None,
    finished: Callable[[HistoryPage], bool] | None = None,
) -> AsyncGenerator[HistoryPage, None]:
    """The chat's pages after ``chosen.after``, oldest first; every request first waits for
    ``ready`` (pause). After the windows, pages are read until one is empty, or until
    ``finished(page)`` says the page just taken was the last (saving that empty page's
    round trip).

    The ids are cut into chunks of a few pages (`bounds`); up to ``chosen.windows`` chunks are
    fetched at once, each by its own paged walk, and handed on strictly in order: when the
    oldest chunk is read, the next one starts. So at most that many chunks wait in memory.
    ``share()`` says how many this chat may have going now (its part of the run's budget of
    requests in flight, which grows as the budget does and as other chats finish).
    """
    cursor = chosen.after
    if chosen.windows > 1:
        chunks = bounds(chosen)
        active: deque[tuple[asyncio.Queue[HistoryPage | None], asyncio.Task[None]]] = deque()
        started = 0

        def start_more() -> None:
            nonlocal started
            most = chosen.windows if share is None else min(chosen.windows, share())
            while started < len(chunks) and len(active) < max(1, most):
                low, high = chunks[started]
                started += 1
                queue: asyncio.Queue[HistoryPage | None] = asyncio.Queue()
                walk = asyncio.ensure_future(_walk(reader, low, high, queue, ready))
                active.append((queue, walk))

        try:
            start_more()
            while active:
                queue, task = active[0]
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
                    start_more()
                active.popleft()
                start_more()
            cursor = max(cursor, chosen.top)
        finally:
            for _, task in active:
                task.cancel()
            for _, task in active:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    while True:  # what is newer than the plan (or everything, with one window)
        await ready()
        page = await reader.after(cursor)
        if not page.messages:
            return
        cursor = page.messages[-1].id
        yield page
        if finished is not None and finished(page):
            return
