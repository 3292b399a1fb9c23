"""Per-chat checkpoints: what is safely on disk, replaced atomically after each fsynced batch.

The JSONL file is the truth: a checkpoint is never ahead of it (it is written only after the
batch it describes is fsynced), and on resume the file's last whole record decides where to
continue. A missing or corrupt checkpoint is rebuilt from the file, with a warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.backup.files import write_json_atomically
from tgtui.format.safe_files import STATE_MAX, open_lines, read_json
from tgtui.i18n import _

CHECKPOINT_VERSION = 1


@dataclass
class Checkpoint:
    """The state of one chat's backup."""

    chat_id: int
    last_id: int = 0  # highest message id written and fsynced
    messages: int = 0  # lines in messages.jsonl
    complete: bool = False  # the last run reached the newest message
    media_done: int = 0  # files saved at their final name
    media_last_id: int = 0  # media of messages up to this id were all tried
    media_failed: dict[str, str] = field(default_factory=dict)  # message id -> reason
    # Files Telegram no longer has (their message deleted before the file was saved): not
    # failures, and not tried again. message id -> reason.
    media_gone: dict[str, str] = field(default_factory=dict)
    updated: str = ""
    # (size, mtime_ns, inode) of messages.jsonl right after this run last wrote it: while the
    # file still matches, nobody has changed it, and its lines need not be parsed again.
    jsonl_stat: list[int] | None = None
    # Edits and deletions of saved messages are known up to here (`tgtui.backup.catch_up`):
    # a channel's update box pts; for private chats and basic groups (one box for the
    # account, kept in the backup's updates-state.json), whether they are followed there.
    pts: int | None = None
    tracked: bool = False
    # Thumbnails and userpics (`tgtui.backup.thumbnails`): looked at for the records up to
    # this id; those that failed, by message id -> reason (tried again by the next run).
    pictures_last_id: int = 0
    pictures_failed: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        return {"version": CHECKPOINT_VERSION, **asdict(self)}


class CheckpointError(Exception):
    """A checkpoint file that cannot be read."""


def load_checkpoint(path: Path, chat_id: int) -> Checkpoint | None:
    """The stored checkpoint, None if there is none; CheckpointError if it is unusable."""
    try:
        data = read_json(path, STATE_MAX)  # the safe way: no FIFO, link or endless file
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CheckpointError(
            _("{path}: cannot be read ({reason})").format(path=path, reason=exc)
        ) from exc
    if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            _("{path}: not a version {checkpoint_version} checkpoint").format(
                path=path, checkpoint_version=CHECKPOINT_VERSION
            )
        )
    try:
        checkpoint = Checkpoint(
            chat_id=int(data["chat_id"]),
            last_id=int(data["last_id"]),
            messages=int(data["messages"]),
            complete=bool(data["complete"]),
            media_done=int(data.get("media_done", 0)),
            media_last_id=int(data.get("media_last_id", 0)),
            media_failed={str(k): str(v) for k, v in dict(data.get("media_failed", {})).items()},
            media_gone={str(k): str(v) for k, v in dict(data.get("media_gone", {})).items()},
            updated=str(data.get("updated", "")),
            jsonl_stat=_stat_field(data.get("jsonl_stat")),
            pts=int(data["pts"]) if isinstance(data.get("pts"), int) else None,
            tracked=data.get("tracked") is True,
            pictures_last_id=int(data.get("pictures_last_id", 0)),
            pictures_failed={
                str(k): str(v) for k, v in dict(data.get("pictures_failed", {})).items()
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(
            _("{path}: missing or wrong field ({reason})").format(path=path, reason=exc)
        ) from exc
    if checkpoint.chat_id != chat_id:
        raise CheckpointError(
            _("{path}: belongs to chat {found}, not {expected}").format(
                path=path, found=checkpoint.chat_id, expected=chat_id
            )
        )
    return checkpoint


def _stat_field(value: object) -> list[int] | None:
    if isinstance(value, list) and len(value) == 3 and all(type(v) is int for v in value):
        return list(value)
    return None


def stat_key(path: Path) -> list[int] | None:
    """(size, mtime_ns, inode) of ``path``: changes whenever anyone writes or replaces it."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Replace the checkpoint atomically.

    Its folder is not fsynced (one fsync less per batch): a power cut may bring back the
    previous checkpoint, which is only ever behind the files, never ahead: `reconcile`
    lets messages.jsonl win, and an older pts only asks Telegram for more changes, which
    are written once."""
    checkpoint.updated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_json_atomically(path, checkpoint.to_json(), sync_folder=False)


def count_lines(path: Path) -> int:
    """Records in a JSONL file (one per line)."""
    if not path.exists():
        return 0
    count = 0
    with open_lines(path) as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def reconcile(path: Path, jsonl: Path, chat_id: int, last_id_on_disk: int | None) -> Checkpoint:
    """The checkpoint to resume from, made consistent with what the JSONL file really holds."""
    try:
        stored = load_checkpoint(path, chat_id)
    except CheckpointError as exc:
        logger.warning("{}; rebuilding it from {}", exc, jsonl)
        stored = None
    on_disk = last_id_on_disk or 0
    if stored is not None and stored.last_id == on_disk:
        return stored
    if stored is not None:
        logger.info(
            "chat {}: checkpoint said {} but the file ends at {}; the file wins",
            chat_id,
            stored.last_id,
            on_disk,
        )
    rebuilt = Checkpoint(chat_id=chat_id, last_id=on_disk, messages=count_lines(jsonl))
    if stored is not None:
        rebuilt.media_done, rebuilt.media_failed = stored.media_done, stored.media_failed
        rebuilt.media_gone = stored.media_gone
        rebuilt.media_last_id = min(stored.media_last_id, on_disk)
        rebuilt.pictures_failed = stored.pictures_failed
        rebuilt.pictures_last_id = min(stored.pictures_last_id, on_disk)
        if stored.last_id <= on_disk:
            # Behind the file (a checkpoint lost in a power cut): its pts is older, so
            # following from it asks for more changes, never fewer. Ahead of the file (the
            # file lost lines), the saved messages are re-checked instead.
            rebuilt.pts, rebuilt.tracked = stored.pts, stored.tracked
    return rebuilt
