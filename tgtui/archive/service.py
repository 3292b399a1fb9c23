"""A backup opened for reading, for the TUI: its chats, each chat's messages, and search.

The search index lives on one thread of its own (SQLite connections belong to the thread
that made them, and an index build must not hold the screen back); every call to it is
awaited from the event loop. Nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tgtui.archive.chat_log import ChatLog
from tgtui.archive.folder import Archive, ArchiveChat, open_archive
from tgtui.archive.index import SearchIndex, UpdateStats
from tgtui.archive.search import Filters, Results, search_or_rebuild


class ArchiveService:
    """One backup folder: `ArchiveError` from the constructor if it cannot be read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.archive = open_archive(folder)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tgtui-index")
        self._index: SearchIndex | None = None
        self.indexed = False  # the index has been brought up to date at least once

    def reload(self) -> Archive:
        """Read the manifest again (a running backup keeps it current)."""
        self.archive = open_archive(self.folder)
        return self.archive

    def open_chat(self, chat: ArchiveChat) -> ChatLog:
        """The chat's messages (`LinesError` if its file cannot be read)."""
        return ChatLog(chat)

    # --- search (on the index thread) ---------------------------------------------------------

    def _update(self) -> tuple[SearchIndex, UpdateStats]:
        index = self._index
        if index is None:
            index = self._index = SearchIndex(self.archive)
        index.archive = self.archive
        stats = index.update()
        self.indexed = True
        return index, stats

    async def update_index(self) -> UpdateStats:
        """Bring the index up to date with every chat's messages (built the first time)."""

        def run() -> UpdateStats:
            return self._update()[1]

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)

    async def search(self, words: str, filters: Filters, limit: int = 500) -> Results:
        """Messages matching ``words`` (the index brought up to date first), newest first."""

        def run() -> Results:
            index, _ = self._update()
            return search_or_rebuild(index, self.archive, words, filters, limit)

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)

    def close(self) -> None:
        """Close the index (after any search running on its thread)."""

        def close_index() -> None:
            if self._index is not None:
                self._index.close()
                self._index = None

        self._thread.submit(close_index)
        self._thread.shutdown(wait=True)
