"""The account's own data (`tgtui backup --account`): profile, profile pictures, contacts,
frequent contacts, sessions, web sessions, the chats left and the account's stories, each
asked of Telegram and kept as versions (`tgtui.format.account`): what is new or changed
since the last run is appended, what is gone is marked, nothing is rewritten.

Phone numbers and session addresses are never logged; a section Telegram refuses (a
privacy setting, a method this account may not call) is said and the others go on.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from loguru import logger
from telethon import errors, functions, types

from tgtui.backup.files import open_to_write
from tgtui.backup.writer import repair_tail
from tgtui.format.account import FOLDER, PROFILE_KEY, SECTIONS, read_section, section_path
from tgtui.i18n import _, counted
from tgtui.private_files import make_private_dir
from tgtui.retry import Backoff, Wait, retry

Items = dict[str, dict[str, Any]]  # an item's key -> its data
ACCOUNT_RETRY = Backoff(base=1.0, cap=30.0, attempts=6)
PAGE = 100  # items a request (Telegram's most for these lists)
MAX_PAGES = 1_000  # of one list: a server that never says "no more" is not followed for ever


@dataclass
class SectionResult:
    """What one section's run found: items added, changed and removed (keys), or why it
    could not be asked."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    total: int = 0  # items there now
    problem: str | None = None


def _seconds(when: object) -> int | None:
    return int(when.timestamp()) if isinstance(when, dt.datetime) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _peer_kind(chat: Any) -> str:
    """A chat's kind, as Telegram Desktop's export names it."""
    if isinstance(chat, types.User):
        return "user"
    if isinstance(chat, types.Channel):
        public = bool(getattr(chat, "username", None))
        if chat.broadcast:
            return "public_channel" if public else "private_channel"
        return "public_supergroup" if public else "private_supergroup"
    return "private_group"


def _name(peer: Any) -> str:
    if isinstance(peer, types.User):
        return " ".join(p for p in (_text(peer.first_name), _text(peer.last_name)) if p)
    return _text(getattr(peer, "title", ""))


Call = Callable[[Any], Awaitable[Any]]


async def profile(call: Call) -> Items:
    """The account itself: ids, names, username, phone and bio."""
    full = await call(functions.users.GetFullUserRequest(types.InputUserSelf()))
    me = next((u for u in full.users if getattr(u, "id", None) == full.full_user.id), None)
    if me is None:
        return {}
    return {
        PROFILE_KEY: {
            "user_id": me.id,
            "first_name": _text(me.first_name),
            "last_name": _text(me.last_name),
            "phone": _text(me.phone),
            "username": _text(me.username),
            "bio": _text(full.full_user.about),
        }
    }


async def profile_pictures(call: Call) -> Items:
    """Every profile picture, newest first as Telegram lists them, with its date."""
    items: Items = {}
    offset = 0
    for _page in range(MAX_PAGES):
        got = await call(
            functions.photos.GetUserPhotosRequest(types.InputUserSelf(), offset, 0, PAGE)
        )
        for photo in got.photos:
            if isinstance(photo, types.Photo):
                items[str(photo.id)] = {"photo_id": photo.id, "date": _seconds(photo.date)}
        offset += len(got.photos)
        if not got.photos or isinstance(got, types.photos.Photos):
            break
        if offset >= got.count:
            break
    return items


async def stories(call: Call) -> Items:
    """The account's own stories: pinned ones and the archive."""
    items: Items = {}
    for request in (
        functions.stories.GetPinnedStoriesRequest,
        functions.stories.GetStoriesArchiveRequest,
    ):
        offset_id = 0
        for _page in range(MAX_PAGES):
            got = await call(request(types.InputPeerSelf(), offset_id, PAGE))
            listed = [s for s in got.stories if isinstance(s, types.StoryItem)]
            for story in listed:
                media = type(story.media).__name__ if story.media is not None else None
                item = items.setdefault(str(story.id), {})
                item.update(
                    {
                        "id": story.id,
                        "date": _seconds(story.date),
                        "expires": _seconds(story.expire_date),
                        "pinned": bool(story.pinned) or item.get("pinned", False),
                        "caption": _text(story.caption),
                        "media_type": media,
                    }
                )
            if not listed:
                break
            offset_id = min(s.id for s in listed)
            if len(items) >= got.count:
                break
    return items


async def contacts(call: Call) -> Items:
    """The saved contacts: names and phones."""
    got = await call(functions.contacts.GetContactsRequest(hash=0))
    if isinstance(got, types.contacts.ContactsNotModified):
        return {}
    users = {u.id: u for u in got.users if isinstance(u, types.User)}
    items: Items = {}
    for contact in got.contacts:
        user = users.get(contact.user_id)
        items[str(contact.user_id)] = {
            "user_id": contact.user_id,
            "first_name": _text(getattr(user, "first_name", "")),
            "last_name": _text(getattr(user, "last_name", "")),
            "phone": _text(getattr(user, "phone", "")),
            "mutual": bool(contact.mutual),
        }
    return items


_CATEGORIES = {
    types.TopPeerCategoryCorrespondents: "people",
    types.TopPeerCategoryBotsInline: "inline_bots",
    types.TopPeerCategoryPhoneCalls: "calls",
}


async def frequent_contacts(call: Call) -> Items:
    """Telegram's top peers, by category, with their ratings (none when the account has
    them turned off)."""
    got = await call(
        functions.contacts.GetTopPeersRequest(
            offset=0, limit=PAGE, hash=0, correspondents=True, bots_inline=True, phone_calls=True
        )
    )
    if not isinstance(got, types.contacts.TopPeers):
        return {}  # topPeersDisabled, or not modified
    peers: dict[tuple[str, int], Any] = {}
    for user in got.users:
        peers[("user", user.id)] = user
    for chat in got.chats:
        peers[("chat", chat.id)] = chat
    items: Items = {}
    for category in got.categories:
        name = _CATEGORIES.get(type(category.category))
        if name is None:
            continue
        for top in category.peers:
            peer = top.peer
            if isinstance(peer, types.PeerUser):
                found = peers.get(("user", peer.user_id))
                peer_id = peer.user_id
            else:
                peer_id = int(getattr(peer, "channel_id", 0) or getattr(peer, "chat_id", 0))
                found = peers.get(("chat", peer_id))
            items[f"{name}:{peer_id}"] = {
                "id": peer_id,
                "category": name,
                "type": _peer_kind(found) if found is not None else "user",
                "name": _name(found) if found is not None else "",
                "rating": float(top.rating),
            }
    return items


async def sessions(call: Call) -> Items:
    """The account's active sessions (apps and devices)."""
    got = await call(functions.account.GetAuthorizationsRequest())
    return {
        str(a.hash): {
            "hash": a.hash,
            "current": bool(a.current),
            "last_active": _seconds(a.date_active),
            "ip": _text(a.ip),
            "country": _text(a.country),
            "region": _text(a.region),
            "app_name": _text(a.app_name),
            "app_version": _text(a.app_version),
            "device_model": _text(a.device_model),
            "platform": _text(a.platform),
            "system_version": _text(a.system_version),
            "created": _seconds(a.date_created),
        }
        for a in got.authorizations
    }


async def web_sessions(call: Call) -> Items:
    """The websites the account logged in to with Telegram."""
    got = await call(functions.account.GetWebAuthorizationsRequest())
    bots = {u.id: _text(u.username) for u in got.users if isinstance(u, types.User)}
    return {
        str(a.hash): {
            "hash": a.hash,
            "last_active": _seconds(a.date_active),
            "ip": _text(a.ip),
            "region": _text(a.region),
            "bot_username": bots.get(a.bot_id, ""),
            "domain": _text(a.domain),
            "browser": _text(a.browser),
            "platform": _text(a.platform),
            "created": _seconds(a.date_created),
        }
        for a in got.authorizations
    }


async def left_chats(call: Call) -> Items:
    """The channels and supergroups the account left."""
    items: Items = {}
    offset = 0
    for _page in range(MAX_PAGES):
        got = await call(functions.channels.GetLeftChannelsRequest(offset))
        for chat in got.chats:
            items[str(chat.id)] = {
                "id": chat.id,
                "title": _text(getattr(chat, "title", "")),
                "type": _peer_kind(chat),
                "username": _text(getattr(chat, "username", None)),
            }
        offset += len(got.chats)
        if not got.chats or offset >= getattr(got, "count", offset):
            break
    return items


FETCHERS: dict[str, Callable[[Call], Awaitable[Items]]] = {
    "profile": profile,
    "profile_pictures": profile_pictures,
    "stories": stories,
    "contacts": contacts,
    "frequent_contacts": frequent_contacts,
    "sessions": sessions,
    "web_sessions": web_sessions,
    "left_chats": left_chats,
}
assert tuple(FETCHERS) == SECTIONS


def keep(out: Path, section: str, now: Items, when: int) -> SectionResult:
    """Append to ``section``'s file what is new, changed or gone in ``now`` since the last
    version of each item; fsynced before returning."""
    before = read_section(out, section)
    current = before.current()
    result = SectionResult(total=len(now))
    lines: list[bytes] = []
    for key, data in now.items():
        if key not in current:
            (result.changed if key in before.versions else result.added).append(key)
        elif current[key] != data:
            result.changed.append(key)
        else:
            continue
        lines.append(orjson.dumps({"key": key, "seen": when, "data": data}) + b"\n")
    for key in current.keys() - now.keys():
        result.removed.append(key)
        lines.append(orjson.dumps({"key": key, "seen": when, "removed": True}) + b"\n")
    if lines:
        path = section_path(out, section)
        make_private_dir(path.parent)
        if path.exists():
            repair_tail(path)  # a line a crash cut short is not followed by a good one
        fd = open_to_write(path, append=True)
        try:
            os.write(fd, b"".join(lines))
            os.fsync(fd)
        finally:
            os.close(fd)
    return result


REFUSED = (errors.RPCError,)  # a section Telegram will not give this account


async def back_up_account(
    client: Any,
    out: Path,
    on_wait: Callable[[Wait], None] | None = None,
    clock: Callable[[], float] = time.time,
    wrap: Callable[[Any], Any] | None = None,
) -> dict[str, SectionResult]:
    """Ask Telegram for every section (each request through ``wrap``: a takeout's, when the
    backup runs in one) and keep what changed; each section's result."""

    async def call(request: Any) -> Any:
        async def once() -> Any:
            return await client(wrap(request) if wrap is not None else request)

        return await retry(once, policy=ACCOUNT_RETRY, on_wait=on_wait, what=type(request).__name__)

    make_private_dir(out / FOLDER)
    results: dict[str, SectionResult] = {}
    for section, fetch in FETCHERS.items():
        try:
            now = await fetch(call)
        except errors.TakeoutRequiredError:
            # Telegram gives the chats left (and contacts' dates) only to a data export.
            results[section] = SectionResult(problem=_("only in a data export: run with --takeout"))
            continue
        except REFUSED as exc:
            logger.warning("account {}: Telegram refused it ({})", section, type(exc).__name__)
            results[section] = SectionResult(problem=str(exc))
            continue
        results[section] = keep(out, section, now, int(clock()))
        logger.info(
            "account {}: {} items, {} new, {} changed, {} gone",
            section,
            results[section].total,
            len(results[section].added),
            len(results[section].changed),
            len(results[section].removed),
        )
    return results


def _section_name(section: str) -> str:
    names = {
        "profile": _("profile"),
        "profile_pictures": _("profile pictures"),
        "stories": _("stories"),
        "contacts": _("contacts"),
        "frequent_contacts": _("frequent contacts"),
        "sessions": _("sessions"),
        "web_sessions": _("web sessions"),
        "left_chats": _("chats left"),
    }
    return names[section]


def account_notes(results: dict[str, SectionResult]) -> list[str]:
    """What a run kept of the account: one note for what changed, one per section refused."""
    changed = []
    notes = []
    for section, result in results.items():
        if result.problem is not None:
            notes.append(
                _("account {section}: not saved: {problem}").format(
                    section=_section_name(section), problem=result.problem
                )
            )
            continue
        parts = [
            counted("{count} added", "{count} added", len(result.added)) if result.added else "",
            counted("{count} changed", "{count} changed", len(result.changed))
            if result.changed
            else "",
            counted("{count} gone", "{count} gone", len(result.removed)) if result.removed else "",
        ]
        said = ", ".join(p for p in parts if p)
        if said:
            changed.append(f"{_section_name(section)} ({said})")
    if changed:
        notes.insert(0, _("account saved: {changes}").format(changes="; ".join(changed)))
    elif results:
        notes.insert(0, _("account saved: nothing changed since the last run"))
    return notes
