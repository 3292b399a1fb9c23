"""The account's own data in the HTML export (a backup's ``account/``, `tgtui backup
--account`): a page a section under ``lists/``, as Telegram Desktop's HTML export names them
(its `export_output_html.cpp`), and the "Account" block of index.html linking to them.

    lists/personal_information.html   the profile (and its earlier versions)
    lists/profile_pictures.html       profile_pictures/ holds the saved pictures
    lists/stories.html                stories/ holds the saved stories
    lists/contacts.html, frequent.html, sessions.html, web_sessions.html, left_chats.html

Unlike Telegram Desktop's export, which knows only what is there now, the backup keeps what
is gone: an item removed from Telegram (a contact deleted, a session ended) is shown as it
last was, marked removed with when the backup noticed it; nothing is left out.

A profile picture's or story's ``file`` (its saved file, relative to the backup folder) is
placed in the export as a message's media is (hard link, or copy), and only if it is a
regular file inside the backup reached through no link; anything else reads as not saved.
Every string comes from the backup and is escaped before it reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from tgtui.export.account_tde import (
    AccountData,
    contacts_order,
    format_phone,
    item_rating,
    item_seconds,
)
from tgtui.export.files import FilePlacer, FileTally, is_picture
from tgtui.export.html_media import file_url, playable, userpic
from tgtui.export.html_pages import CSS_PATH, local_time, page_head
from tgtui.format.account import FOLDER, PROFILE_KEY, Section, Version
from tgtui.format.avatars import saved_file
from tgtui.format.records import MAX_ID
from tgtui.format.safe_files import file_problem, inside_folder
from tgtui.format.userpics import colour_index
from tgtui.i18n import N_, _, decimal, number
from tgtui.untrusted import html_text as esc

Record = dict[str, Any]

LISTS = "lists"  # the account's pages, as Telegram Desktop's export names the folder
PICTURES = "profile_pictures"  # the saved profile pictures, in the export
STORIES = "stories"  # the saved stories, in the export
# What the account's pages add at the top of an export.
ACCOUNT_NAMES = frozenset({LISTS, PICTURES, STORIES})

# Each section's page and title, in Telegram Desktop's order.
PAGES = {
    "profile": ("personal_information.html", N_("Personal information")),
    "profile_pictures": ("profile_pictures.html", N_("Profile pictures")),
    "stories": ("stories.html", N_("Stories")),
    "contacts": ("contacts.html", N_("Contacts")),
    "frequent_contacts": ("frequent.html", N_("Frequent contacts")),
    "sessions": ("sessions.html", N_("Sessions")),
    "web_sessions": ("web_sessions.html", N_("Web sessions")),
    "left_chats": ("left_chats.html", N_("Left chats")),
}
ABOUT = {
    "profile": N_("Your profile as the backup saw it, and how it was before each change."),
    "profile_pictures": N_("Your profile pictures, the newest first."),
    "stories": N_("Your stories, the newest first."),
    "contacts": N_("Your contacts. A contact you deleted is kept, marked removed."),
    "frequent_contacts": N_(
        "The people, inline bots and calls Telegram rated as the ones you use most."
    ),
    "sessions": N_(
        "The devices signed in to your account. A session ended is kept, marked removed."
    ),
    "web_sessions": N_(
        "The websites you logged in to with Telegram. One logged out is kept, marked removed."
    ),
    "left_chats": N_("The supergroups and channels you left or were banned from."),
}
CATEGORIES = {
    "people": N_("People"),
    "inline_bots": N_("Inline bots"),
    "calls": N_("Calls"),
}
KINDS = {
    "private_group": N_("Group"),
    "private_supergroup": N_("Group"),
    "public_supergroup": N_("Public group"),
    "private_channel": N_("Channel"),
    "public_channel": N_("Public channel"),
}
MEDIA = {"MessageMediaPhoto": N_("Photo"), "MessageMediaDocument": N_("Video")}
_KEY = re.compile(r"[0-9]{1,20}")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}")


@dataclass(frozen=True)
class Item:
    """One item of a section as the pages show it: its last version with data, and when the
    backup saw it gone (None: there now)."""

    key: str
    data: Record
    removed: int | None
    added: int  # when the backup first saw it (since it last came back)
    versions: list[Version]


def items(section: Section) -> list[Item]:
    """Every item of a section, there now or removed, in the order first seen."""
    found = []
    for key, versions in section.versions.items():
        kept = [v for v in versions if v.data is not None]
        if not kept:
            continue
        # When it was first seen since it last came back (a removal followed by data).
        since, gone = versions[0].seen, False
        for version in versions:
            if version.data is not None and gone:
                since = version.seen
            gone = version.data is None
        last, data = versions[-1], kept[-1].data
        assert data is not None
        removed = last.seen if last.data is None else None
        found.append(Item(key, data, removed, since, versions))
    return found


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _id(value: object) -> int | None:
    return value if type(value) is int and 0 < value <= MAX_ID else None


def _colour(key: str) -> int:
    return colour_index(key)


def _name(first: object, last: object) -> str:
    return f"{_text(first)} {_text(last)}".strip()


def _lines(value: str) -> str:
    return esc(value).replace("\n", "<br>")


@dataclass
class AccountPages:
    """What the account's pages wrote: the index's Account block ("" without account data),
    the files placed, and what went wrong."""

    block: str = ""
    tally: FileTally = field(default_factory=FileTally)


class _Writer:
    """Writes the account's pages of one export."""

    def __init__(self, root: Path, backup: Path, copy: bool) -> None:
        self.root = root
        self.backup = backup
        self.placer = FilePlacer(backup, root, {}, copy=copy, name="account")
        self.folders: set[str] = set()

    def saved(self, folder: str, item: Item, position: int) -> str | None:
        """The item's saved file (``file``, relative to the backup folder) placed in the
        export's ``folder``: its path from the export's root, or None when it is not saved,
        not there, or not a regular file inside the backup reached through no link."""
        relative = item.data.get("file")
        if not isinstance(relative, str) or not relative or "\x00" in relative:
            return None
        if Path(relative).anchor or PureWindowsPath(relative).anchor or "\\" in relative:
            return None
        source = saved_file(self.backup, relative)
        if source is None:
            refused = inside_folder(self.backup, relative) or file_problem(self.backup / relative)
            if refused is None:  # not there (never saved, or deleted since)
                self.placer.tally.missing += 1
            else:
                self.placer.tally.refused += 1
                self.placer.tally.problems.append(
                    _("{chat}: {file} is refused: {reason}").format(
                        chat=FOLDER, file=relative, reason=refused
                    )
                )
            return None
        suffix = Path(relative).suffix
        name = (item.key if _KEY.fullmatch(item.key) else str(position)) + (
            suffix.lower() if _SUFFIX.fullmatch(suffix) else ""
        )
        target = f"{folder}/{name}"
        try:
            if folder not in self.folders:
                (self.root / folder).mkdir(mode=0o700, exist_ok=True)
                self.folders.add(folder)
            self.placer.put(source, self.root / target)
        except OSError as exc:
            self.placer.tally.missing += 1
            self.placer.tally.problems.append(f"{target}: {exc.strerror or exc}")
            return None
        return target

    def shown(self, target: str) -> str:
        """A saved picture or video as a page shows it (from lists/), else a link to it."""
        url = file_url("../" + target)
        if is_picture(self.root / target):
            return f'<img class="account-photo" src="{url}" alt="" loading="lazy">'
        if playable(self.root / target):
            return f'<video class="account-photo" src="{url}" controls preload="metadata"></video>'
        words = esc(_("The saved file"))
        return f'<a href="{url}">{words}</a>'

    def page(self, section: str, body: str, count: str) -> None:
        """lists/<the section's page>."""
        name, title = PAGES[section]
        folder = self.root / LISTS
        if LISTS not in self.folders:
            folder.mkdir(mode=0o700, exist_ok=True)
            self.folders.add(LISTS)
        back = esc(_("Back to the export"))
        html = (
            page_head(_(title), "../" + CSS_PATH)
            + '<div class="page account-page">\n<header>\n<div class="bar">'
            + f'<a class="back" href="../index.html">{back}</a>'
            + f"<h1>{esc(_(title))}</h1></div>\n</header>\n<main>\n"
            + f'<p class="note">{esc(_(ABOUT[section]))} {esc(count)}</p>\n'
            + body
            + "</main>\n</div>\n</body>\n</html>\n"
        )
        (folder / name).write_text(html, encoding="utf-8")


def _entry(item: Item, name: str, details: list[str], *, picture: str = "", mark: str = "") -> str:
    """One item of a list: its picture (or initials), name and details (escaped HTML each),
    and its marks (removed, with when the backup noticed)."""
    marks = mark
    if item.removed is not None:
        noticed = local_time(item.removed)
        words = _("removed (noticed {date})").format(date=noticed) if noticed else _("removed")
        marks += f' <span class="removed">{esc(words)}</span>'
    face = picture or userpic(_colour(item.key), name)
    rows = "".join(f'<div class="details">{line}</div>' for line in details if line)
    kind = "entry removed" if item.removed is not None else "entry"
    return (
        f'<li class="{kind}">{face}<div class="entry-body">'
        f'<div class="name">{esc(name)}{marks}</div>{rows}</div></li>\n'
    )


def _listed(entries: list[str]) -> str:
    if not entries:
        words = esc(_("None in the backup."))
        return f'<p class="empty">{words}</p>\n'
    return '<ul class="entries">\n' + "".join(entries) + "</ul>\n"


def _count(found: list[Item]) -> str:
    removed = sum(1 for item in found if item.removed is not None)
    there = len(found) - removed
    if removed:
        return _("{count} now, {removed} removed.").format(
            count=number(there), removed=number(removed)
        )
    return _("{count} in all.").format(count=number(there))


def _short_count(found: list[Item]) -> str:
    removed = sum(1 for item in found if item.removed is not None)
    there = number(len(found) - removed)
    if removed:
        return _("{count} ({removed} removed)").format(count=there, removed=number(removed))
    return there


def _now_first(found: list[Item], key: Callable[[Item], Any]) -> list[Item]:
    """Those there now, then those removed, each in ``key``'s order."""
    return sorted(found, key=lambda item: (item.removed is not None, key(item)))


def _when(label: str, seconds: object) -> str:
    shown = local_time(seconds)
    return esc(label.format(date=shown)) if shown else ""


def _saved_entry(
    writer: _Writer, item: Item, target: str | None, name: str, details: list[str]
) -> str:
    """A profile picture or story: its picture shown (or a line saying it was not saved)."""
    if target is None:
        words = esc(_("Not saved in the backup"))
        missing = f'<span class="missing">{words}</span>'
        empty = f'<span class="userpic c{_colour(item.key)}" aria-hidden="true"></span>'
        return _entry(item, name, [missing, *details], picture=empty)
    return _entry(item, name, details, picture=writer.shown(target))


def _profile(found: list[Item], picture: str) -> str:
    me = next((item for item in found if item.key == PROFILE_KEY), None)
    if me is None:
        return _listed([])
    rows = _profile_rows(me.data)
    body = '<div class="profile">' + (picture or userpic(0, _name_of(me.data), big=True))
    body += '<dl class="fields">' + "".join(
        f"<dt>{esc(label)}</dt><dd>{_lines(value)}</dd>" for label, value in rows
    )
    body += "</dl></div>\n"
    earlier = [v for v in me.versions[:-1] if v.data is not None]
    if earlier:
        heading = esc(_("Earlier versions"))
        body += f'<h2>{heading}</h2>\n<ul class="entries">\n'
        for version in reversed(earlier):
            assert version.data is not None
            seen = _when(_("Saved on {date}"), version.seen)
            fields = " · ".join(_lines(value) for _label, value in _profile_rows(version.data))
            body += f'<li class="entry"><div class="entry-body"><div class="details">{seen}'
            body += f'</div><div class="details">{fields}</div></div></li>\n'
        body += "</ul>\n"
    return body


def _name_of(data: Record) -> str:
    return _name(data.get("first_name"), data.get("last_name")) or _("Deleted Account")


def _profile_rows(data: Record) -> list[tuple[str, str]]:
    rows = [
        (_("First name"), _text(data.get("first_name"))),
        (_("Last name"), _text(data.get("last_name"))),
        (_("Phone number"), format_phone(_text(data.get("phone")))),
        (_("Username"), "@" + _text(data.get("username")) if data.get("username") else ""),
        (_("Bio"), _text(data.get("bio"))),
    ]
    user = _id(data.get("user_id"))
    if user is not None:
        rows.append((_("User id"), str(user)))
    return [(label, value) for label, value in rows if value]


def _pictures(writer: _Writer, found: list[Item]) -> tuple[str, str | None]:
    """The profile pictures' list, and the newest saved one (from the export's root)."""
    entries, newest = [], None
    ordered = _now_first(found, lambda item: -item_seconds(item.data.get("date")))
    for position, item in enumerate(ordered):
        target = writer.saved(PICTURES, item, position)
        if target is not None and newest is None and item.removed is None:
            newest = target if is_picture(writer.root / target) else None
        name = local_time(item.data.get("date")) or _("Profile picture")
        entries.append(_saved_entry(writer, item, target, name, []))
    return _listed(entries), newest


def _stories(writer: _Writer, found: list[Item]) -> str:
    entries = []
    ordered = _now_first(found, lambda item: -(_id(item.data.get("id")) or 0))
    for position, item in enumerate(ordered):
        data = item.data
        target = writer.saved(STORIES, item, position)
        kind = data.get("media_type")
        label = _(MEDIA[kind]) if isinstance(kind, str) and kind in MEDIA else _text(kind)
        status = [esc(label)] if label else []
        if data.get("pinned") is True:
            status.append(esc(_("Saved to profile")))
        expiring = _when(_("Expiring: {date}"), data.get("expires"))
        if expiring:
            status.append(expiring)
        details = [" · ".join(status)]
        caption = _text(data.get("caption"))
        if caption:
            details.append(f'<span class="caption-text">{_lines(caption)}</span>')
        name = local_time(data.get("date")) or _("Story")
        entries.append(_saved_entry(writer, item, target, name, details))
    return _listed(entries)


def _contacts(found: list[Item]) -> str:
    order = contacts_order([item.data for item in found])
    place = {id(data): n for n, data in enumerate(order)}
    entries = []
    for item in _now_first(found, lambda item: place[id(item.data)]):
        data = item.data
        details = [esc(format_phone(_text(data.get("phone"))))]
        details.append(_when(_("Added: {date}"), item.added))
        mark = ""
        if data.get("mutual") is True:
            words = esc(_("mutual contact"))
            mark = f' <span class="mark">{words}</span>'
        entries.append(_entry(item, _name_of(data), details, mark=mark))
    return _listed(entries)


def _frequent(found: list[Item]) -> str:
    entries = []
    for category, label in CATEGORIES.items():
        mine = [item for item in found if item.data.get("category") == category]
        for item in _now_first(mine, lambda item: -item_rating(item.data.get("rating"))):
            data = item.data
            kind = _text(data.get("type"))
            details = [esc(_(label))]
            if kind in KINDS:
                details[0] += " · " + esc(_(KINDS[kind]))
            rating = decimal(item_rating(data.get("rating")), 2)
            details.append(esc(_("Rating: {rating}").format(rating=rating)))
            name = _text(data.get("name")) or _("Deleted Account")
            entries.append(_entry(item, name, details))
    others = [item for item in found if item.data.get("category") not in CATEGORIES]
    for item in others:
        entries.append(_entry(item, _text(item.data.get("name")) or item.key, []))
    return _listed(entries)


def _place(ip: object, *where: object) -> str:
    names = ", ".join(_text(w) for w in where if _text(w))
    return " \u2013 ".join(part for part in (_text(ip), names) if part)


def _sessions(found: list[Item]) -> str:
    entries = []
    ordered = _now_first(
        found,
        lambda item: (
            item.data.get("current") is not True,
            -item_seconds(item.data.get("last_active")),
        ),
    )
    for item in ordered:
        data = item.data
        app = _text(data.get("app_name")) or _("Unknown")
        name = f"{app} {_text(data.get('app_version'))}".strip()
        device = f"{_text(data.get('platform'))} {_text(data.get('system_version'))}".strip()
        device = ", ".join(p for p in (_text(data.get("device_model")), device) if p)
        details = [
            esc(device),
            esc(_place(data.get("ip"), data.get("region"), data.get("country"))),
            _when(_("Last active: {date}"), data.get("last_active")),
            _when(_("Created: {date}"), data.get("created")),
        ]
        mark = ""
        if data.get("current") is True:
            words = esc(_("this session"))
            mark = f' <span class="mark">{words}</span>'
        entries.append(_entry(item, name, details, mark=mark))
    return _listed(entries)


def _web_sessions(found: list[Item]) -> str:
    entries = []
    for item in _now_first(found, lambda item: -item_seconds(item.data.get("last_active"))):
        data = item.data
        browser = ", ".join(
            p for p in (_text(data.get("platform")), _text(data.get("browser"))) if p
        )
        bot = _text(data.get("bot_username"))
        details = [
            esc(browser),
            esc(_place(data.get("ip"), data.get("region"))),
            _when(_("Last active: {date}"), data.get("last_active")),
            _when(_("Created: {date}"), data.get("created")),
            esc("@" + bot) if bot else "",
        ]
        name = _text(data.get("domain")) or _("Unknown")
        entries.append(_entry(item, name, details))
    return _listed(entries)


def _left_chats(found: list[Item]) -> str:
    entries = []
    for item in _now_first(found, lambda item: _text(item.data.get("title")).lower()):
        data = item.data
        kind = _text(data.get("type"))
        username = _text(data.get("username"))
        details = [
            esc(_(KINDS[kind])) if kind in KINDS else "",
            esc("@" + username) if username else "",
        ]
        name = _text(data.get("title")) or _("Deleted chat")
        entries.append(_entry(item, name, details))
    return _listed(entries)


def write_account_pages(
    root: Path, backup: Path, account: AccountData, copy: bool = False
) -> AccountPages:
    """The account's pages of the export in ``root`` (``backup``: the backup's folder, where
    the saved pictures are), one a section the backup has, and the index's Account block."""
    done = AccountPages()
    if not account.sections:
        return done
    writer = _Writer(root, backup, copy)
    found = {name: items(section) for name, section in account.sections.items()}
    newest = None
    links = []
    if "profile_pictures" in found:
        body, newest = _pictures(writer, found["profile_pictures"])
        writer.page("profile_pictures", body, _count(found["profile_pictures"]))
    face = ""
    if newest is not None:
        face = f'<img class="userpic big" src="{file_url("../" + newest)}" alt="">'
    if "profile" in found:
        writer.page("profile", _profile(found["profile"], face), "")
    writers: dict[str, Callable[[list[Item]], str]] = {
        "stories": lambda rows: _stories(writer, rows),
        "contacts": _contacts,
        "frequent_contacts": _frequent,
        "sessions": _sessions,
        "web_sessions": _web_sessions,
        "left_chats": _left_chats,
    }
    for section, write in writers.items():
        if section in found:
            writer.page(section, write(found[section]), _count(found[section]))
    for section, (page, title) in PAGES.items():
        if section not in found:
            continue
        count = "" if section == "profile" else _short_count(found[section])
        counted = f' <span class="n">{esc(count)}</span>' if count else ""
        links.append(f'<li><a href="{LISTS}/{page}">{esc(_(title))}</a>{counted}</li>')
    done.block = _block(found.get("profile", []), newest, links)
    done.tally = writer.placer.tally
    return done


def _block(profile: list[Item], picture: str | None, links: list[str]) -> str:
    """The Account block of index.html: who the account is, and its sections."""
    me = next((item for item in profile if item.key == PROFILE_KEY), None)
    card = ""
    if me is not None:
        name = _name_of(me.data)
        face = userpic(0, name, picture, big=True)
        username = _text(me.data.get("username"))
        about = " · ".join(
            p
            for p in ("@" + username if username else "", format_phone(_text(me.data.get("phone"))))
            if p
        )
        card = (
            f'<div class="me">{face}<div><div class="name">{esc(name)}</div>'
            f'<div class="details">{esc(about)}</div></div></div>\n'
        )
    account, chats = esc(_("Account")), esc(_("Chats"))
    return (
        f'<section class="account">\n<h2>{account}</h2>\n{card}'
        + '<ul class="sections">\n'
        + "\n".join(links)
        + f'\n</ul>\n</section>\n<h2 class="chats-title">{chats}</h2>\n'
    )
