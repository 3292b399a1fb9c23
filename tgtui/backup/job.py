"""A backup as the user sees it: the engine's run, the live state of every chat, and the
user's commands (pause, resume, cancel, retry what failed).

The TUI's backup screen renders a `BackupJob` and sends it commands; `tgtui backup` runs one
too. Nothing here draws anything: rows, totals, rates and failures are plain data
(`tgtui.backup.rows`), changed only by the engine's progress events, and `changes` counts
every change so a screen redraws only when something moved.

Over 400 lines on purpose: the job is what the TUI and the CLI both watch, and its estimate,
run and controls (pause, cancel, retry, follow) change the same rows together; the figures
themselves are computed in rows.py and estimate.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loguru import logger
from telethon import TelegramClient, errors

from tgtui.backup.catch_up import AccountAhead
from tgtui.backup.control import RunControl
from tgtui.backup.engine import (
    CANCELLED,
    BackupAborted,
    BackupEngine,
    BackupOptions,
    BackupResult,
    chat_folders,
)
from tgtui.backup.estimate import (
    Saved,
    assumed,
    count_files,
    estimate,
    sample,
    saved_of,
    search_keys,
)
from tgtui.backup.pace import load_paces, save_paces
from tgtui.backup.progress import (
    BackupEvent,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    MediaProgress,
    ProgressSink,
    Waiting,
)
from tgtui.backup.rows import (
    ChatRow,
    Failure,
    Samples,
    Totals,
    chat_failed,
    failures_of,
    totals_of,
)
from tgtui.backup.selection import ChatTarget
from tgtui.retry import FloodGate, Wait
from tgtui.telegram.errors import explain

if TYPE_CHECKING:  # imported where used: a run that needs none of them loads none
    from tgtui.backup.account_data import Fetched
    from tgtui.backup.follow import Following
    from tgtui.backup.takeout import Takeout

JobState = Literal["ready", "running", "finished"]


def account_of(me: Any) -> dict[str, Any]:
    """The account a backup belongs to, as the manifest records it."""
    return {
        "id": me.id,
        "name": " ".join(p for p in (me.first_name, me.last_name) if p),
        "username": me.username,
        "phone": me.phone,
    }


class TakeoutRefused(Exception):
    """Telegram wants the export approved on another device first; the message says how."""


class BackupJob:
    """One backup of chosen chats: estimate, run, control, and what failed."""

    def __init__(
        self,
        client: TelegramClient,
        targets: Iterable[ChatTarget],
        options: BackupOptions,
        *,
        takeout: bool = False,
        account: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        listener: ProgressSink | None = None,
        pace_file: Path | None = None,
        estimate_while_running: bool = False,
        ahead: AccountAhead | None = None,
        account_fetched: Fetched | None = None,
        listed: bool = False,
    ) -> None:
        self.client = client
        # Asked for the first run just before it (`tgtui backup`): the account catch-up's
        # first answer, and the chat list the targets come from (`BackupEngine.run`'s
        # ``listed``).
        self.ahead = ahead
        self.account_fetched = account_fetched  # the account's data, asked beside the list
        self.listed = listed
        # Estimate the chats not estimated yet while the run goes (their files' bytes make
        # the time left): the app and the command line's bars; unattended runs need not.
        self.estimate_while_running = estimate_while_running
        self.pace_file = pace_file  # flood limits learned by earlier runs, per account
        self.options = options
        self.takeout = takeout
        self.account = account
        self.clock = clock
        self.listener = listener  # e.g. the command line's progress bars
        wanted = bool(options.media.kinds or options.verify)
        self.rows: dict[int, ChatRow] = {
            t.chat_id: ChatRow(t, files_wanted=wanted) for t in targets
        }
        self._saved: dict[int, Saved] = {}  # what each chat had on disk when the run began
        self._estimated_with: dict[int, Saved] = {}  # what was on disk for its estimate
        self.control = RunControl()
        self.state: JobState = "ready"
        self.error: str | None = None  # why the last run stopped early
        self.started: float | None = None
        self.finished: float | None = None
        self.result: BackupResult | None = None
        self.following: Following | None = None  # follow mode's tally while it runs
        self.followed: Following | None = None  # and once it has ended
        self.flood_until: float | None = None  # the latest FLOOD_WAIT ends then
        self.changes = 0
        self._engine: BackupEngine | None = None
        self._estimating: asyncio.Future[None] | None = None
        self._samples = Samples()
        # The rows' new messages and bytes received, summed: kept as each event changes
        # one row (summing every row at every event was quadratic: 1.3 s of CPU for 3,000
        # chats, about 15 s for 10,000).
        self._new_sum = 0
        self._received_sum = 0
        self._gate = FloodGate()

    # --- the run -------------------------------------------------------------------------

    async def estimate(self) -> None:
        """Sample every chat (one request each, under the shared flood gate), ask Telegram
        how many files it has where the sample does not tell (`tgtui.backup.estimate`), and
        estimate it. Asks only what earlier calls have not."""
        folders = chat_folders(self.options.out)  # one listing for every chat
        for row in list(self.rows.values()):
            if row.ended or (self.running and row.media_started):
                continue  # its own figures are known now

            def waiting(wait: Wait, row: ChatRow = row) -> None:
                self._wait(row.chat_id, wait.seconds, wait.kind, explain(wait.error).text)

            if row.sample is None and self.running:
                saved = self._saved.get(row.chat_id, Saved())
                if saved.complete:  # up to date last time: no request for its figures
                    row.estimate = assumed(saved)
                    self.changed()
                    continue
            if row.sample is None:
                row.sample = await sample(self.client, row.target, gate=self._gate, on_wait=waiting)
                self._estimate(row, folders)
                self.changed()
            options = self.options
            keys = search_keys(
                row.sample,
                saved=self._saved_of(row, folders),
                media=options.media,
                since=options.since,
                until=options.until,
            )
            if any(key not in row.sample.searches for key in keys):
                await count_files(
                    self.client, row.target, row.sample, keys, gate=self._gate, on_wait=waiting
                )
            self._settled(row)
            self._estimate(row, folders)
            self.changed()

    def _settled(self, row: ChatRow) -> None:
        """A wait while estimating is over."""
        row.wait_until = None
        if row.status == "waiting" and not self.running:
            row.status, row.reason = "queued", None

    def reconfigure(self, options: BackupOptions) -> None:
        """New options before the run starts; estimates follow without asking the server
        (what it has not said yet is guessed until `estimate` asks)."""
        self.options = options
        wanted = bool(options.media.kinds or options.verify)
        folders = chat_folders(options.out)  # one listing for every chat
        for row in self.rows.values():
            row.files_wanted = wanted
            self._estimate(row, folders)
        self.changed()

    def fully_estimated(self, row: ChatRow) -> bool:
        """Telegram has said all the chat's estimate needs (its files are no longer guessed
        for want of an answer)."""
        saved = self._estimated_with.get(row.chat_id)
        if row.sample is None or saved is None:
            return False
        options = self.options
        keys = search_keys(
            row.sample, saved=saved, media=options.media, since=options.since, until=options.until
        )
        return all(key in row.sample.searches for key in keys)

    def _saved_of(self, row: ChatRow, folders: dict[int, Path]) -> Saved:
        if self.running:
            return self._saved.get(row.chat_id, Saved())
        return saved_of(self.options.out, row.target, folders)

    def _estimate(self, row: ChatRow, folders: dict[int, Path]) -> None:
        if row.sample is None:
            return
        options = self.options
        saved = self._estimated_with[row.chat_id] = self._saved_of(row, folders)
        row.estimate = estimate(
            row.sample, saved=saved, media=options.media, since=options.since, until=options.until
        )
        if self.state == "ready":
            row.total, row.done = row.estimate.messages, row.estimate.on_disk

    async def _estimate_meanwhile(self) -> None:
        """`estimate` alongside the run; a failure there costs only the figures."""
        try:
            await self.estimate()
        except Exception as exc:  # noqa: BLE001 - the figures only; the run goes on
            logger.warning("estimating during the backup stopped: {!r}", exc)

    async def run(
        self,
        only: Iterable[int] | None = None,
        *,
        follow: Callable[[BackupEngine, list[ChatTarget]], Awaitable[Following | None]]
        | None = None,
    ) -> BackupResult:
        """Back up every chat (or the chats ``only`` names, e.g. to retry failures); then,
        with ``follow``, keep following them (`tgtui.backup.follow`) until it returns what
        arrived, which the result then includes (`tgtui.backup.follow.merged`).

        Raises BackupAborted when the disk or the session fails, and TakeoutRefused when the
        export must first be approved on another device.
        """
        chosen = set(self.rows) if only is None else set(only)
        targets = [r.target for r in self.rows.values() if r.chat_id in chosen]
        again = self.started is not None  # a second run: what the estimates said is stale
        folders = chat_folders(self.options.out) if self.estimate_while_running else {}
        wanted = bool(self.options.media.kinds or self.options.verify)
        for row in self.rows.values():
            if row.chat_id in chosen:
                row.status, row.reason = "queued", None
                row.new = row.media_done = row.media_total = row.media_failed = 0
                row.received = row.media_bytes = 0
                row.media_started, row.files_wanted, row.started = False, wanted, None
                if again:  # asked again if need be (a chat left complete is not: `assumed`)
                    row.estimate = row.sample = None
                if self.estimate_while_running:
                    self._saved[row.chat_id] = saved_of(self.options.out, row.target, folders)
        self.state, self.error, self.finished = "running", None, None
        self.started = self.clock()
        self._samples = Samples()
        self._new_sum = sum(r.new for r in self.rows.values())
        self._received_sum = sum(r.received for r in self.rows.values())
        self.changed()
        takeout: Takeout | None = None
        if self.takeout:
            from tgtui.backup.takeout import Takeout

            takeout = Takeout(self.client)
        result: BackupResult | None = None
        account = int(self.account["id"]) if self.account else None
        if self.pace_file is not None and account is not None:
            self._gate.adopt(load_paces(self.pace_file, account))
        try:
            if takeout is not None:
                await self._start_takeout(takeout)
            self._engine = BackupEngine(
                self.client,
                self.options,
                on_event=self.on_event,
                account=self.account,
                wrap=takeout.wrap if takeout is not None else None,
                control=self.control,
                gate=self._gate,
            )
            engine = self._engine

            async def following() -> None:
                if follow is not None:
                    self.followed = await follow(engine, targets)

            self.followed = None
            if self.estimate_while_running:
                self._estimating = asyncio.ensure_future(self._estimate_meanwhile())
            # For the first run only: a later one's list and account state are older.
            ahead, listed, fetched = self.ahead, self.listed, self.account_fetched
            self.ahead, self.listed, self.account_fetched = None, False, None
            result = await engine.run(
                targets,
                follow=following if follow else None,
                listed=listed,
                ahead=ahead,
                account=fetched,
            )
            if self.followed is not None:
                from tgtui.backup.follow import merged

                result = merged(result, self.followed)
            result.seconds = self.clock() - self.started
            self.result = result
            return result
        except (BackupAborted, TakeoutRefused) as exc:
            self.error = str(exc)
            raise
        finally:
            self._engine = None
            if self._estimating is not None:
                self._estimating.cancel()
                self._estimating = None
            if self.pace_file is not None and account is not None:
                save_paces(self.pace_file, account, self._gate.paces)
            self.state, self.finished = "finished", self.clock()
            self.flood_until = None
            for row in self.rows.values():
                if row.chat_id in chosen and not row.ended:
                    row.status, row.reason = "partial", row.reason or CANCELLED
            if takeout is not None:
                success = result is not None and result.all_complete
                try:
                    await takeout.finish(success=success)
                except OSError as exc:  # connection lost: Telegram ends it later
                    logger.warning("could not finish the takeout session: {}", exc)
            self.changed()

    async def _start_takeout(self, takeout: Takeout) -> None:
        try:
            await takeout.start(
                files=bool(self.options.media.kinds),
                max_file_size=self.options.media.max_size,
                contacts=self.options.account,  # when each contact was added (getSaved)
            )
        except errors.TakeoutInitDelayError as exc:
            raise TakeoutRefused(explain(exc).text) from exc

    # --- commands --------------------------------------------------------------------------

    def pause(self, chat_id: int | None = None) -> None:
        """Pause the run, or one chat: it stops at its next safe point, everything saved."""
        self.control.pause(chat_id)
        self.changed()

    def resume(self, chat_id: int | None = None) -> None:
        """Resume the run, or one chat."""
        self.control.resume(chat_id)
        self.changed()

    def is_paused(self, chat_id: int | None = None) -> bool:
        """Whether the run, or that chat, is paused."""
        return self.control.is_paused(chat_id)

    def cancel(self, chat_id: int | None = None) -> None:
        """Stop one chat, or all: what was fetched is saved, and a later run resumes it."""
        if self._engine is not None:
            self.control.resume(chat_id)  # a paused chat must wake up to stop
            self._engine.cancel(chat_id)

    @property
    def running(self) -> bool:
        """A run is under way."""
        return self.state == "running"

    # --- events ----------------------------------------------------------------------------

    def on_event(self, event: BackupEvent) -> None:
        """Apply one engine event to the rows."""
        now = self.clock()
        row = self.rows.get(getattr(event, "chat_id", 0) or 0)
        if row is not None:  # its counts leave the sums; they come back changed, below
            self._new_sum -= row.new
            self._received_sum -= row.received
        if isinstance(event, Waiting):
            self._wait(event.chat_id, event.seconds, event.kind, event.reason)
        elif row is None:
            pass
        elif isinstance(event, ChatStarted):
            row.status, row.started, row.done = "running", now, event.already
            row.new_before, row.received_before = row.new, row.received
            row.media_started = False
        elif isinstance(event, ChatProgress):
            row.status, row.wait_until = "running", None
            row.done, row.new = event.done, row.new_before + event.new
            if event.total is not None:
                row.total = max(event.total, event.done)
        elif isinstance(event, MediaProgress):
            row.status, row.wait_until = "running", None
            row.media_done, row.media_total = event.done, event.total
            row.media_failed = event.failed
            row.received = row.received_before + event.received
            row.media_bytes = event.total_bytes
            row.media_started = True
        elif isinstance(event, ChatFinished):
            self._finish(row, event)
        if row is not None:
            self._new_sum += row.new
            self._received_sum += row.received
        self._samples.add(now, self._new_sum, self._received_sum)
        if self.listener is not None:
            self.listener(event)
        self.changed()

    def _finish(self, row: ChatRow, event: ChatFinished) -> None:
        row.wait_until, row.reason = None, event.reason
        row.done = max(row.done, event.messages)
        row.new = max(row.new, row.new_before + event.new)
        row.media_failed = event.media_failed
        row.repairs = event.repairs
        if event.status == "complete":
            row.status = "done"
            row.total = row.done
        else:
            row.status = event.status

    def _wait(self, chat_id: int | None, seconds: float, kind: str, reason: str) -> None:
        until = self.clock() + seconds
        if kind == "flood":
            self.flood_until = max(self.flood_until or 0.0, until)
        row = self.rows.get(chat_id) if chat_id is not None else None
        if row is not None and not row.ended:
            row.status, row.wait_until, row.reason = "waiting", until, reason
        self.changed()

    def changed(self) -> None:
        """Something the screens show changed (they redraw when ``changes`` moves)."""
        self.changes += 1

    # --- what the screen reads -------------------------------------------------------------

    def totals(self) -> Totals:
        """Counts, rates and the time left."""
        return totals_of(self.rows.values(), self._samples, self.clock(), running=self.running)

    def flood_left(self) -> float:
        """Seconds left of the latest FLOOD_WAIT (0: none)."""
        if self.flood_until is None:
            return 0.0
        return max(0.0, self.flood_until - self.clock())

    def failure_count(self) -> int:
        """How many items `failures` lists, counted from the rows (no file is read)."""
        return sum(chat_failed(r) + r.media_failed for r in self.rows.values())

    def failures(self) -> list[Failure]:
        """Chats that were skipped or failed, and files that could not be saved, with why
        (the files' reasons are read from each chat's state.json)."""
        return failures_of(self.rows.values(), self.options.out)

    def retryable(self) -> list[int]:
        """Chats worth running again: skipped or failed, partial, or with failed files."""
        return [
            r.chat_id
            for r in self.rows.values()
            if r.status in ("skipped", "failed", "partial") or r.media_failed
        ]
