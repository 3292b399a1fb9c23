"""The check before a chat's copy: damage on disk found, repaired from Telegram or reported.

A torn last line is cut; a file changed since tgtui last wrote it (or every file, with
--verify) is read whole (`tgtui.backup.integrity`), the messages it lost are fetched again and
the file rewritten in order, every message once; files the messages name that are gone or
changed are handed to the media pass to fetch again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.backup.checkpoint import Checkpoint, CheckpointError, load_checkpoint, stat_key
from tgtui.backup.files import read_by_size
from tgtui.backup.history import HistoryReader
from tgtui.backup.integrity import DAMAGED_SUFFIX, rewrite, scan
from tgtui.backup.naming import JSONL, STATE
from tgtui.backup.writer import BackupWriteError, encode_record, repair_tail
from tgtui.i18n import _, counted, ngettext, number

ToRecord = Callable[[Any, Any], dict[str, Any]]  # a message and its names, as a record


@dataclass
class Repair:
    """What the check before a chat's run found on disk, and what it did."""

    notes: list[str] = field(default_factory=list)
    expected: int = 0  # messages the file held before the damage (0: nothing to compare)
    # Every line was parsed (the file had changed, or --verify), and any damage rewritten:
    # the checkpoint's count and the file's stat are taken afresh.
    checked: bool = False
    damaged_files: dict[int, str] = field(default_factory=dict)  # fetched again
    unsafe_files: dict[int, str] = field(default_factory=dict)  # refused

    def unrepaired(self, messages: int) -> str | None:
        """Why a chat with ``messages`` on disk after its copy is only "partial": fewer than
        before the damage (the file only grows) is damage not undone. None: nothing lost."""
        short = self.expected - messages
        if short <= 0:
            return None
        return ngettext(
            "{count} damaged message could not be fetched again (deleted on "
            "Telegram?); unreadable lines are kept in {file}",
            "{count} damaged messages could not be fetched again (deleted on "
            "Telegram?); unreadable lines are kept in {file}",
            short,
        ).format(count=number(short), file=JSONL + DAMAGED_SUFFIX)


def _stored(state: Path, chat_id: int) -> Checkpoint:
    """The chat's checkpoint as stored (an empty one if there is none, or it is unusable)."""
    try:
        stored = load_checkpoint(state, chat_id)
    except CheckpointError:
        stored = None
    return stored or Checkpoint(chat_id=chat_id)


async def check_chat(
    folder: Path, chat_id: int, reader: HistoryReader, to_record: ToRecord, *, verify: bool
) -> Repair:
    """Check the chat's files; rewrite and re-fetch what is damaged (see integrity)."""
    jsonl = folder / JSONL
    repair = Repair()
    if not jsonl.exists():
        return repair
    stored = _stored(folder / STATE, chat_id)
    # Lines are parsed again only if the file changed since tgtui last wrote it (or with
    # --verify); the media files it names are looked at on every run.
    key = stat_key(jsonl)
    whole = verify or stored.jsonl_stat != key
    size = None if key is None else key[0]
    try:
        if whole:
            await read_by_size(size, repair_tail, jsonl)
        found = await read_by_size(size, scan, jsonl, folder, lines=whole)
    except OSError as exc:
        raise BackupWriteError(jsonl, exc) from exc
    repair.checked = whole
    # A file saved by an earlier run (tried, and not failed) that is gone: deleted since.
    for message_id in found.absent_files:
        tried = str(message_id) in stored.media_failed or str(message_id) in stored.media_gone
        if message_id <= stored.media_last_id and not tried:
            found.damaged_files[message_id] = "deleted since it was saved"
    repair.damaged_files = found.damaged_files
    repair.unsafe_files = found.unsafe_files
    # Fewer messages than the checkpoint counted: lines were deleted. Where is unknown, so
    # the whole range on disk is read again for the ids the file lacks.
    lost = max(0, stored.messages - found.records - found.bad_lines) if whole else 0
    gaps = [(low, high) for low, high in found.gaps if high]  # a broken end: read anyway
    if lost:
        gaps = [(0, found.last_id + 1)]
    problems = found.problems()
    if lost:
        problems.append(counted("{count} message missing", "{count} messages missing", lost))
    if not problems:
        return repair
    logger.warning("chat {}: {}, {} lost in {}", chat_id, found.tally(), lost, jsonl)
    extra: dict[int, bytes] = {}
    present = set(found.ids) if lost else None
    for low, high in gaps:
        extra.update(await _refetch(reader, to_record, low, high, present))
    if found.needs_rewrite or extra:
        try:
            await asyncio.to_thread(rewrite, jsonl, found, extra.items())
        except OSError as exc:
            raise BackupWriteError(jsonl, exc) from exc
    done = []
    if extra:
        done.append(
            counted("{count} message fetched again", "{count} messages fetched again", len(extra))
        )
    if found.needs_rewrite:
        done.append(_("the file rewritten in order, every message once"))
    if found.bad_lines:
        done.append(_("unreadable lines kept in {file}").format(file=JSONL + DAMAGED_SUFFIX))
    if found.damaged_files:
        done.append(_("changed files fetched again"))
    found_words = _("found {problems}").format(problems=", ".join(problems))
    repair.notes.append(found_words + "".join(f"; {d}" for d in done))
    repair.expected = stored.messages - found.duplicates
    return repair


async def _refetch(
    reader: HistoryReader, to_record: ToRecord, low: int, high: int, present: set[int] | None
) -> dict[int, bytes]:
    """Lines for the messages with low < id < high that are not in ``present``."""
    found: dict[int, bytes] = {}
    async for page in reader.walk(low, high - 1):
        for message in page.messages:
            if present is None or message.id not in present:
                found[message.id] = encode_record(to_record(message, page.names))
    return found
