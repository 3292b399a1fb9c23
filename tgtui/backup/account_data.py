"""The account's own data (`tgtui backup --account`): profile, profile pictures, contacts,
frequent contacts, sessions, web sessions, the chats left and the account's stories, each
asked of Telegram and kept as versions (`tgtui.format.account`): what is new or changed
since the last run is appended, what is gone is marked, nothing is rewritten.

Phone numbers and session addresses are never logged; a section Telegram refuses (a
privacy setting, a method this account may not call) is said and the others go on. The
files of the profile pictures and stories are saved beside them (`tgtui.backup.account_files`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from telethon import errors, functions, types

from tgtui.backup.account_files import (
    AccountDownloads,
    Listed,
    picture_wanted,
    refreshed_picture,
    refreshed_story,
    story_wanted,
)
from tgtui.backup.files import open_to_write
from tgtui.backup.media import FileSource, file_source
from tgtui.backup.versioned import Items, keep_versions
from tgtui.format.account import FOLDER, PROFILE_KEY, SECTIONS, read_section, section_path
from tgtui.format.media_paths import NO_MEDIA, MediaFilter
from tgtui.i18n import _, counted, ngettext, number
from tgtui.private_files import make_private_dir
from tgtui.retry import Backoff, Wait, retry

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
    files_saved: int = 0  # the items' files saved by this run
    files_failed: dict[str, str] = field(default_factory=dict)  # key -> why not (retried)


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


def _picture_refresh(call: Call, photo_id: int) -> Callable[[], Awaitable[FileSource | None]]:
    async def refresh() -> FileSource | None:
        photo = await refreshed_picture(call, photo_id)
        return None if photo is None else file_source(types.MessageMediaPhoto(photo=photo))

    return refresh


def _story_refresh(call: Call, story_id: int) -> Callable[[], Awaitable[FileSource | None]]:
    async def refresh() -> FileSource | None:
        story = await refreshed_story(call, story_id)
        return None if story is None else file_source(story.media)

    return refresh


async def profile_pictures(call: Call) -> Listed:
    """Every profile picture, newest first as Telegram lists them, with its date (and the
    file of each)."""
    items: Items = {}
    listed = Listed(items)
    offset = 0
    for _page in range(MAX_PAGES):
        got = await call(
            functions.photos.GetUserPhotosRequest(types.InputUserSelf(), offset, 0, PAGE)
        )
        for photo in got.photos:
            if isinstance(photo, types.Photo):
                items[str(photo.id)] = {"photo_id": photo.id, "date": _seconds(photo.date)}
                wanted = picture_wanted(photo, _picture_refresh(call, photo.id))
                if wanted is not None:
                    listed.files[wanted.key] = wanted
        offset += len(got.photos)
        if not got.photos or isinstance(got, types.photos.Photos):
            break
        if offset >= got.count:
            break
    return listed


async def stories(call: Call) -> Listed:
    """The account's own stories: pinned ones and the archive (both asked at once), and the
    file of each."""

    async def listed(request: Any) -> list[Any]:
        found: list[Any] = []
        offset_id = 0
        for _page in range(MAX_PAGES):
            got = await call(request(types.InputPeerSelf(), offset_id, PAGE))
            page = [s for s in got.stories if isinstance(s, types.StoryItem)]
            found += page
            if not page or len(found) >= got.count:
                break
            offset_id = min(s.id for s in page)
        return found

    pinned, archive = await asyncio.gather(
        listed(functions.stories.GetPinnedStoriesRequest),
        listed(functions.stories.GetStoriesArchiveRequest),
    )
    items: Items = {}
    kept = Listed(items)
    for story in [*archive, *pinned]:  # a pinned story is in the archive too
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
        wanted = story_wanted(story, _story_refresh(call, story.id))
        if wanted is not None:
            kept.files[wanted.key] = wanted
    return kept


async def contacts(call: Call) -> Items:
    """The saved contacts: names, usernames and phones."""
    got = await call(functions.contacts.GetContactsRequest(hash=0))
    return _contacts(got)


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


async def dated_contacts(call: Call) -> Items:
    """The saved contacts, each with the date it was added (``date``, unix seconds): what
    Telegram gives only to a data export (contacts.getSaved, asked beside the list and
    matched to it by phone number). The dates refused, the contacts are kept without."""

    async def saved_contacts() -> list[Any]:
        try:
            return list(await call(functions.contacts.GetSavedRequest()))
        except errors.RPCError as exc:
            logger.warning("account: the contacts' dates refused ({})", type(exc).__name__)
            return []

    got, saved = await asyncio.gather(
        call(functions.contacts.GetContactsRequest(hash=0)), saved_contacts()
    )
    items = _contacts(got)
    added: dict[str, int] = {}
    for entry in saved:
        when = _seconds(getattr(entry, "date", None))
        phone = _digits(_text(getattr(entry, "phone", "")))
        if phone and when is not None:
            added[phone] = min(when, added.get(phone, when))
    for item in items.values():
        when = added.get(_digits(item["phone"])) if item["phone"] else None
        if when is not None:
            item["date"] = when
    return items


def _contacts(got: Any) -> Items:
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
            "username": _text(getattr(user, "username", None)),
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
    them turned off), paged as Telegram Desktop's export pages them: a page of each
    category at a time, until every category's ``count`` is reached; the next page starts
    after the longest list so far."""
    items: Items = {}
    offset = 0
    for _page in range(MAX_PAGES):
        got = await call(
            functions.contacts.GetTopPeersRequest(
                offset=offset,
                limit=PAGE,
                hash=0,
                correspondents=True,
                bots_inline=True,
                phone_calls=True,
            )
        )
        if not isinstance(got, types.contacts.TopPeers):
            break  # topPeersDisabled, or not modified
        listed = _top_peers(got, items)
        if all(offset + len(c.peers) >= c.count for c in got.categories):
            break
        following = max(listed.values(), default=0)
        if following <= offset:
            break  # a page that added nothing: no further page would either
        offset = following
    return items


def _top_peers(got: Any, items: Items) -> dict[str, int]:
    """Add a page of top peers to ``items``; how many each category has now."""
    peers: dict[tuple[str, int], Any] = {}
    for user in got.users:
        peers[("user", user.id)] = user
    for chat in got.chats:
        peers[("chat", chat.id)] = chat
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
    listed = dict.fromkeys(_CATEGORIES.values(), 0)
    for key in items:
        category = key.partition(":")[0]
        listed[category] = listed.get(category, 0) + 1
    return listed


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


FETCHERS: dict[str, Callable[[Call], Awaitable[Items | Listed]]] = {
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


# Fields that change whenever a session or a chat is used (a frequent contact's rating is
# recomputed all the time): not a new version by themselves.
VOLATILE = {
    "sessions": ("last_active",),
    "web_sessions": ("last_active",),
    "frequent_contacts": ("rating",),
}
# Fields only some runs can know (a contact's date: only in a data export): a run that does
# not know one keeps the last version's, so versions do not come and go with the run's kind.
STICKY = {"contacts": ("date",)}


def _kept_sticky(out: Path, section: str, items: Items) -> None:
    """Give the items that lack a `STICKY` field the value their last version has."""
    fields = STICKY.get(section, ())
    if not fields:
        return
    current = read_section(out, section).current()
    for key, data in items.items():
        before = current.get(key, {})
        for name in fields:
            if name not in data and name in before:
                data[name] = before[name]


def keep(out: Path, section: str, now: Items | Listed, when: int) -> SectionResult:
    """Append to ``section``'s file what is new, changed or gone in ``now`` since the last
    version of each item; fsynced before returning. The file is there once a run kept the
    section, even with no items (so a reader knows Telegram was asked)."""
    listed = now if isinstance(now, Listed) else Listed(now)
    items = listed.items
    _kept_sticky(out, section, items)
    path = section_path(out, section)
    kept = keep_versions(path, items, when, volatile=VOLATILE.get(section, ()))
    if not os.path.lexists(path):
        # Asked, and none there: the empty file says so (for the chats left: a takeout ran).
        os.close(open_to_write(path, append=True))
    return SectionResult(
        kept.added,
        kept.changed,
        kept.removed,
        total=len(items),
        files_saved=len(listed.saved),
        files_failed=dict(listed.failed),
    )


REFUSED = (errors.RPCError,)  # a section Telegram will not give this account


Fetched = dict[str, "Listed | SectionResult"]  # a section's items, or why it has none
# What a run asks for beside its chat list, outside any takeout (the chats left need one).
BESIDE_THE_LIST = tuple(s for s in SECTIONS if s != "left_chats")


async def fetch_account(
    client: Any,
    *,
    on_wait: Callable[[Wait], None] | None = None,
    wrap: Callable[[Any], Any] | None = None,
    only: Collection[str] = SECTIONS,
) -> Fetched:
    """Ask Telegram for the sections in ``only``, all at once (a run waits one round trip or
    two, not eight), each request through ``wrap`` (a takeout's, when the backup runs in
    one): each section's items, or why Telegram gave none."""

    async def call(request: Any) -> Any:
        async def once() -> Any:
            return await client(wrap(request) if wrap is not None else request)

        return await retry(once, policy=ACCOUNT_RETRY, on_wait=on_wait, what=type(request).__name__)

    async def fetched(
        fetch: Callable[[Call], Awaitable[Items | Listed]],
    ) -> Listed | SectionResult:
        try:
            got = await fetch(call)
            return got if isinstance(got, Listed) else Listed(got)
        except errors.TakeoutRequiredError:
            # Telegram gives the chats left (and contacts' dates) only to a data export.
            return SectionResult(problem=_("only in a data export: run with --takeout"))
        except REFUSED as exc:
            logger.warning("account: {} refused ({})", fetch.__name__, type(exc).__name__)
            return SectionResult(problem=str(exc))

    fetchers = dict(FETCHERS)
    if wrap is not None:  # a data export: the contacts with the dates they were added
        fetchers["contacts"] = dated_contacts
    wanted = [s for s in SECTIONS if s in only]
    answers = await asyncio.gather(*(fetched(fetchers[s]) for s in wanted))
    return dict(zip(wanted, answers, strict=True))


def keep_account(
    out: Path, fetched: Fetched, clock: Callable[[], float] = time.time
) -> dict[str, SectionResult]:
    """Keep what changed in each fetched section (in the backup's folder, under its lock);
    each section's result, in `SECTIONS`' order."""
    make_private_dir(out / FOLDER)
    results: dict[str, SectionResult] = {}
    for section in SECTIONS:
        now = fetched.get(section)
        if now is None:
            continue
        if isinstance(now, SectionResult):
            results[section] = now
            continue
        try:
            results[section] = keep(out, section, now, int(clock()))
        except OSError as exc:  # the disk: the chats are kept, this section is said
            logger.error("account {}: not written: {}", section, exc)
            results[section] = SectionResult(problem=exc.strerror or str(exc))
            continue
        logger.info(
            "account {}: {} items, {} new, {} changed, {} gone",
            section,
            results[section].total,
            len(results[section].added),
            len(results[section].changed),
            len(results[section].removed),
        )
    return results


async def save_account_files(out: Path, fetched: Fetched, downloads: AccountDownloads) -> None:
    """Save the files of the fetched profile pictures and stories that ``downloads`` takes
    (`tgtui.backup.account_files`), and name in each item's ``file`` those whole on disk:
    before `keep_account`, so a file is in the version that first has it."""
    make_private_dir(out / FOLDER)
    for section in ("profile_pictures", "stories"):
        listed = fetched.get(section)
        if isinstance(listed, Listed):
            await downloads.save(out, listed)


async def back_up_account(
    client: Any,
    out: Path,
    on_wait: Callable[[Wait], None] | None = None,
    clock: Callable[[], float] = time.time,
    wrap: Callable[[Any], Any] | None = None,
    skip: Collection[str] = (),
    *,
    media: MediaFilter = NO_MEDIA,
    pictures: bool = True,
) -> dict[str, SectionResult]:
    """`fetch_account`, `save_account_files` (the profile pictures unless not ``pictures``,
    the stories' files as ``media`` says), then `keep_account`: every section but those in
    ``skip``."""
    only = [s for s in SECTIONS if s not in skip]
    fetched = await fetch_account(client, on_wait=on_wait, wrap=wrap, only=only)
    downloads = AccountDownloads(client, media, pictures, wrap=wrap, on_wait=on_wait)
    await save_account_files(out, fetched, downloads)
    return keep_account(out, fetched, clock)


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


def account_notes(results: dict[str, SectionResult], *, asked: bool = True) -> list[str]:
    """What a run kept of the account: one note for what changed, one per section refused;
    that nothing changed only when the account was ``asked`` for by name (a plain --all
    run, every hour from cron, says nothing of it)."""
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
        if result.files_saved:
            parts.append(counted("{count} file saved", "{count} files saved", result.files_saved))
        said = ", ".join(p for p in parts if p)
        if said:
            changed.append(f"{_section_name(section)} ({said})")
        if result.files_failed:
            why = next(iter(result.files_failed.values()))
            notes.append(
                ngettext(
                    "account {section}: {count} file not saved ({problem}); "
                    "tried again at the next run",
                    "account {section}: {count} files not saved ({problem}); "
                    "tried again at the next run",
                    len(result.files_failed),
                ).format(
                    section=_section_name(section),
                    count=number(len(result.files_failed)),
                    problem=why,
                )
            )
    if changed:
        notes.insert(0, _("account saved: {changes}").format(changes="; ".join(changed)))
    elif results and asked:
        notes.insert(0, _("account saved: nothing changed since the last run"))
    return notes
