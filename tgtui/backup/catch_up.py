"""Keeping saved messages true: their edits and deletions since the last run, found by
Telegram's own mechanisms (core.telegram.org/api/updates), written by `tgtui.backup.versions`.

- A channel or supergroup has its own update box: `updates.getChannelDifference` from the pts
  saved in the chat's checkpoint gives what changed (new, edited, deleted), a slice at a time;
  an unchanged channel costs that one request. Telegram answers "too long" when the pts is
  older than what it keeps: then the saved range is re-checked.
- Private chats and basic groups share the account's box: `updates.getDifference` from the
  state saved in the backup (`updates-state.json`) once per run, for all of them. A deletion
  there names message ids only (they are unique in the account): each is looked up in the
  saved chats whose id range holds it.
- Where there is no saved state (a backup made before tgtui followed edits, or a state lost),
  the saved range is re-checked: read again page by page and compared with the saved records.
  Media are never downloaded again for this.

Every version and deletion is written (fsynced) before the pts or state that covers it is
saved, and written once (`Versions` remembers what it holds), so a run stopped anywhere loses
nothing and repeats nothing.

Over 400 lines on purpose: the two update boxes (a channel's, the account's) and the
re-check share one rule (write, fsync, then save the pts), which reads best in one place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import TelegramClient, errors, utils
from telethon.tl import functions, types

from tgtui.backup.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tgtui.backup.files import write_json_atomically
from tgtui.backup.history import HistoryReader
from tgtui.backup.schema import Names, to_record
from tgtui.backup.versions import FileFor, Versions
from tgtui.backup.writer import BackupWriteError, last_record_id
from tgtui.format.jsonl import after_last_newline
from tgtui.format.safe_files import STATE_MAX, read_json
from tgtui.format.versions import JSONL, find_record, saved_records
from tgtui.portable import NOFOLLOW, NONBLOCK, open_fd
from tgtui.retry import Wait, retry
from tgtui.telegram.history import HISTORY_RETRY

CHANNEL_LIMIT = 100  # updates asked per getChannelDifference (Telegram: users pass 10-100)
CHANNEL_DIFFERENCE = "updates.getChannelDifference"
DIFFERENCE = "updates.getDifference"
STATE = "updates.getState"
STATE_FILE = "updates-state.json"
CHECKPOINT = "state.json"


def is_channel_id(chat_id: int) -> bool:
    """Whether a (Telethon-marked) chat id is a channel's or supergroup's: its own box."""
    return chat_id <= -1_000_000_000_000


@dataclass
class Caught:
    """What a catch-up found and what it cost."""

    versions: int = 0
    deletions: int = 0
    requests: int = 0
    new_messages: bool = False  # the difference announced messages newer than the saved ones
    rechecked: bool = False
    by_chat: dict[int, tuple[int, int]] = field(default_factory=dict)  # (versions, deletions)
    touched: set[int] = field(default_factory=set)  # chats with new messages (account box)

    def count(self, chat_id: int, versions: int = 0, deletions: int = 0) -> None:
        """Count what was found in one chat (of the account's difference)."""
        before = self.by_chat.get(chat_id, (0, 0))
        self.by_chat[chat_id] = (before[0] + versions, before[1] + deletions)
        self.versions += versions
        self.deletions += deletions


def _edited(update: Any, names: Names, last_id: int, jsonl: Path, versions: Versions) -> bool:
    """Keep an edit of a saved message as a later version."""
    message = update.message
    if not isinstance(message, types.Message) or message.id > last_id:
        return False  # not saved yet: the copy takes its latest version
    first = find_record(jsonl, message.id)
    return first is not None and versions.edited(to_record(message, names), first)


def _apply(
    update: Any, names: Names, last_id: int, jsonl: Path, versions: Versions, how: str
) -> None:
    """One update of a chat's difference: an edit or a deletion of saved messages."""
    if isinstance(update, types.UpdateEditChannelMessage | types.UpdateEditMessage):
        _edited(update, names, last_id, jsonl, versions)
    elif isinstance(update, types.UpdateDeleteChannelMessages | types.UpdateDeleteMessages):
        for message_id in update.messages:
            if message_id <= last_id and find_record(jsonl, message_id) is not None:
                versions.deleted(message_id, how)


async def recheck(
    reader: HistoryReader, folder: Path, last_id: int, versions: Versions, caught: Caught
) -> int | None:
    """Read the saved range of a chat again and compare it with what is saved: a message
    Telegram no longer has is deleted, one with another edit date has a new version. Returns
    the channel pts of the first answer (None for other chats). The requests are counted in
    ``caught``; what was found is in ``versions``."""
    caught.rechecked = True
    saved = saved_records(folder / JSONL)
    current = next(saved, None)
    if current is None:
        return None
    pts: int | None = None
    async for page in reader.walk(int(current["id"]) - 1, last_id):
        caught.requests += 1
        if pts is None:
            pts = page.pts
        for message in page.messages:
            while current is not None and int(current["id"]) < message.id:
                versions.deleted(int(current["id"]), "re-check")
                current = next(saved, None)
            if current is not None and int(current["id"]) == message.id:
                record = to_record(message, page.names)
                if record.get("edited_unixtime") != current.get("edited_unixtime"):
                    versions.edited(record, current)
                current = next(saved, None)
    while current is not None and int(current["id"]) <= last_id:
        versions.deleted(int(current["id"]), "re-check")
        current = next(saved, None)
    return pts


async def catch_up_channel(
    reader: HistoryReader,
    folder: Path,
    last_id: int,
    pts: int | None,
    file_for: FileFor | None = None,
) -> tuple[int | None, Caught]:
    """A channel's edits and deletions since ``pts`` (None: re-check the saved range);
    returns the pts they are known up to, and what was found. ``file_for`` places the file
    of a version whose media Telegram replaced (`tgtui.backup.versions.Versions`)."""
    caught = Caught()
    with contextlib.closing(Versions(folder, file_for).open()) as versions:
        if pts is None:
            pts = await recheck(reader, folder, last_id, versions, caught)
        else:
            channel = utils.get_input_channel(reader.peer)
            while True:
                answer = await reader.call(
                    functions.updates.GetChannelDifferenceRequest(
                        channel=channel,
                        filter=types.ChannelMessagesFilterEmpty(),
                        pts=pts,
                        limit=CHANNEL_LIMIT,
                    ),
                    CHANNEL_DIFFERENCE,
                    probed=False,  # one per channel: they go out together (budget)
                )
                caught.requests += 1
                if isinstance(answer, types.updates.ChannelDifferenceEmpty):
                    pts = answer.pts
                    break
                if isinstance(answer, types.updates.ChannelDifferenceTooLong):
                    logger.info("channel {}: difference too long; re-checking", reader.peer)
                    caught.new_messages = True
                    pts = await recheck(reader, folder, last_id, versions, caught)
                    pts = pts or answer.dialog.pts
                    break
                names = Names(answer.users, answer.chats)
                caught.new_messages |= bool(answer.new_messages)
                for update in answer.other_updates:
                    _apply(update, names, last_id, folder / JSONL, versions, "channel difference")
                pts = answer.pts
                if answer.final:
                    break
        versions.flush()
        caught.versions, caught.deletions = versions.added_versions, versions.added_deleted
    return pts, caught


async def recheck_chat(
    reader: HistoryReader, folder: Path, last_id: int, file_for: FileFor | None = None
) -> Caught:
    """`recheck` of a private chat or basic group, into its folder's versions."""
    caught = Caught()
    with contextlib.closing(Versions(folder, file_for).open()) as versions:
        await recheck(reader, folder, last_id, versions, caught)
        versions.flush()
        caught.versions, caught.deletions = versions.added_versions, versions.added_deleted
    return caught


# -- the account's box: private chats and basic groups -------------------------------------


@dataclass(frozen=True)
class SavedChat:
    """A private chat or basic group of the backup, as the account catch-up sees it."""

    chat_id: int
    folder: Path
    last_id: int


def load_state(out: Path) -> dict[str, int] | None:
    """The account's update state saved in the backup, or None."""
    try:
        data = read_json(out / STATE_FILE, STATE_MAX)  # the safe way: no FIFO, link, endless
        state = {key: data[key] for key in ("pts", "date", "qts")}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("{}: unreadable ({}); re-checking instead", out / STATE_FILE, exc)
        return None
    # Telegram's pts, qts and dates are 32-bit: anything else was not written by tgtui.
    if not all(type(v) is int and 0 <= v < 1 << 32 for v in state.values()):
        logger.warning("{}: not an update state; re-checking instead", out / STATE_FILE)
        return None
    return state


def save_state(out: Path, state: Any) -> None:
    """Save the account's update state (after what it covers is written)."""
    write_json_atomically(
        out / STATE_FILE,
        {"pts": int(state.pts), "date": int(state.date.timestamp()), "qts": int(state.qts)},
    )


def forget_state(out: Path, chats: list[SavedChat]) -> None:
    """Drop the saved account state (the next run starts a new one) and untrack ``chats``."""
    _untrack(chats)
    (out / STATE_FILE).unlink(missing_ok=True)


def _first_id(jsonl: Path) -> int | None:
    return next((int(r["id"]) for r in saved_records(jsonl)), None)


def last_saved_id(jsonl: Path) -> int:
    """The id of the last whole, readable record of a messages.jsonl (0 if none), read from
    its end. The file, not a checkpoint or the manifest, says what is saved: both may lag it
    after a run was killed (a batch is fsynced before either is written)."""
    try:
        fd = open_fd(jsonl, os.O_RDONLY | NOFOLLOW | NONBLOCK)
    except OSError:
        return 0
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return 0
        # A torn last line is not saved; unreadable whole lines are passed over.
        return last_record_id(fd, after_last_newline(fd, info.st_size)) or 0
    finally:
        os.close(fd)


def saved_chats(out: Path, folders: dict[int, Path]) -> list[SavedChat]:
    """The backup's private chats and basic groups as their files say (every chat folder,
    whether or not the manifest has caught up with it)."""
    found = []
    for chat_id, folder in sorted(folders.items()):
        if is_channel_id(chat_id):
            continue
        last_id = last_saved_id(folder / JSONL)
        if last_id:
            found.append(SavedChat(chat_id, folder, last_id))
    return found


def _owners(
    message_id: int, chats: list[SavedChat], first_ids: dict[int, int | None]
) -> Iterator[SavedChat]:
    """The saved chats whose file holds ``message_id`` (ids are unique in the account, so
    there is at most one; a damaged backup could hold it twice)."""
    for chat in chats:
        first = first_ids.get(chat.chat_id)
        if first is None or not first <= message_id <= chat.last_id:
            continue
        if find_record(chat.folder / JSONL, message_id) is not None:
            yield chat


@dataclass(frozen=True)
class AccountAhead:
    """The account catch-up's first answer, asked for beside the chat list (`account_ahead`)."""

    # The saved state ``answer`` is the difference from; None: ``answer`` is the update state
    # now (for a backup with none saved).
    since: dict[str, int] | None
    answer: Any


def account_ahead(
    client: TelegramClient, out: Path, on_wait: Callable[[Wait], None] | None = None
) -> Awaitable[AccountAhead | None]:
    """What `catch_up_account` asks Telegram first, asked before it, while the chats are
    listed: the account's update state for a backup with none saved (its first run), else
    the difference since the saved one. Either way a round trip less before the first
    history request, and still asked before any history is read: a state taken then is safe
    to save (the next run's difference covers every change after it; taken after, it would
    skip changes to messages read before it), and the difference is the one the run would
    ask for. None when nothing can be asked ahead (an unreadable state: the run re-checks)
    or Telegram refused (the run asks again itself, and handles the refusal).
    """
    if not os.path.lexists(out / STATE_FILE):
        return _ahead(client, None, functions.updates.GetStateRequest(), STATE, on_wait)
    state = load_state(out)
    if state is None:
        return _nothing()
    request = functions.updates.GetDifferenceRequest(
        pts=state["pts"], date=_date(state["date"]), qts=state["qts"], pts_total_limit=None
    )
    return _ahead(client, state, request, DIFFERENCE, on_wait)


async def _ahead(
    client: TelegramClient,
    since: dict[str, int] | None,
    request: Any,
    method: str,
    on_wait: Callable[[Wait], None] | None,
) -> AccountAhead | None:
    async def call() -> Any:
        return await client(request)

    try:
        answer = await retry(call, policy=HISTORY_RETRY, on_wait=on_wait, what=method)
    except errors.RPCError as exc:
        logger.info("{} asked ahead: {}; the run asks again", method, exc)
        return None
    return AccountAhead(since, answer)


async def _nothing() -> None:
    return None


async def catch_up_account(
    reader: HistoryReader,
    out: Path,
    chats: list[SavedChat],
    file_for: FileFor | None = None,
    *,
    ahead: AccountAhead | None = None,
) -> tuple[bool, Caught]:
    """Edits and deletions in private chats and basic groups since the backup's saved state,
    written to ``chats``' folders. Returns whether they are followed (False: no state was
    saved, or Telegram said the difference is too long, so saved chats must be re-checked)
    and what was found. The state is saved for the next run either way. ``ahead``: the first
    answer, asked for beside the chat list (`account_ahead`), used if it is from the state
    found here."""
    caught = Caught()
    state = load_state(out)
    first = ahead.answer if ahead is not None and ahead.since == state else None
    if first is not None:
        caught.requests += 1
    if state is None:
        now = first
        if now is None:
            now = await reader.call(functions.updates.GetStateRequest(), STATE)
            caught.requests += 1
        _untrack(chats)
        save_state(out, now)
        return False, caught
    first_ids = {chat.chat_id: _first_id(chat.folder / JSONL) for chat in chats}
    opened: dict[int, Versions] = {}

    def versions_of(chat: SavedChat) -> Versions | None:
        if chat.chat_id not in opened:
            try:
                opened[chat.chat_id] = Versions(chat.folder, file_for).open()
            except BackupWriteError as exc:
                if exc.stops_run:
                    raise
                logger.warning("chat {}: {}; its edits wait for its own backup", chat.chat_id, exc)
                _untrack([chat])
                return None
        return opened[chat.chat_id]

    # A chat whose files cannot be read is left to its own backup (which repairs it, or fails
    # it alone), and re-checked there: changes named here cannot be placed in it.
    unreadable = [chat for chat in chats if first_ids.get(chat.chat_id) is None]
    if unreadable:
        logger.warning(
            "chats {}: unreadable; re-checked by their own backup",
            [chat.chat_id for chat in unreadable],
        )
        _untrack(unreadable)
    chats = [chat for chat in chats if first_ids.get(chat.chat_id) is not None]

    by_id = {chat.chat_id: chat for chat in chats}
    pts, date, qts = state["pts"], state["date"], state["qts"]
    followed = True
    final: Any = None
    try:
        while True:
            if first is not None:
                answer, first = first, None
            else:
                answer = await reader.call(
                    functions.updates.GetDifferenceRequest(
                        pts=pts, date=_date(date), qts=qts, pts_total_limit=None
                    ),
                    DIFFERENCE,
                )
                caught.requests += 1
            if isinstance(answer, types.updates.DifferenceEmpty):
                break
            if isinstance(answer, types.updates.DifferenceTooLong):
                followed = False
                _untrack(chats)
                final = await reader.call(functions.updates.GetStateRequest(), STATE)
                caught.requests += 1
                break
            names = Names(answer.users, answer.chats)
            caught.touched |= {utils.get_peer_id(m.peer_id) for m in answer.new_messages}
            for update in answer.other_updates:
                if isinstance(update, types.UpdateEditMessage):
                    chat = by_id.get(utils.get_peer_id(update.message.peer_id))
                    if chat is not None and update.message.id > chat.last_id:
                        caught.touched.add(chat.chat_id)  # not saved yet: its copy takes it
                    versions = versions_of(chat) if chat is not None else None
                    if chat is not None and versions is not None:
                        caught.count(
                            chat.chat_id,
                            versions=_edited(
                                update, names, chat.last_id, chat.folder / JSONL, versions
                            ),
                        )
                elif isinstance(update, types.UpdateDeleteMessages):
                    for message_id in update.messages:
                        for owner in _owners(message_id, chats, first_ids):
                            versions = versions_of(owner)
                            if versions is not None:
                                caught.count(
                                    owner.chat_id,
                                    deletions=versions.deleted(message_id, "account difference"),
                                )
            final = getattr(answer, "state", None) or answer.intermediate_state
            pts, date, qts = final.pts, int(final.date.timestamp()), final.qts
            if isinstance(answer, types.updates.Difference):
                break
        for versions in opened.values():
            versions.flush()
    finally:
        for versions in opened.values():
            versions.close()
    if final is not None:
        # New messages the difference names are not saved yet: their chats must be read
        # even if this run stops before it gets to them, so that is on disk first.
        _mark_news(by_id[chat_id] for chat_id in caught.touched if chat_id in by_id)
        save_state(out, final)
    return followed, caught


def _date(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, dt.UTC)


def _mark_news(chats: Iterable[SavedChat]) -> None:
    """Mark saved chats as having unread news (their checkpoint not complete), so their next
    backup reads their history whatever later differences say."""
    for chat in chats:
        path = chat.folder / CHECKPOINT
        try:
            checkpoint = load_checkpoint(path, chat.chat_id)
        except CheckpointError:
            continue  # rebuilt from the file by the chat's backup, which then reads it
        if checkpoint is not None and checkpoint.complete:
            checkpoint.complete = False
            save_checkpoint(path, checkpoint)


def _untrack(chats: list[SavedChat]) -> None:
    """Mark saved chats as not followed: their next backup re-checks them."""
    for chat in chats:
        path = chat.folder / CHECKPOINT
        try:
            checkpoint = load_checkpoint(path, chat.chat_id)
        except CheckpointError:
            continue
        if checkpoint is not None and checkpoint.tracked:
            checkpoint.tracked = False
            save_checkpoint(path, checkpoint)
