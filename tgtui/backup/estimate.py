"""What a backup will fetch, before it starts: one cheap request per chat.

The server's message count comes with any history page, so one page of the newest messages
gives the count and a sample of the chat's media: the media bytes are that sample's bytes per
message (under the chosen media filter) times the messages still to fetch. What is already on
disk comes from the chat's checkpoint. The sample is kept, so a changed media filter or
folder is estimated again without asking the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telethon import TelegramClient
from telethon.tl import types

from tgtui.backup.checkpoint import CheckpointError, load_checkpoint
from tgtui.backup.engine import STATE, chat_folder
from tgtui.backup.history import HistoryReader
from tgtui.backup.schema import to_record
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter
from tgtui.retry import FloodGate, Wait

SAMPLE = 100  # newest messages looked at per chat


@dataclass(frozen=True)
class Sample:
    """The newest messages of a chat, as much of them as an estimate needs."""

    count: int  # messages in the chat, as the server counts them
    size: int  # messages sampled
    files: tuple[dict[str, Any], ...]  # media_type, file_size (and unavailability) of files


@dataclass(frozen=True)
class Estimate:
    """One chat's backup, before it runs."""

    messages: int  # in the chat, as the server counts them
    on_disk: int  # already saved by earlier runs
    media_files: int  # files expected among the messages still to fetch (extrapolated)
    media_bytes: int  # their bytes (extrapolated)
    sampled: int  # messages the media figures were drawn from

    @property
    def to_fetch(self) -> int:
        """Messages still to fetch."""
        return max(0, self.messages - self.on_disk)


def on_disk(out: Path, target: ChatTarget, folders: dict[int, Path] | None = None) -> int:
    """Messages an earlier run saved for this chat (0 if none, or its checkpoint is unusable).

    ``folders`` (`tgtui.backup.engine.chat_folders`) spares listing the backup per chat.
    """
    try:
        checkpoint = load_checkpoint(chat_folder(out, target, folders) / STATE, target.chat_id)
    except CheckpointError:
        return 0
    return checkpoint.messages if checkpoint is not None else 0


async def sample(
    client: TelegramClient,
    target: ChatTarget,
    *,
    gate: FloodGate,
    on_wait: Callable[[Wait], None] | None = None,
) -> Sample:
    """One getHistory request: the chat's message count and its newest messages' files."""
    reader = HistoryReader(client, target.input_peer, gate=gate, on_wait=on_wait)
    page = await reader.newest(SAMPLE)
    messages = [m for m in page.messages if not isinstance(m, types.MessageEmpty)]
    files: list[dict[str, Any]] = []
    for message in messages:
        record = to_record(message, page.names)
        if record.get("media_type"):
            keep = ("media_type", "file_size", "media_unavailable")
            files.append({k: record[k] for k in keep if k in record})
    count = page.count if page.count is not None else len(messages)
    return Sample(count=count, size=len(messages), files=tuple(files))


def estimate(found: Sample, *, saved: int, media: MediaFilter) -> Estimate:
    """What is left to fetch, given what is on disk and which files are wanted."""
    wanted = [f for f in found.files if media.wants(f)]
    remaining = max(0, found.count - saved)
    scale = remaining / found.size if found.size else 0.0
    return Estimate(
        messages=found.count,
        on_disk=saved,
        media_files=round(len(wanted) * scale),
        media_bytes=round(sum(int(f.get("file_size") or 0) for f in wanted) * scale),
        sampled=found.size,
    )
