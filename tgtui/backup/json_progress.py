"""`tgtui backup --progress json`: one JSON object per line on stdout for each event, for
scripts and monitors (README: start, chat_started, chat_progress, media_progress, waiting,
chat_finished, following, heartbeat, finished; connection_lost and connection_back are
written by `tgtui.commands.backup_progress.link_teller`). The same sink as the lines
(`tgtui.backup.reporters.Unattended`), another way of writing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from tgtui.backup.progress import (
    BackupEvent,
    BackupResult,
    ChatFinished,
    ChatProgress,
    ChatStarted,
    MediaProgress,
    Waiting,
)
from tgtui.backup.reporters import Figures, Unattended, quiet_refresh
from tgtui.untrusted import json_line

JSON_PROGRESS_EVERY = 1.0  # at most one chat_progress object per chat per second


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonProgress(Unattended):
    """One JSON object per line for each event (chat progress at most once a second per
    chat), a heartbeat, and a last ``finished`` object with the exit code."""

    def started(self, chats: int) -> None:
        """The ``start`` object."""
        self._shown: dict[int, float] = {}  # when each chat's progress was last written
        self._emit("start", chats=chats)

    def _emit(self, event: str, **fields: object) -> None:
        self.write(json_line({"event": event, "time": _now(), **fields}))

    def __call__(self, event: BackupEvent) -> None:
        """The engine's progress sink."""
        now = self.clock()
        files = self.tally.count(event, now)
        if self.in_follow and isinstance(event, ChatStarted):
            pass
        elif self.in_follow and isinstance(event, ChatFinished):
            self._shown.pop(event.chat_id, None)
            if not quiet_refresh(event, files):
                self._emit(
                    "arrived",
                    id=event.chat_id,
                    name=event.name,
                    status=event.status,
                    reason=event.reason,
                    messages=event.messages,
                    new=event.new,
                    edits=event.edits,
                    deletions=event.deletions,
                    files=files,
                    files_failed=event.media_failed,
                    repairs=list(event.repairs),
                )
        elif isinstance(event, ChatStarted):
            self._emit("chat_started", id=event.chat_id, name=event.name, saved=event.already)
        elif isinstance(event, ChatProgress | MediaProgress):
            if now - self._shown.get(event.chat_id, -1e9) >= JSON_PROGRESS_EVERY:
                self._shown[event.chat_id] = now
                if isinstance(event, ChatProgress):
                    self._emit(
                        "chat_progress",
                        id=event.chat_id,
                        saved=event.done,
                        total=event.total,
                        new=event.new,
                    )
                else:
                    self._emit(
                        "media_progress",
                        id=event.chat_id,
                        done=event.done,
                        total=event.total,
                        failed=event.failed,
                        bytes=event.received,
                        total_bytes=event.total_bytes,
                    )
        elif isinstance(event, Waiting):
            self._emit(
                "waiting",
                id=event.chat_id,
                kind=event.kind,
                method=event.method,
                seconds=event.seconds,
                reason=event.reason,
            )
        elif isinstance(event, ChatFinished):
            self._shown.pop(event.chat_id, None)
            self._emit(
                "chat_finished",
                id=event.chat_id,
                name=event.name,
                status=event.status,
                reason=event.reason,
                messages=event.messages,
                new=event.new,
                files=event.media_done,
                files_failed=event.media_failed,
                files_gone=event.media_gone,
                edits=event.edits,
                deletions=event.deletions,
                repairs=list(event.repairs),
            )
        self.tick()

    def beat(self, figures: Figures) -> None:
        """A ``heartbeat`` object (and, while following, a ``following`` one)."""
        self._emit("heartbeat", **asdict(figures))
        if self.tally.following is not None:
            self.following()

    def following(self) -> None:
        """A ``following`` object: what follow mode has saved since it began."""
        followed = self.tally.following
        if followed is None:
            return
        now = self.clock()
        self._emit(
            "following",
            seconds=round(now - followed.since, 1),
            new=followed.new,
            edits=followed.edits,
            deletions=followed.deletions,
            files=followed.files,
            bytes_received=self.tally.bytes_received() - self._received_at_follow,
            last_change_seconds_ago=(
                None if followed.last is None else round(now - followed.last, 1)
            ),
            not_up_to_date=sorted(followed.behind),
        )

    def finished(self, code: int, result: BackupResult | None, folder: str) -> None:
        """The last object: how the run ended."""
        fields: dict[str, object] = {"exit_code": code, "folder": folder}
        if result is not None:
            fields.update(
                chats=len(result.chats),
                complete=sum(c.status == "complete" for c in result.chats),
                messages=sum(c.messages for c in result.chats),
                new=sum(c.new for c in result.chats),
                files=sum(c.media_done for c in result.chats),
                files_failed=sum(c.media_failed for c in result.chats),
                files_gone=sum(c.media_gone for c in result.chats),
                edits=sum(c.edits for c in result.chats),
                deletions=sum(c.deletions for c in result.chats),
                notes=result.notes,
                seconds=None if result.seconds is None else round(result.seconds, 1),
            )
        self._emit("finished", **fields)
