"""Takeout sessions: Telegram's export mode, with looser flood limits for the whole backup.

Every request of a backup (history, messages fetched again, and file downloads too) goes
inside invokeWithTakeout. Telethon's own takeout client leaves file downloads out (its
download iterator sends through the client's internal `_call`), so downloads here go through
`TakeoutCalls`, which wraps at that one point.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from loguru import logger
from telethon import TelegramClient
from telethon.tl import functions

LARGEST_FILE = 4 * 1024**3  # Telegram's largest file (Premium): "no limit" for takeout


class Takeout:
    """One takeout session: start it, wrap requests in it, finish it."""

    def __init__(self, client: TelegramClient) -> None:
        self.client = client
        self.takeout_id: int | None = None

    async def start(self, *, files: bool, max_file_size: int | None) -> None:
        """account.initTakeoutSession. TakeoutInitDelayError when the user must approve it."""
        answer = await self.client(
            functions.account.InitTakeoutSessionRequest(
                contacts=False,
                message_users=True,
                message_chats=True,
                message_megagroups=True,
                message_channels=True,
                files=files or None,
                file_max_size=(max_file_size or LARGEST_FILE) if files else None,
            )
        )
        self.takeout_id = answer.id
        logger.info("takeout session started")

    def wrap(self, request: Any) -> Any:
        """``request`` inside this takeout session."""
        if self.takeout_id is None:
            return request
        return functions.InvokeWithTakeoutRequest(takeout_id=self.takeout_id, query=request)

    async def finish(self, *, success: bool) -> None:
        """account.finishTakeoutSession (the export is over)."""
        if self.takeout_id is None:
            return
        await self.client(self.wrap(functions.account.FinishTakeoutSessionRequest(success=success)))
        self.takeout_id = None
        logger.info("takeout session finished (success={})", success)


class TakeoutCalls:
    """The client as Telethon's download iterator sees it, with every request it sends
    wrapped by ``wrap``; everything else is the real client's."""

    def __init__(self, client: TelegramClient, wrap: Any) -> None:
        self._real = client
        self._wrap = wrap

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def _call(
        self, sender: Any, request: Any, ordered: bool = False, flood_sleep_threshold: Any = None
    ) -> Any:
        return await self._real._call(sender, self._wrap(request), ordered, flood_sleep_threshold)


def iter_download(
    client: TelegramClient, wrap: Any, location: Any, **kwargs: Any
) -> AsyncIterator[bytes]:
    """`client.iter_download`, with its getFile requests wrapped (inside a takeout)."""
    iterator: AsyncIterator[bytes] = TelegramClient._iter_download(
        TakeoutCalls(client, wrap), location, **kwargs
    )
    return iterator
