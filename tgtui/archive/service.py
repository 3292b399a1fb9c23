"""A backup opened for reading, for the TUI: its chats, each chat's messages, and search.

Building the search index is heavy Python work (every line parsed): it runs in a child
process, so it never competes with the screen for the interpreter and uses another core;
leaving the archive stops it (SQLite rolls the unfinished build back, and the next open
starts it again). Searches, and the small updates before each, run on one thread of the
service's own (SQLite connections belong to the thread that made them), awaited from the
event loop. Nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from loguru import logger

from tgtui.archive import index as index_module
from tgtui.archive.chat_log import ChatLog
from tgtui.archive.folder import Archive, ArchiveChat, open_archive
from tgtui.archive.index import SearchIndex, UpdateStats
from tgtui.archive.search import Filters, Results, search_or_rebuild
from tgtui.log import redactor


def _build(folder: Path, log_file: Path | None, answer: Connection, parallel_bytes: int) -> None:
    """In a child process: bring the index of the backup in ``folder`` up to date (with the
    parent's threshold for reading in yet another process)."""
    index_module.PARALLEL_BYTES = parallel_bytes
    logger.remove()  # never the terminal: the TUI owns it
    if log_file is not None:
        logger.configure(patcher=redactor.patch)
        logger.add(log_file, level="INFO", encoding="utf-8", diagnose=False, backtrace=False)
    try:
        with SearchIndex(open_archive(folder)) as index:
            stats = index.update()
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which shows and logs it
        logger.opt(exception=exc).error("building the search index of {} failed", folder)
        answer.send(f"{type(exc).__name__}: {exc}")
    else:
        answer.send(stats)
    answer.close()


class IndexBuildError(Exception):
    """The search index could not be built; the message says why."""


class ArchiveService:
    """One backup folder: `ArchiveError` from the constructor if it cannot be read."""

    def __init__(self, folder: Path, *, log_file: Path | None = None) -> None:
        self.folder = folder
        self.log_file = log_file
        self.archive = open_archive(folder)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tgtui-index")
        self._index: SearchIndex | None = None
        self._builder: multiprocessing.process.BaseProcess | None = None
        self._built: asyncio.Future[UpdateStats] | None = None
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
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=False)
        # Not a daemon: it starts a process of its own to read big backups. `close` stops it.
        process = context.Process(
            target=_build,
            args=(self.folder, self.log_file, theirs, index_module.PARALLEL_BYTES),
            name="tgtui-index",
        )
        self._builder = process
        process.start()
        theirs.close()
        try:
            answer = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
        except EOFError:
            raise IndexBuildError("the index builder stopped before it finished") from None
        finally:
            ours.close()
            await asyncio.get_running_loop().run_in_executor(None, process.join, 5)
        if isinstance(answer, str):
            raise IndexBuildError(answer)
        if not isinstance(answer, UpdateStats):
            raise IndexBuildError(f"the index builder answered {type(answer).__name__}")
        self.indexed = True
        return answer

    async def search(self, words: str, filters: Filters, limit: int = 500) -> Results:
        """Messages matching ``words`` (the index brought up to date first), newest first."""

        await self.update_index()  # the first build, in its process

        def run() -> Results:
            index, _ = self._update()
            return search_or_rebuild(index, self.archive, words, filters, limit)

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)

    def close(self) -> None:
        """Stop a build still running, and close the index (after any search running)."""
        builder = self._builder
        if builder is not None and builder.is_alive():
            builder.terminate()

        def close_index() -> None:
            if self._index is not None:
                self._index.close()
                self._index = None

        self._thread.submit(close_index)
        self._thread.shutdown(wait=True)
