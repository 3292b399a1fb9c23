"""A chat's media pass: save the files its messages.jsonl names and that are not on disk yet.

The JSONL is the to-do list, so a run that was stopped finds its unfinished files again; the
checkpoint's media_last_id only spares re-reading what was already tried. Messages are fetched
again by id (a hundred a request), which also hands out fresh file references.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.backup.checkpoint import Checkpoint, save_checkpoint
from tgtui.backup.files import link_on_the_way
from tgtui.backup.integrity import lines_naming_files
from tgtui.backup.media import (
    GET_FILE,
    FileSource,
    MediaDownloader,
    MediaDownloadError,
    file_size,
    file_source,
)
from tgtui.backup.progress import MediaProgress, ProgressSink, Waiting
from tgtui.backup.queues import DownloadQueues
from tgtui.backup.selection import ChatTarget
from tgtui.backup.tasks import gather_or_cancel
from tgtui.format.media_paths import PART_SUFFIX
from tgtui.format.records import media_path_problem, record_id
from tgtui.format.safe_files import open_lines
from tgtui.format.versions import DELETED, EDITS, find_record, saved_records
from tgtui.retry import Backoff, FloodGate, Wait, retry
from tgtui.telegram.errors import explain

BY_ID = 100  # messages fetched again per request
GET_MESSAGES = "messages.getMessages"
REFETCH_RETRY = Backoff(base=1.0, cap=30.0, attempts=None)


@dataclass(frozen=True)
class FileItem:
    """A file a backup names: a message's (its first version, in messages.jsonl) or a later
    version's whose media Telegram replaced (in edits.jsonl)."""

    key: str  # in state.json's media_failed / media_gone: the message id, or id"v"edit time
    message_id: int
    path: str
    size: int


def pending_files(
    jsonl: Path, after_id: int, retry: set[str] | frozenset[str] = frozenset()
) -> Iterator[FileItem]:
    """The files of records after ``after_id`` (or whose key is in ``retry``). Lines that
    cannot be read and paths that leave the chat folder are passed over here: the check
    before the run (`tgtui.backup.integrity`) reports them."""
    if not jsonl.exists():
        return
    with open_lines(jsonl) as handle:  # the safe way: a regular file, no link followed
        for line in lines_naming_files(handle):
            parsed = record_id(line)
            if parsed is None:
                continue
            message_id, record = parsed
            if message_id <= after_id and str(message_id) not in retry:
                continue
            path = record.get("file")
            if path and media_path_problem(path) is None:
                size = record.get("file_size")
                yield FileItem(
                    str(message_id), message_id, path, size if isinstance(size, int) else 0
                )


def version_files(folder: Path) -> Iterator[FileItem]:
    """The files of later versions (edits.jsonl) that are not their first version's."""
    jsonl = folder / "messages.jsonl"
    for record in saved_records(folder / EDITS):
        path = record.get("file")
        if not isinstance(path, str) or media_path_problem(path) is not None:
            continue
        message_id = int(record["id"])
        first = find_record(jsonl, message_id)
        if first is not None and first.get("file") == path:
            continue  # the first version's file: messages.jsonl's own
        size = record.get("file_size")
        key = f"{message_id}v{record.get('edited_unixtime') or 0}"
        yield FileItem(key, message_id, path, size if isinstance(size, int) else 0)


class MediaPass:
    """Saves the media files of chats, a few at a time across the whole backup."""

    def __init__(
        self,
        client: TelegramClient,
        *,
        gate: FloodGate,
        queues: DownloadQueues,
        emit: ProgressSink,
        wrap: Callable[[Any], Any] | None = None,
        reconnect: Callable[[], Awaitable[None]] | None = None,
        ready: Callable[[int], Awaitable[None]] | None = None,
        verify: bool = False,
    ) -> None:
        self.verify = verify
        self.ready = ready  # returns when the chat may go on (not paused)
        self.reconnect = reconnect
        self.client = client
        self.gate = gate
        self.queues = queues  # how many files download at once
        self.emit = emit
        self.wrap = wrap  # a takeout session's wrapper (None: no takeout)

    async def run(
        self,
        target: ChatTarget,
        folder: Path,
        checkpoint: Checkpoint,
        state: Path,
        damaged: Mapping[int, str] | None = None,
        refused: Mapping[int, str] | None = None,
    ) -> None:
        """Save every pending file of the chat, checkpointing as it goes.

        ``damaged`` files (changed on disk since they were saved) are fetched again;
        ``refused`` ones (a path that leaves the chat folder) are failures with that reason.
        With ``verify``, files already on disk are checked against Telegram's hashes too.
        """
        for message_id, why in (refused or {}).items():
            checkpoint.media_failed[str(message_id)] = why
        retry_keys = set(checkpoint.media_failed) | {str(i) for i in damaged or ()}
        later = [
            item
            for item in version_files(folder)
            if item.key not in checkpoint.media_gone
            and (self.verify or item.key in retry_keys or not self._saved(folder, item))
        ]
        up_to_date = checkpoint.media_last_id >= checkpoint.last_id
        if up_to_date and not retry_keys and not later and not self.verify:
            return
        after = 0 if self.verify else checkpoint.media_last_id
        todo = [*pending_files(folder / "messages.jsonl", after, retry_keys), *later]
        # A message deleted on Telegram before its file was saved: the file is gone with it.
        deleted = {int(r["id"]) for r in saved_records(folder / DELETED)}
        for item in todo:
            if item.message_id in deleted and not self._saved(folder, item):
                gone(checkpoint, item.key, DELETED_BEFORE)
        todo = [item for item in todo if item.key not in checkpoint.media_gone]
        missing = [
            item
            for item in todo
            if self.verify or item.key in retry_keys or not self._saved(folder, item)
        ]
        size_to_fetch = sum(item.size for item in todo if not self._saved(folder, item))
        progress = _Counter(target.chat_id, len(missing), size_to_fetch, self.emit)
        progress.send()

        def on_wait(wait: Wait) -> None:
            reason = explain(wait.error).text
            self.emit(Waiting(target.chat_id, GET_FILE, wait.seconds, wait.kind, reason))

        downloader = MediaDownloader(
            self.client,
            gate=self.gate,
            on_wait=on_wait,
            on_bytes=progress.bytes,
            wrap=self.wrap,
            reconnect=self.reconnect,
            verify=self.verify,
        )
        for start in range(0, len(missing), BY_ID):
            chunk = missing[start : start + BY_ID]
            messages = await self._fetch(target, sorted({item.message_id for item in chunk}))
            await gather_or_cancel(
                self._one(
                    downloader,
                    target,
                    folder,
                    checkpoint,
                    progress,
                    item,
                    messages.get(item.message_id),
                )
                for item in chunk
            )
            save_checkpoint(state, checkpoint)
        checkpoint.media_last_id = checkpoint.last_id
        every = [*pending_files(folder / "messages.jsonl", 0), *version_files(folder)]
        checkpoint.media_done = sum(1 for item in every if self._saved(folder, item))
        if missing or checkpoint.complete:
            save_checkpoint(state, checkpoint)
        # else nothing was fetched, and the chat's checkpoint is written once it is complete
        # (`ChatCopy.media`), this with it: a small chat's checkpoint was written five times,
        # a millisecond each (an fsync). Stopped before, the next run only looks again.

    @staticmethod
    def _saved(folder: Path, item: FileItem) -> bool:
        return file_size(folder / item.path) == item.size

    async def _fetch(self, target: ChatTarget, ids: list[int]) -> dict[int, Any]:
        async def call() -> list[Any]:
            return await messages_by_id(self.client, self.wrap, target.input_peer, ids)

        found = await retry(
            call, policy=REFETCH_RETRY, what=GET_MESSAGES, gate=self.gate, reconnect=self.reconnect
        )
        return {m.id: m for m in found if m is not None}

    async def _one(
        self,
        downloader: MediaDownloader,
        target: ChatTarget,
        folder: Path,
        checkpoint: Checkpoint,
        progress: _Counter,
        item: FileItem,
        message: Any,
    ) -> None:
        source = file_source(getattr(message, "media", None)) if message is not None else None
        reason = None
        if source is None:
            reason = DELETED_BEFORE if message is None else NO_FILE
        elif item.size and source.size != item.size:
            reason = REPLACED  # not the file this version had: that one is gone
        if reason is not None:  # Telegram no longer has it: not a failure, nothing to retry
            gone(checkpoint, item.key, reason)
            progress.total -= 1
            progress.send()
            return
        assert source is not None

        async def refresh() -> FileSource | None:
            again = await self._fetch(target, [item.message_id])
            return file_source(getattr(again.get(item.message_id), "media", None))

        async def ready() -> None:
            if self.ready is not None:
                await self.ready(target.chat_id)

        await ready()
        async with await self.queues.slot(source.size):
            try:
                if link_on_the_way(folder, item.path, item.path + PART_SUFFIX) is not None:
                    raise MediaDownloadError(LINKED)
                await downloader.download(source, folder / item.path, refresh, ready)
            except (MediaDownloadError, errors.RPCError) as exc:
                why = str(exc) if isinstance(exc, MediaDownloadError) else explain(exc).text
                checkpoint.media_failed[item.key] = why
                progress.failed += 1
                logger.warning("chat {}: file {} failed: {}", target.chat_id, item.key, why)
            else:
                checkpoint.media_failed.pop(item.key, None)
                progress.done += 1
            progress.send()


LINKED = "a link on its way in the chat folder: tgtui does not write through links"
DELETED_BEFORE = "gone from Telegram: its message was deleted there"
NO_FILE = "gone from Telegram: the message no longer has this file"
REPLACED = "gone from Telegram: the message's file was replaced before this one was saved"


def gone(checkpoint: Checkpoint, key: str, reason: str) -> None:
    """Record that a file is gone from Telegram (not a failure; not retried)."""
    checkpoint.media_failed.pop(key, None)
    checkpoint.media_gone[key] = reason
    logger.info("chat {}: file {} {}", checkpoint.chat_id, key, reason)


async def messages_by_id(
    client: TelegramClient, wrap: Callable[[Any], Any] | None, peer: Any, ids: list[int]
) -> list[Any]:
    """Messages by id (channels.getMessages for channels), inside ``wrap`` if given."""
    inputs = [types.InputMessageID(i) for i in ids]
    request: Any
    if isinstance(peer, types.InputPeerChannel):
        channel = types.InputChannel(peer.channel_id, peer.access_hash)
        request = functions.channels.GetMessagesRequest(channel, inputs)
    else:
        request = functions.messages.GetMessagesRequest(inputs)
    answer = await client(wrap(request) if wrap else request)
    return [m for m in answer.messages if not isinstance(m, types.MessageEmpty)]


class _Counter:
    """Media progress of one chat, sent as MediaProgress events."""

    def __init__(self, chat_id: int, total: int, total_bytes: int, emit: ProgressSink) -> None:
        self.chat_id = chat_id
        self.total = total
        self.total_bytes = total_bytes
        self.emit = emit
        self.done = 0
        self.failed = 0
        self.received = 0

    def bytes(self, count: int) -> None:
        self.received += count
        self.send()  # a big file's progress shows part by part, not only once it is saved

    def send(self) -> None:
        self.emit(
            MediaProgress(
                self.chat_id, self.done, self.total, self.failed, self.received, self.total_bytes
            )
        )
