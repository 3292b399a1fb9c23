"""Pause and resume for a running backup, for the whole run or one chat.

The engine calls `RunControl.ready` at its safe points (before each history page, before each
file, between the parts of a file): a paused chat stops there with everything fetched so far
written and checkpointed, and goes on from the same place when resumed. Cancelling is the
engine's own (`BackupEngine.cancel`): it needs the chat's task.
"""

from __future__ import annotations

import asyncio


class RunControl:
    """Which chats may go on. Created and used on the event loop of the backup."""

    def __init__(self) -> None:
        self._all_paused = False
        self._paused: set[int] = set()
        self._resumed = asyncio.Event()

    def is_paused(self, chat_id: int | None = None) -> bool:
        """Whether the run (``chat_id`` None) or that chat is paused."""
        if chat_id is None:
            return self._all_paused
        return self._all_paused or chat_id in self._paused

    def pause(self, chat_id: int | None = None) -> None:
        """Pause the whole run, or one chat."""
        if chat_id is None:
            self._all_paused = True
        else:
            self._paused.add(chat_id)

    def resume(self, chat_id: int | None = None) -> None:
        """Resume the whole run (every chat paused one by one too), or one chat."""
        if chat_id is None:
            self._all_paused = False
            self._paused.clear()
        else:
            self._paused.discard(chat_id)
        # Wake every waiter; each checks again whether it may go on.
        self._resumed.set()
        self._resumed = asyncio.Event()

    async def ready(self, chat_id: int) -> None:
        """Return at once unless the chat is paused; else when it is resumed."""
        while self.is_paused(chat_id):
            await self._resumed.wait()
