"""One chat's part of a backup (`ChatCopy`): check → catch up → copy → media → record.

The scheduler (`tgtui.backup.engine.BackupEngine`) makes one `ChatCopy` per chat and awaits
its `run`; what the chats of a run share (the client, the flood gate, the budget of requests
in flight, the account's catch-up, the media pass, the manifest) stays on the scheduler and
is reached through it. Everything about this one chat (its folder, writer, reader, checkpoint,
what the check repaired, what the catch-up found) lives on the copy.

Each chat is read oldest first from where its file ends, written in fsynced batches, and
checkpointed after each batch (a checkpoint never runs ahead of the file). A forum's topics
are listed beside its history, once a run (`tgtui.backup.topics`), and again when a later
refresh of it (follow mode) saved something.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import time
from typing import TYPE_CHECKING, Any

from loguru import logger
from telethon import errors

from tgtui.backup.catch_up import Caught, catch_up_channel, is_channel_id, recheck_chat
from tgtui.backup.checkpoint import Checkpoint, count_lines, reconcile, save_checkpoint, stat_key
from tgtui.backup.files import link_on_the_way
from tgtui.backup.history import HistoryPage, HistoryReader
from tgtui.backup.manifest import ChatEntry
from tgtui.backup.naming import JSONL, STATE, chat_folder
from tgtui.backup.options import CANCELLED, BackupAborted
from tgtui.backup.progress import ChatProgress, ChatResult, ChatStarted, Status, Waiting
from tgtui.backup.repair import Repair, check_chat
from tgtui.backup.schema import to_record
from tgtui.backup.selection import ChatTarget
from tgtui.backup.windows import WORTH_SPLITTING, Plan, pages, plan
from tgtui.backup.writer import BackupWriteError, BatchWriter
from tgtui.format.media_paths import media_path
from tgtui.i18n import _
from tgtui.retry import Wait
from tgtui.telegram.errors import SIGN_IN_AGAIN, explain
from tgtui.telegram.history import HISTORY

if TYPE_CHECKING:
    from tgtui.backup.engine import BackupEngine, ChatPlace

LINKED_FOLDER = "it is a link, and tgtui does not write through links"
# A channel's pts from a chat list this recent stands for a channel difference: what
# happened after it is the next run's (or follow mode's) to fetch, as after any difference.
LISTED_FRESH = 60.0


class ChatCopy:
    """One chat, from where its file ends to its newest message (or --until), for one run."""

    def __init__(
        self,
        engine: BackupEngine,
        target: ChatTarget,
        *,
        listed: bool = False,
        place: ChatPlace | None = None,
    ) -> None:
        self.engine = engine  # the run this chat belongs to
        self.listed = listed  # the target's pts is from the chat list of this run
        self.place = place  # among the chats reading messages, then saving files
        self.options = options = engine.options
        self.target = target
        self.folder = chat_folder(options.out, target, engine.folders)
        self.state = self.folder / STATE
        self.writer = BatchWriter(
            self.folder / JSONL, batch_size=options.batch_size, max_age=options.batch_age
        )
        self.reader = HistoryReader(
            engine.client,
            target.input_peer,
            gate=engine.gate,
            on_wait=self._waited,
            reconnect=engine.reconnect,
            wrap=engine.wrap,
            budget=engine.budget,
        )
        self.checkpoint = Checkpoint(chat_id=target.chat_id)  # read from disk by `open`
        self.repair = Repair()  # what `check` found on disk and did about it
        self.caught = Caught()  # edits and deletions `catch_up` noticed
        self.start = 0  # messages on disk when the copy began
        self.status: Status = "partial"
        self.reason: str | None = None
        self.notes: list[str] = []  # what went wrong beside the messages (the topics)

    async def run(self) -> ChatResult:
        """Back the chat up; how it ended, also sent as its last event (`ChatFinished`).

        Anything that goes wrong with this chat alone (its files damaged beyond use, an
        unexpected error) ends this chat "failed" with the reason; the others go on. Only a
        fault every chat would meet (disk full, session revoked) stops the run: it raises
        `BackupAborted`, after what was fetched is on disk and checkpointed.
        """
        target = self.target
        topics: asyncio.Future[None] | None = None
        try:
            await self.check()
            self.open()
            topics = self._topics_beside()
            fetch = await self.catch_up()
            await self.copy(fetch)
            if self.place is not None and (self.wants_files or self.options.pictures):
                await self.place.to_files()  # the messages are on disk: the next chat reads
            await self.media()
            if topics is not None:
                await topics
            elif self._topics_again():
                await self.topics()
            self.status = "complete"
            unrepaired = self.repair.unrepaired(self.checkpoint.messages)
            if unrepaired is not None:
                self.status, self.reason = "partial", unrepaired
        except asyncio.CancelledError:
            self.reason = CANCELLED
            if not self.engine.cancelled(target.chat_id):
                raise  # the whole run stops: the caller cancelled it
            uncancel()  # only this chat was cancelled; the run goes on
        except errors.RPCError as exc:
            explanation = explain(exc)
            if isinstance(exc, SIGN_IN_AGAIN):
                raise BackupAborted(explanation.text) from exc
            self.status, self.reason = "skipped", explanation.text
            logger.warning("chat {} ({}) skipped: {}", target.chat_id, target.name, exc)
        except BackupWriteError as exc:
            if exc.stops_run:
                raise BackupAborted(str(exc)) from exc
            self.status, self.reason = "failed", str(exc)
            logger.error("chat {}: {}", target.chat_id, exc)
        except BackupAborted:
            raise
        except Exception as exc:  # noqa: BLE001 - one chat's fault is that chat's failure
            logger.opt(exception=exc).error("chat {} failed", target.chat_id)
            self.status, self.reason = (
                "failed",
                _("unexpected error ({error}); details are in the log").format(error=repr(exc)),
            )
        finally:
            if topics is not None and not topics.done():
                topics.cancel()  # the chat ended first (an error, a cancel)
                with contextlib.suppress(asyncio.CancelledError):
                    await topics
            elif topics is not None and not topics.cancelled():
                topics.exception()  # seen: a fault that ended the chat first was said
            # Whatever happened (an error, a cancel), what was fetched goes to disk and the
            # checkpoint follows it; a failing disk leaves the buffer to be fetched again.
            try:
                self.flush()
            except BackupWriteError as exc:
                logger.error("chat {}: final flush failed: {}", target.chat_id, exc)
            self.writer.abandon()
            self.record()
        return self.finished()

    # --- the steps, in order -----------------------------------------------------------------

    async def check(self) -> None:
        """Refuse a chat folder reached through a link; check the chat's files, rewrite and
        re-fetch what is damaged (`tgtui.backup.repair`)."""
        out = self.options.out
        link = link_on_the_way(out, self.folder.relative_to(out).as_posix())
        if link is not None:  # planted in a backup from elsewhere: never written through
            raise BackupWriteError(link, OSError(errno.ELOOP, LINKED_FOLDER))
        self.repair = await check_chat(
            self.folder,
            self.target.chat_id,
            self.reader,
            self.to_record,
            verify=self.options.verify,
        )

    def open(self) -> None:
        """Open the chat's file for appending and take its checkpoint as the file bears it
        out (`tgtui.backup.checkpoint.reconcile`); tell the chat has started."""
        jsonl = self.folder / JSONL
        checkpoint = reconcile(self.state, jsonl, self.target.chat_id, self.writer.open())
        self.checkpoint = checkpoint
        if self.repair.checked:
            # The file was read whole and found (or made) sound: remember it as it is.
            checkpoint.messages = count_lines(jsonl)
            checkpoint.jsonl_stat = stat_key(jsonl)
            save_checkpoint(self.state, checkpoint)
        self.start = checkpoint.messages
        self.engine.emit(ChatStarted(self.target.chat_id, self.target.name, self.start))

    def listed_pts(self) -> int | None:
        """The channel's pts as this run's chat list gave it, if it was listed less than
        `LISTED_FRESH` seconds ago (an older list may not know what happened since)."""
        target = self.target
        if not self.listed or target.pts is None:
            return None
        if time.monotonic() - target.listed > LISTED_FRESH:
            return None
        return target.pts

    async def catch_up(self) -> bool:
        """Bring the chat's saved messages up to date (edits, deletions); whether its history
        must be read for new messages (False: Telegram said nothing changed)."""
        engine, checkpoint, chat_id = self.engine, self.checkpoint, self.target.chat_id
        channel = is_channel_id(chat_id)
        if self.options.recheck:  # asked for: read every saved message again
            checkpoint.pts, checkpoint.tracked = None, False
        if checkpoint.last_id == 0:  # nothing saved yet: followed from the first copy on
            checkpoint.tracked = not channel and engine.account_followed
            return True
        before = (checkpoint.pts, checkpoint.tracked, checkpoint.complete)
        if channel:
            known = checkpoint.pts
            pts: int | None
            if known is not None and self.listed_pts() == known:
                # Nothing happened in the channel since the last run: every new message,
                # edit and deletion raises its pts, which the chat list just gave.
                pts, found = known, Caught()
            else:
                pts, found = await catch_up_channel(
                    self.reader, self.folder, checkpoint.last_id, known, engine.version_file
                )
            unchanged = known is not None and not found.new_messages and not found.rechecked
            checkpoint.pts = pts
            if found.new_messages:
                checkpoint.complete = False  # the new ones must be fetched, even after a stop
        elif not checkpoint.tracked:
            found = await recheck_chat(
                self.reader, self.folder, checkpoint.last_id, engine.version_file
            )
            checkpoint.tracked = engine.account_followed
            unchanged = False
        else:  # followed by the account's difference, at the start of the run
            # Told once: a later refresh of the chat (follow mode) does not count them again.
            self.caught.versions, self.caught.deletions = engine.account_caught.by_chat.pop(
                chat_id, (0, 0)
            )
            # That difference lists every new message of private chats and basic groups
            # since the last run: a chat it does not name has nothing new to read.
            quiet = engine.account_complete and chat_id not in engine.account_caught.touched
            return not (quiet and checkpoint.complete and self.options.until is None)
        self.caught.versions, self.caught.deletions = found.versions, found.deletions
        if (checkpoint.pts, checkpoint.tracked, checkpoint.complete) != before:
            save_checkpoint(self.state, checkpoint)  # a run with nothing new writes none
        return not (unchanged and checkpoint.complete and self.options.until is None)

    async def copy(self, fetch: bool) -> None:
        """Write what is new (with ``fetch``; False: Telegram said nothing is), then put the
        last batch on disk and the checkpoint after it."""
        checkpoint = self.checkpoint
        if fetch:
            await self._read()
        if self.wants_files:
            self.flush()
        else:
            # No file wanted: the media pass has nothing to read, and the chat is complete
            # once its last batch is on disk, so one checkpoint says all three.
            written = self._write()
            behind = checkpoint.media_last_id != checkpoint.last_id
            if written or behind or not checkpoint.complete:
                checkpoint.media_last_id = checkpoint.last_id
                checkpoint.complete = True
                save_checkpoint(self.state, checkpoint)
        if not fetch:  # nothing new on Telegram: every message is already saved
            messages = checkpoint.messages
            self.engine.emit(ChatProgress(self.target.chat_id, messages, messages, 0))

    async def media(self) -> None:
        """Save the files the chat's messages name (and those the check found damaged), if
        any are wanted, and their thumbnails and userpics; then the chat is complete."""
        checkpoint = self.checkpoint
        if self.wants_files:
            await self.engine.media.run(
                self.target,
                self.folder,
                checkpoint,
                self.state,
                self.repair.damaged_files,
                self.repair.unsafe_files,
            )
        if self.options.pictures:
            await self.engine.pictures.run(
                self.target,
                self.folder,
                checkpoint,
                self.state,
                last_save=checkpoint.complete,  # else written just below, complete
            )
        if not checkpoint.complete:
            checkpoint.complete = True
            save_checkpoint(self.state, checkpoint)

    def record(self) -> None:
        """The chat's entry in the backup's manifest, as this run leaves it."""
        engine, target, checkpoint = self.engine, self.target, self.checkpoint
        try:
            engine.manifest.update(
                ChatEntry(
                    id=target.chat_id,
                    name=target.name,
                    type=target.type,
                    path=str(self.folder.relative_to(self.options.out)),
                    messages=checkpoint.messages,
                    media_files=checkpoint.media_done,
                    media_failed=len(checkpoint.media_failed),
                    status=self.status,
                    reason=self.reason,
                    last_id=checkpoint.last_id,
                    updated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
            )
        except OSError as exc:
            raise BackupAborted(
                _("Cannot write {path}: {reason}").format(
                    path=engine.manifest.path, reason=exc.strerror
                )
            ) from exc

    def finished(self) -> ChatResult:
        """How the chat ended, sent as its last event and returned as its result."""
        checkpoint = self.checkpoint
        result = ChatResult(
            self.target,
            self.folder,
            self.status,
            self.reason,
            checkpoint.messages,
            checkpoint.messages - self.start,
            checkpoint.media_done,
            len(checkpoint.media_failed),
            (*self.repair.notes, *self.notes),
            edits=self.caught.versions,
            deletions=self.caught.deletions,
            media_gone=len(checkpoint.media_gone),
        )
        self.engine.emit(result)
        return result

    def _topics_beside(self) -> asyncio.Future[None] | None:
        """A forum's topics, listed beside its history the first time a run copies it."""
        listed = self.engine.topics_listed
        if not self.target.forum or self.target.chat_id in listed:
            return None
        listed.add(self.target.chat_id)
        return asyncio.ensure_future(self.topics())

    def _topics_again(self) -> bool:
        """Whether a forum copied again in this run (a refresh) lists its topics again:
        when it saved new messages or versions (a topic's last message, a rename...)."""
        news = self.checkpoint.messages > self.start or self.caught.versions
        return self.target.forum and bool(news)

    async def topics(self) -> None:
        """List the forum's topics and keep what changed (`tgtui.backup.topics`); what
        goes wrong is a note on the chat, never the chat's failure."""
        from tgtui.backup.topics import back_up_topics

        chat_id = self.target.chat_id
        try:
            found = await back_up_topics(self.reader, self.folder)
        except errors.RPCError as exc:
            if isinstance(exc, SIGN_IN_AGAIN):
                raise
            logger.warning("chat {}: topics not listed: {}", chat_id, exc)
            reason = explain(exc).text
            self.notes.append(_("forum topics not saved: {reason}").format(reason=reason))
            return
        except OSError as exc:
            logger.error("chat {}: topics not written: {}", chat_id, exc)
            reason = exc.strerror or str(exc)
            self.notes.append(_("forum topics not saved: {reason}").format(reason=reason))
            return
        kept = found.kept
        logger.info(
            "chat {}: {} topics, {} new, {} changed, {} gone ({} requests)",
            chat_id,
            found.total,
            len(kept.added),
            len(kept.changed),
            len(kept.removed),
            found.requests,
        )

    # --- what the steps share ----------------------------------------------------------------

    @property
    def wants_files(self) -> bool:
        """Whether the media pass has work: files wanted, --verify, or files to fetch again."""
        repair, options = self.repair, self.options
        pending = self.checkpoint.media_failed or repair.damaged_files or repair.unsafe_files
        return bool(options.media.kinds or options.verify or pending)

    def to_record(self, message: Any, names: Any) -> dict[str, Any]:
        """A message as the line saved for it (with the path of its file, if wanted)."""
        record = to_record(message, names)
        if self.options.media.wants(record):
            record["file"] = media_path(record, self.engine.name_bytes)
        return record

    def flush(self) -> None:
        """Write the batch, then (only then) advance the checkpoint."""
        if self._write():
            save_checkpoint(self.state, self.checkpoint)

    def _write(self) -> int:
        """Write the batch and advance the checkpoint in memory (the caller saves it)."""
        written = self.writer.flush()
        if written:
            checkpoint = self.checkpoint
            checkpoint.messages += written
            checkpoint.last_id = self.writer.last_id or checkpoint.last_id
            checkpoint.jsonl_stat = stat_key(self.folder / JSONL)
        return written

    def _waited(self, wait: Wait) -> None:
        """The reader waits (a FLOOD_WAIT, a retry): tell it as this chat's."""
        reason = explain(wait.error).text
        self.engine.emit(Waiting(self.target.chat_id, HISTORY, wait.seconds, wait.kind, reason))

    async def _read(self) -> None:
        """Read the chat's history after its last saved message (or from --since) up to its
        newest (or --until), a page at a time or in windows, writing as pages arrive."""
        engine, reader, writer, checkpoint = self.engine, self.reader, self.writer, self.checkpoint
        chat_id, since, until = self.target.chat_id, self.options.since, self.options.until
        emit = engine.emit
        start = checkpoint.messages
        cursor = checkpoint.last_id
        if since is not None and cursor == 0:
            cursor = await reader.last_id_before(since)
        total: int | None = None

        def take(page: HistoryPage) -> bool:
            """Write a page's messages; False once --until is reached."""
            nonlocal total
            if checkpoint.pts is None and page.pts is not None:
                # A channel's edits and deletions are followed from before this copy began.
                checkpoint.pts = page.pts
            if total is None and since is None and until is None:
                total = page.count
            for message in page.messages:
                date = getattr(message, "date", None)
                if until is not None and date is not None and date >= until:
                    self.flush()
                    return False
                writer.add(self.to_record(message, page.names))
            if writer.due():
                self.flush()
            done = checkpoint.messages + writer.pending
            emit(ChatProgress(chat_id, done, total, done - start))
            return True

        def finished(page: HistoryPage) -> bool:
            """Whether ``page`` (taken) was the chat's last: fewer messages than asked for
            came back, so Telegram had nothing newer, and the chat's count says nothing is
            missing (Telegram hides a few messages in some channels, and then a short page
            is not the end: those chats are read until an empty page, as before)."""
            if not page.short or page.count is None or since is not None or until is not None:
                return False
            return checkpoint.messages + writer.pending >= page.count

        async def ready() -> None:
            await engine.control.ready(chat_id)

        await ready()
        with engine.in_flight.reading():
            first = await reader.after(cursor)
            if take(first) and first.messages and not finished(first):
                chosen = await self._plan(first, checkpoint.messages)
                with engine.in_flight.windowed_if(chosen.windows > 1):
                    ordered = pages(
                        reader,
                        chosen,
                        ready=ready,
                        share=engine.in_flight.share,
                        finished=finished,
                    )
                    # Closed at once however the loop ends: no window goes on fetching.
                    async with contextlib.aclosing(ordered):
                        async for page in ordered:
                            if not take(page):
                                break

    async def _plan(self, first: HistoryPage, saved: int) -> Plan:
        """How to fetch the rest of a chat after its first page: one page at a time, or in
        windows (`tgtui.backup.windows`) when much is left. With --until the windows end at
        the last message before it (the count of what is left is scaled to that span)."""
        after = first.messages[-1].id
        left = (first.count or 0) - saved - len(first.messages)
        most = self.options.windows
        if most <= 1 or left < WORTH_SPLITTING:
            return Plan(after, after, 1)
        newest = await self.reader.newest(1)
        top = max((m.id for m in newest.messages), default=after)
        if self.options.until is not None and top > after:
            end = min(top, await self.reader.last_id_before(self.options.until))
            left = left * max(0, end - after) // (top - after)
            top = end
            if left < WORTH_SPLITTING:
                return Plan(after, after, 1)
        return plan(after, top, left, most)


def uncancel() -> None:
    """Take back a cancel this task has absorbed (so later awaits in it are not cancelled)."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
