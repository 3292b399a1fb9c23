"""How many files download at once: Telegram's suggested queue sizes.

Telegram's apps keep two download queues, small files and large ones, whose sizes come with
the account's auto-download settings (account.getAutoDownloadSettings, "high" profile).
A backup follows them, so parallel downloads stay within what Telegram expects of a client;
each file then has several parts in flight (`media.PARTS_IN_FLIGHT`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from loguru import logger
from telethon import TelegramClient, errors
from telethon.tl import functions

LARGE_FILE = 10 * 1024 * 1024  # from this size on a file goes in the large queue
DEFAULT_SMALL = 5  # when the settings cannot be read
DEFAULT_LARGE = 2


@dataclass(frozen=True)
class QueueSizes:
    """Files downloading at once: small ones, large ones."""

    small: int = DEFAULT_SMALL
    large: int = DEFAULT_LARGE


async def queue_sizes(client: TelegramClient) -> QueueSizes:
    """The account's suggested queue sizes (the defaults if they cannot be read)."""
    try:
        settings = await client(functions.account.GetAutoDownloadSettingsRequest())
    except (TimeoutError, errors.RPCError, ConnectionError, OSError) as exc:
        logger.info("auto-download settings unavailable ({}); using {}", exc, QueueSizes())
        return QueueSizes()
    high = settings.high
    sizes = QueueSizes(
        small=max(1, min(16, high.small_queue_active_operations_max)),
        large=max(1, min(8, high.large_queue_active_operations_max)),
    )
    logger.info("download queues: {} small and {} large files at once", sizes.small, sizes.large)
    return sizes


class DownloadQueues:
    """The two queues of one backup, sized once from the account's settings."""

    def __init__(self, client: TelegramClient, fixed: int | None = None) -> None:
        self.client = client
        self.fixed = fixed  # files at once in each queue, instead of Telegram's sizes
        self._queues: tuple[asyncio.Semaphore, asyncio.Semaphore] | None = None
        self._lock = asyncio.Lock()

    async def slot(self, size: int) -> asyncio.Semaphore:
        """The queue a file of ``size`` bytes waits in."""
        async with self._lock:
            if self._queues is None:
                if self.fixed is not None:
                    sizes = QueueSizes(self.fixed, self.fixed)
                else:
                    sizes = await queue_sizes(self.client)
                self._queues = (asyncio.Semaphore(sizes.small), asyncio.Semaphore(sizes.large))
        small, large = self._queues
        return large if size >= LARGE_FILE else small
