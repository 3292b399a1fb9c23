"""A backup opened for reading, for the TUI: its chats, each chat's messages, and search.

Building the search index is heavy Python work (every line parsed): it runs in a child
process (`tgtui.archive.build_index`, a `tgtui.children` child), so it never competes with the
screen for the interpreter and uses another core; its streams are not the terminal's; leaving
the archive stops it (SQLite rolls the unfinished build back, and the next open starts it
again). Searches, and the small updates before each, run on one thread of the
service's own (SQLite connections belong to the thread that made them), awaited from the
event loop. Nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tgtui.archive import index as index_module
from tgtui.archive.chat_log import ChatLog
from tgtui.archive.folder import Archive, ArchiveChat, open_archive
from tgtui.archive.index import SearchIndex, UpdateStats
from tgtui.archive.search import Filters, Results, search_or_rebuild
from tgtui.children import JsonLinesChild
from tgtui.i18n import _


class IndexBuildError(Exception):
    """The search index could not be built; the message says why."""


class ArchiveService:
    """One backup folder: `ArchiveError` from the constructor if it cannot be read."""

    def __init__(self, folder: Path, *, log_file: Path | None = None) -> None:
        self.folder = folder
        self.log_file = log_file
        self.archive = open_archive(folder)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tgtui-index")
        self._closed = False
        self._index: SearchIndex | None = None
        self._builder: JsonLinesChild | None = None
        self._built: asyncio.Future[UpdateStats] | None = None
        self.indexed = False  # the index has been brought up to date at least once

    def reload(self) -> Archive:
        """Read the manifest again (a running backup keeps it current)."""
        self.archive = open_archive(self.folder)
        return self.archive

    def open_chat(self, chat: ArchiveChat, topic: int | None = None) -> ChatLog:
        """The chat's messages, or those of one of its forum topics (`LinesError` if its
        file cannot be read)."""
        if topic is not None:
            from tgtui.archive.topic_log import TopicLog  # only for forums

            return TopicLog(chat, topic)
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
        """Bring the index up to date with every chat's messages (built the first time), in
        a child process; run once, whoever asks first, and awaited by all who ask."""
        if self._built is None:
            self._built = asyncio.ensure_future(self._build_in_child())
            # Looked at even when nobody waits any more (the archive was left meanwhile).
            self._built.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            return await asyncio.shield(self._built)
        except IndexBuildError:
            self._built = None  # the next search tries again
            raise

    async def _build_in_child(self) -> UpdateStats:
        args = [str(self.folder), "--parallel-bytes", str(index_module.PARALLEL_BYTES)]
        if self.log_file is not None:
            args += ["--log", str(self.log_file)]
        self._builder = builder = await JsonLinesChild.start("tgtui.archive.build_index", args)
        answer = None
        async for event in builder.events():
            answer = event  # it says one line: the last one counts
        returncode = await builder.wait()
        if answer is None:
            raise IndexBuildError(
                _("the index builder stopped (exit code {returncode})").format(
                    returncode=returncode
                )
            )
        if "error" in answer:
            raise IndexBuildError(str(answer["error"]))
        self.indexed = True
        notes, unread = answer.get("notes"), answer.get("unread")
        return UpdateStats(
            chats=int(answer.get("chats", 0)),
            messages=int(answer.get("messages", 0)),
            rebuilt=bool(answer.get("rebuilt")),
            damaged=int(answer.get("damaged", 0)),
            notes=[str(n) for n in notes] if isinstance(notes, list) else [],
            unread=[str(n) for n in unread] if isinstance(unread, list) else [],
        )

    async def search(self, words: str, filters: Filters, limit: int = 500) -> Results:
        """Messages matching ``words`` (the index brought up to date first), newest first."""

        await self.update_index()  # the first build, in its process

        def run() -> Results:
            index, _stats = self._update()
            return search_or_rebuild(index, self.archive, words, filters, limit)

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)

    def close(self) -> None:
        """Stop a build still running, and close the index (after any search running).
        Closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._builder is not None:
            self._builder.stop(signal.SIGTERM)

        def close_index() -> None:
            if self._index is not None:
                self._index.close()
                self._index = None

        self._thread.submit(close_index)
        self._thread.shutdown(wait=True)
