"""What the engine reports while it runs: small typed events, one callback; and what it
returns: a chat's last event (`ChatFinished`) is that chat's result, and `BackupResult` holds
them all.

The TUI's backup screen and the headless command both render these; neither needs any engine
code of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # a name for the type checker only: this module loads no Telethon
    from tgtui.backup.selection import ChatTarget

Status = Literal["complete", "partial", "skipped", "failed"]


@dataclass(frozen=True)
class ChatStarted:
    """A chat's backup began; ``already`` messages were on disk from earlier runs."""

    chat_id: int
    name: str
    already: int


@dataclass(frozen=True)
class ChatProgress:
    """Messages on disk so far (``done``) of about ``total`` in the chat (None: unknown)."""

    chat_id: int
    done: int
    total: int | None
    new: int  # written by this run


@dataclass(frozen=True)
class Waiting:
    """A pause: Telegram's FLOOD_WAIT (exact) or a retry after a fault (backoff)."""

    chat_id: int | None
    method: str
    seconds: float
    kind: Literal["flood", "transient"]
    reason: str


@dataclass(frozen=True)
class MediaProgress:
    """Files of a chat: saved so far of those to fetch in this run, and bytes received."""

    chat_id: int
    done: int
    total: int
    failed: int
    received: int  # bytes downloaded by this run
    total_bytes: int = 0  # bytes of the files to fetch in this run (as Telegram sizes them)


@dataclass(frozen=True)
class ChatFinished:
    """A chat is done for this run: how it ended. The engine sends it as the chat's last
    event and returns the same object as the chat's result (`ChatResult`)."""

    target: ChatTarget
    path: Path  # the chat's folder
    status: Status
    reason: str | None
    messages: int  # on disk in total
    new: int  # written by this run
    media_done: int = 0  # files on disk in total
    media_failed: int = 0  # files that could not be saved (reasons in state.json)
    repairs: tuple[str, ...] = ()  # damage found on disk and what was done about it
    edits: int = 0  # later versions of saved messages noticed by this run
    deletions: int = 0  # saved messages noticed deleted on Telegram by this run
    media_gone: int = 0  # files Telegram no longer has (deleted with their message)

    @property
    def chat_id(self) -> int:
        """The chat's peer id."""
        return self.target.chat_id

    @property
    def name(self) -> str:
        """The chat's name (from Telegram: sanitise it before showing it)."""
        return self.target.name


ChatResult = ChatFinished  # how one chat ended in a run: the event the engine sent about it


@dataclass
class BackupResult:
    """The whole run: how each chat ended, in the order they were asked for."""

    chats: list[ChatResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the folder (permissions tightened)
    seconds: float | None = None  # how long the run took (following included), when timed

    @property
    def all_complete(self) -> bool:
        """Every chat reached its end and every file was saved."""
        return all(c.status == "complete" and not c.media_failed for c in self.chats)


BackupEvent = ChatStarted | ChatProgress | MediaProgress | Waiting | ChatFinished
ProgressSink = Callable[[BackupEvent], None]
