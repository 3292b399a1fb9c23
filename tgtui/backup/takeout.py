"""Takeout sessions: Telegram's export mode, with looser flood limits for the whole backup.

Every request of a backup (history, messages fetched again, and file downloads too) goes
inside invokeWithTakeout. Telethon's own takeout client leaves file downloads out; ours send
their getFile requests themselves (`tgtui.backup.parts`), wrapped like every other request.
"""

from __future__ import annotations

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

    async def start(
        self, *, files: bool, max_file_size: int | None, contacts: bool = False
    ) -> None:
        """account.initTakeoutSession (``contacts``: the export may ask for the contacts,
        `contacts.getSaved`). TakeoutInitDelayError when the user must approve it."""
        answer = await self.client(
            functions.account.InitTakeoutSessionRequest(
                contacts=contacts or None,
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
