"""The account's own data (a backup's ``account/``) as the whole-account `result.json` of
Telegram Desktop's export holds it: `personal_information`, `profile_pictures`, `stories`,
`contacts`, `frequent_contacts`, `sessions` and `web_sessions` before `chats`, and
`left_chats` after it.

The specification is Telegram Desktop's writer (tdesktop, `export_output_json.cpp`:
`writePersonal`, `writeUserpicsSlice`, `writeStoriesSlice`, `writeSavedContacts`,
`writeFrequentContacts`, `writeSessions`, `writeWebSessions`, and `writeDialogStart` for a
left chat), the order its controller writes them in (`fillExportSteps`), and the English
texts of its `lng_export_about_*` strings: the same keys in the same order, a key whose
value Telegram Desktop leaves empty left out as it leaves it out, dates as `tde.local_date`
writes them, numbers as it writes them (a rating with six decimals, as `std::to_string`).

Only the current state of each item is written (its last version): an item gone from
Telegram is not in Telegram Desktop's export either; the backup keeps it (SCHEMA.md).

A backup may come from a stranger: a value of another type than tgtui writes is taken as
absent (a section Telegram Desktop always writes a field of gets its empty value), never
passed on; a section file that cannot be read is left out and said.

The files of the profile pictures and stories the backup saved (an item's ``file``) are
placed in the export as a chat's media are (`tgtui.export.files.FilePlacer`: a hard link
where the disk allows, else a copy), in ``profile_pictures/`` and ``stories/`` as Telegram
Desktop places them, and their paths written; an item without a saved file reads as
Telegram Desktop writes one it did not download, and one whose file is gone from the backup
(or refused: a link, a path tgtui does not write) as one it could not get.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.export import tde
from tgtui.export.chat_export import dumps
from tgtui.export.files import FilePlacer, FileTally
from tgtui.format.account import (
    FILE_FIELD,
    FOLDER,
    MAX_SECTION,
    PROFILE_KEY,
    SECTIONS,
    Section,
    Version,
    account_file_problem,
    read_section,
    saved_account_file,
)
from tgtui.format.records import MAX_ID, unixtime
from tgtui.format.safe_files import file_problem, inside_folder
from tgtui.i18n import _

Record = dict[str, Any]

# Telegram Desktop's English texts (lang.strings, lng_export_about_*).
ABOUT_CONTACTS = (
    "If you allow access, your contacts are continuously synced with Telegram. Thanks to "
    "this, you can easily switch to Telegram and immediately connect with friends across all "
    "your devices. We use data about your contacts to let you know when they join Telegram, "
    "and to display them by the name you set for them in your phone.\n\nYou can disable "
    "contact syncing or delete your stored contacts in Settings > Privacy & Security on "
    "Telegram's mobile apps."
)
ABOUT_FREQUENT = (
    "This rating shows which people you are likelier to message frequently. Telegram uses "
    "this data to populate the 'People' box at the top of the Search section. This rating is "
    "also calculated for inline bots so that the app can suggest the bots you are most likely "
    'to use in the attachment menu (or when you start a new message with "@").\n\nTo delete '
    "this data, go to Settings > Privacy & Security and disable 'Suggest Frequent Contacts' "
    "(requires Telegram for iOS v.4.8.3 or Telegram for Android v.4.8.10 or higher)."
)
ABOUT_SESSIONS = (
    "We store session info to display your connected devices in Settings > Privacy & "
    "Security > Active Sessions."
)
ABOUT_WEB_SESSIONS = (
    "We store this to display the websites where you logged in using authentication via "
    "Telegram. This information is shown in Settings > Privacy & Security > Active Sessions."
)
ABOUT_LEFT_CHATS = (
    "Below are the supergroups and channels from this export that you've left or where you "
    "were banned.\n\nNote that when you leave a channel or supergroup you've created, you have "
    "the option to either delete it, or simply leave (in case you want to rejoin later, or "
    "keep the community alive despite not being a member)."
)

# What Telegram Desktop writes for a profile picture or a story whose file it did not save
# (writeUserpicsSlice, writeStoriesSlice): its SkipReason::FileType text (the backup's
# choices left it out), and SkipReason::Unavailable's (it could not be had).
PHOTO_NOT_INCLUDED = "(Photo not included. Change data exporting settings to download.)"
PHOTO_UNAVAILABLE = "(Photo unavailable, please try again later)"
# Where Telegram Desktop's export puts them, relative to the export's folder.
EXPORT_FOLDERS = {"profile_pictures": "profile_pictures", "stories": "stories"}

# Telegram Desktop's chat types (TypeString in writeDialogStart), for a left chat.
CHAT_TYPES = frozenset(
    {
        "private_group",
        "private_supergroup",
        "public_supergroup",
        "private_channel",
        "public_channel",
    }
)
# A frequent contact's kinds (writeFrequentContacts).
PEER_TYPES = CHAT_TYPES | {"user"}
CATEGORIES = ("people", "inline_bots", "calls")  # in the order it writes them


# ---------------------------------------------------------------------------------------
# Phone numbers: Telegram Desktop's FormatPhoneNumber (Ui::FormatPhone: a number starting
# with 0 as it is; otherwise spaces and a leading + taken away, and the country's calling
# code and pattern looked up the way Countries::CountriesInstance::format does it, ported
# there from TDLib). The table is the calling codes and digit groups of Telegram's list of
# countries, "code[/prefix]:groups" ("-": no pattern, the rest of the number as it is), in
# its order (the first of two equally long matches wins); 888 (anonymous numbers) as
# Telegram's own list has it.
_COUNTRIES = """
376:222 971:234 93:333 1268:34 1264:34 355:234 374:233 244:333 54:- 1684:34 43:18 61:144
297:34 994:234 387:233 1246:34 880:233 32:3222 226:2222 359:- 973:44 257:224 229:233 1441:34
673:34 591:134 599:- 55:254 1242:34 975:233 267:233 375:234 501:- 1/403:334 243:234 236:2222
242:234 41:234 225:2224 682:- 56:144 237:44 86:344 57:334 506:44 53:134 238:34 599/9:- 357:44
420:333 49:47 253:2222 45:44 1767:34 1809:34 213:3222 593:234 372:44 20:244 291:133 34:333
251:234 358:- 679:34 500:- 691:- 298:33 33:12222 241:1222 44:46 1473:34 995:333 594:- 233:234
350:44 299:33 220:34 224:333 590:3222 240:333 30:334 502:134 1671:34 245:34 592:- 852:134
504:44 385:233 509:44 36:333 62:36 353:234 972:234 91:55 246:34 964:334 98:334 354:34 39:333
1876:34 962:144 81:244 254:333 996:36 855:233 686:44 269:34 1869:34 850:- 82:243 965:44
1345:34 7/6:3322 856:2233 961:233 1758:34 423:34 94:234 231:234 266:233 370:35 352:333 371:35
218:234 212:234 377:44 373:233 382:- 261:2232 692:- 389:233 223:44 95:- 976:224 853:44
1670:34 596:- 222:44 1664:34 356:2222 230:44 960:34 265:234 52:- 60:244 258:234 264:234 687:-
227:2222 672:- 234:244 505:44 31:12222 47:44 977:244 674:- 683:- 64:44 968:44 507:44 51:333
689:- 675:- 63:334 92:334 48:333 508:- 1787:34 970:324 351:333 680:- 595:333 974:233 262:333
40:333 381:234 7:334 250:333 966:234 677:- 248:1222 249:234 46:234 65:44 247:- 386:233 421:333
232:233 378:334 221:234 252:233 597:34 211:234 239:25 503:44 1721:34 963:333 268:44 1649:34
235:2222 228:233 66:144 992:234 690:- 670:- 993:26 216:233 676:- 90:334 1868:34 688:- 886:333
255:234 380:2322 256:234 1:334 598:134 998:2322 1784:34 58:334 1284:34 1340:34 84:- 678:-
681:- 685:- 383:44 967:333 27:234 260:234 263:234 888:44
"""


def _countries() -> list[tuple[str, str, tuple[int, ...]]]:
    table = []
    for entry in _COUNTRIES.split():
        code, groups = entry.split(":")
        code, _slash, prefix = code.partition("/")
        table.append((code, prefix, () if groups == "-" else tuple(int(g) for g in groups)))
    return table


COUNTRIES = _countries()


def format_phone(phone: str) -> str:
    """A phone number as Telegram Desktop's export writes it: "+7 999 123 4567"."""
    if not phone:
        return ""
    if phone[0] == "0":
        return phone
    number = phone.replace(" ", "")
    number = number[1:] if number.startswith("+") else number
    best: tuple[str, tuple[int, ...]] | None = None
    best_length = 0
    for code, prefix, groups in COUNTRIES:
        length = len(code) + len(prefix)
        if length > best_length and number.startswith(code + prefix):
            best, best_length = (code, groups), length
    if best is None:
        return number
    code, groups = best
    rest = number[len(code) :]
    if groups:
        pieces, at = [], 0
        for size in groups[:-1]:
            if at >= len(rest):
                break
            pieces.append(rest[at : at + size])
            at += size
        rest = " ".join([*pieces, rest[at:]]) if at < len(rest) else " ".join(pieces)
    return f"+{code} {rest}"


def format_username(username: str) -> str:
    """Telegram Desktop's FormatUsername: "@name" (nothing for no name)."""
    return "@" + username if username else ""


def contacts_order(contacts: list[Record]) -> list[Record]:
    """The contacts in Telegram Desktop's order (SortedContactsIndices): by "first last",
    lower-cased, compared as Qt compares strings (UTF-16 code units). Its sort is not
    stable; equal names stay here in the order the backup first saw them."""

    return sorted(contacts, key=_name_key)


def _name_key(contact: Record) -> bytes:
    """A contact's "first last", lower-cased one character for one (QString::toLower), as
    UTF-16 code units (big-endian bytes compare as the units do)."""
    name = f"{_string(contact.get('first_name'))} {_string(contact.get('last_name'))}"
    lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in name)
    return lower.encode("utf-16-be", "surrogatepass")


# ---------------------------------------------------------------------------------------
# Values, read as Telegram Desktop has them (an empty string, a zero date).


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _id(value: object) -> int:
    return value if type(value) is int and 0 < value <= MAX_ID else 0


def item_seconds(value: object) -> int:
    """An item's date field as Unix seconds (0 when it is none)."""
    seconds = unixtime(value)
    return 0 if seconds is None else seconds


def item_rating(value: object) -> float:
    """A frequent contact's rating as a finite float (0.0 when it is none)."""
    if type(value) is int or type(value) is float:
        try:
            rating = float(value)
        except OverflowError:  # an integer past what a float holds
            return 0.0
        return rating if math.isfinite(rating) else 0.0
    return 0.0


Value = bytes  # a value serialized as Telegram Desktop writes it; b"" leaves its key out


def _str(value: str) -> Value:
    """SerializeString."""
    return dumps(value)


def _or_null(value: str) -> Value:
    """StringAllowNull: null for an empty string."""
    return dumps(value) if value else b"null"


def _or_nothing(value: str) -> Value:
    """StringAllowEmpty (and the optional fields): nothing for an empty string."""
    return dumps(value) if value else b""


def _date(seconds: int) -> Value:
    """SerializeDate, in this machine's local time as tde.py writes dates."""
    return dumps(tde.local_date(str(seconds)))


def _raw(seconds: int) -> Value:
    """SerializeDateRaw: the unix time as a string."""
    return dumps(str(seconds))


def _object(pairs: Iterable[tuple[str, Value]]) -> bytes:
    """SerializeObject: the pairs with a value, in order (compact, one line)."""
    inner = b",".join(dumps(key) + b":" + value for key, value in pairs if value)
    return b"{" + inner + b"}"


# ---------------------------------------------------------------------------------------
# The sections.


def personal_information(profile: Record) -> bytes:
    """writePersonal."""
    return _object(
        [
            ("user_id", str(_id(profile.get("user_id"))).encode()),
            ("first_name", _str(_string(profile.get("first_name")))),
            ("last_name", _str(_string(profile.get("last_name")))),
            ("phone_number", _str(format_phone(_string(profile.get("phone"))))),
            ("username", _or_nothing(format_username(_string(profile.get("username"))))),
            ("bio", _or_nothing(_string(profile.get("bio")))),
        ]
    )


def _dated(name: str, seconds: int) -> list[tuple[str, Value]]:
    """A date and its *_unixtime twin, both left out for no date (0)."""
    if not seconds:
        return [(name, b""), (f"{name}_unixtime", b"")]
    return [(name, _date(seconds)), (f"{name}_unixtime", _raw(seconds))]


def profile_picture(picture: Record, path: str = PHOTO_NOT_INCLUDED) -> bytes:
    """One item of writeUserpicsSlice; ``path``: its file's path in the export, or the
    text Telegram Desktop writes for a file it has not."""
    seconds = item_seconds(picture.get("date"))
    return _object([*_dated("date", seconds), ("photo", _str(path))])


def story(item: Record, path: str = PHOTO_NOT_INCLUDED) -> bytes:
    """One item of writeStoriesSlice; ``path`` as for `profile_picture`."""
    return _object(
        [
            *_dated("date", item_seconds(item.get("date"))),
            *_dated("expires", item_seconds(item.get("expires"))),
            ("pinned", b"true" if item.get("pinned") is True else b"false"),
            ("media", _str(path)),
        ]
    )


def contact(item: Record, added: int) -> bytes:
    """One item of writeSavedContacts; ``added``: when it became a contact (unix time)."""
    recorded = unixtime(item.get("date"))  # a date of its own, if the backup has one
    seconds = added if recorded is None else recorded
    first, last = _string(item.get("first_name")), _string(item.get("last_name"))
    phone = _string(item.get("phone"))
    dates = [("date", _date(seconds)), ("date_unixtime", _raw(seconds))]
    if not first and not last and not phone:
        return _object(dates)
    user_id = _id(item.get("user_id"))
    return _object(
        [
            ("user_id", str(user_id).encode() if user_id else b""),
            ("first_name", _str(first)),
            ("last_name", _str(last)),
            ("phone_number", _str(format_phone(phone))),
            *dates,
        ]
    )


def frequent_contact(item: Record, category: str) -> bytes:
    """One item of writeFrequentContacts."""
    kind = _string(item.get("type"))
    return _object(
        [
            ("id", str(_id(item.get("id"))).encode()),
            ("category", _str(category)),
            ("type", _str(kind if kind in PEER_TYPES else "user")),
            ("name", _or_null(_string(item.get("name")))),
            ("rating", format(item_rating(item.get("rating")), "f").encode()),
        ]
    )


def session(item: Record) -> bytes:
    """One item of writeSessions."""
    active, created = item_seconds(item.get("last_active")), item_seconds(item.get("created"))
    return _object(
        [
            ("last_active", _date(active)),
            ("last_active_unixtime", _raw(active)),
            ("last_ip", _str(_string(item.get("ip")))),
            ("last_country", _str(_string(item.get("country")))),
            ("last_region", _str(_string(item.get("region")))),
            ("application_name", _or_null(_string(item.get("app_name")))),
            ("application_version", _or_nothing(_string(item.get("app_version")))),
            ("device_model", _str(_string(item.get("device_model")))),
            ("platform", _str(_string(item.get("platform")))),
            ("system_version", _str(_string(item.get("system_version")))),
            ("created", _date(created)),
            ("created_unixtime", _raw(created)),
        ]
    )


def web_session(item: Record) -> bytes:
    """One item of writeWebSessions."""
    active, created = item_seconds(item.get("last_active")), item_seconds(item.get("created"))
    return _object(
        [
            ("last_active", _date(active)),
            ("last_active_unixtime", _raw(active)),
            ("last_ip", _str(_string(item.get("ip")))),
            ("last_region", _str(_string(item.get("region")))),
            ("bot_username", _or_null(_string(item.get("bot_username")))),
            ("domain_name", _or_null(_string(item.get("domain")))),
            ("browser", _str(_string(item.get("browser")))),
            ("platform", _str(_string(item.get("platform")))),
            ("created", _date(created)),
            ("created_unixtime", _raw(created)),
        ]
    )


def left_chat(item: Record) -> bytes:
    """A chat left, as writeDialogStart writes a dialog (with no messages: the backup has
    none of a chat left)."""
    kind = _string(item.get("type"))
    return _object(
        [
            ("name", _or_null(_string(item.get("title")))),
            ("type", _or_null(kind if kind in CHAT_TYPES else "")),
            ("id", str(_id(item.get("id"))).encode()),
            ("messages", b"[]"),
        ]
    )


# ---------------------------------------------------------------------------------------
# The backup's account/ read, and the parts of result.json written.


@dataclass
class AccountData:
    """A backup's ``account/`` as read for an export: each section there (absent: not in
    the backup, or not readable), the files that could not be read (why), and how many
    damaged lines were passed over."""

    sections: dict[str, Section] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    damaged: int = 0
    folder: Path | None = None  # the backup's (where the items' files are)
    copy: bool = False  # the files copied, never hard-linked (`tgtui export --copy`)
    files: FileTally = field(default_factory=FileTally)  # what became of the items' files

    def current(self, name: str) -> list[tuple[str, Record]] | None:
        """The items of section ``name`` there now, in the order first seen (None: no such
        section)."""
        section = self.sections.get(name)
        return None if section is None else list(section.current().items())


def read_account(out: Path, *, copy: bool = False) -> AccountData:
    """The account data of the backup in ``out`` (nothing when it has no ``account/``).
    A section file that is a link (or in a linked folder), not a regular file, too big or
    unreadable is left out and said; damaged lines are passed over and counted. ``copy``:
    its files are copied into an export, never hard-linked."""
    account = AccountData(folder=out, copy=copy)
    if not (out / FOLDER).exists() and not (out / FOLDER).is_symlink():
        return account
    for name in SECTIONS:
        relative = f"{FOLDER}/{name}.jsonl"
        path = out / relative
        problem = inside_folder(out, relative) or file_problem(path, MAX_SECTION)
        if problem is None and not path.exists():
            continue
        if problem is None:
            try:
                section = read_section(out, name)
            except OSError as exc:
                problem = exc.strerror or str(exc)
            else:
                account.sections[name] = section
                account.damaged += section.damaged
                continue
        account.problems.append(
            _("{chat}: its {file} cannot be read ({reason})").format(
                chat=FOLDER, file=f"{name}.jsonl", reason=problem
            )
        )
    return account


def _added(versions: list[Version]) -> int:
    """When an item there now was added: the first of its versions since it was last
    removed."""
    since = versions[-1].seen
    for version in reversed(versions):
        if version.data is None:
            break
        since = version.seen
    return since


def _list(items: list[bytes], indent: str) -> bytes:
    """An array of one-line items, one a line, indented as deep as they nest."""
    if not items:
        return b"[]"
    inner = ("\n" + indent + " ").encode()
    return b"[" + inner + (b"," + inner).join(items) + ("\n" + indent + "]").encode()


def _about_list(about: str, items: list[bytes]) -> bytes:
    """{about, list}, as the sections with a text have them (at the file's second level)."""
    return b'{\n  "about": ' + dumps(about) + b',\n  "list": ' + _list(items, "  ") + b"\n }"


def _newest_first(rows: list[tuple[str, Record]], field_name: str) -> list[Record]:
    """The items, the newest first by ``field_name`` (items without it last)."""
    data = [record for _key, record in rows]
    return sorted(data, key=lambda r: -item_seconds(r.get(field_name)))


class _Files:
    """Places the items' saved files in an export (None: there is none to place them in,
    and every item reads as not downloaded)."""

    def __init__(self, account: AccountData, export: Path | None) -> None:
        self.account = account
        self.export = export
        self.placer: FilePlacer | None = None
        if export is not None and account.folder is not None:
            self.placer = FilePlacer(
                account.folder / FOLDER, export, {}, copy=account.copy, name=FOLDER
            )
            self.placer.tally = account.files

    def path(self, section: str, item: Record) -> str:
        """The item's file's path in the export, or Telegram Desktop's text for one it has
        not: not included (none saved), unavailable (gone from the backup, or refused)."""
        named = item.get(FILE_FIELD)
        if named is None or self.placer is None or self.account.folder is None:
            return PHOTO_NOT_INCLUDED
        tally = self.account.files
        if account_file_problem(named) is not None or not isinstance(named, str):
            tally.refused += 1
            tally.problems.append(
                _("{chat}: {file} is refused: {reason}").format(
                    chat=FOLDER, file=str(named)[:200], reason=_("not a path tgtui writes")
                )
            )
            return PHOTO_UNAVAILABLE
        source = saved_account_file(self.account.folder, item)
        if source is None:
            tally.missing += 1
            return PHOTO_UNAVAILABLE
        relative = f"{EXPORT_FOLDERS[section]}/{source.name}"
        target = self.export / relative if self.export is not None else None
        if target is None:
            return PHOTO_NOT_INCLUDED
        try:
            target.parent.mkdir(mode=0o700, exist_ok=True)
            self.placer.put(source, target)
        except OSError as exc:
            tally.missing += 1
            tally.problems.append(f"{relative}: {exc.strerror or exc}")
            return PHOTO_UNAVAILABLE
        return relative


def _sections_before_chats(
    account: AccountData, export: Path | None = None
) -> list[tuple[str, bytes]]:
    parts: list[tuple[str, bytes]] = []
    files = _Files(account, export)
    profile = account.current("profile")
    if profile is not None:
        me = dict(profile).get(PROFILE_KEY)
        if me is not None:
            parts.append(("personal_information", personal_information(me)))
    pictures = account.current("profile_pictures")
    if pictures is not None:
        items = [
            profile_picture(p, files.path("profile_pictures", p))
            for p in _newest_first(pictures, "date")
        ]
        parts.append(("profile_pictures", _list(items, " ")))
    stories = account.current("stories")
    if stories is not None:
        newest = sorted((s for _k, s in stories), key=lambda s: -_id(s.get("id")))
        parts.append(("stories", _list([story(s, files.path("stories", s)) for s in newest], " ")))
    contacts = account.current("contacts")
    section = account.sections.get("contacts")
    if contacts is not None and section is not None:
        pairs = [(record, _added(section.versions[key])) for key, record in contacts]
        pairs.sort(key=lambda pair: _name_key(pair[0]))
        items = [contact(record, added) for record, added in pairs]
        parts.append(("contacts", _about_list(ABOUT_CONTACTS, items)))
    frequent = account.current("frequent_contacts")
    if frequent is not None:
        items = []
        for category in CATEGORIES:
            mine = [r for _k, r in frequent if r.get("category") == category]
            mine.sort(key=lambda r: -item_rating(r.get("rating")))
            items.extend(frequent_contact(r, category) for r in mine)
        parts.append(("frequent_contacts", _about_list(ABOUT_FREQUENT, items)))
    sessions = account.current("sessions")
    if sessions is not None:
        ordered = _newest_first(sessions, "last_active")
        ordered.sort(key=lambda r: r.get("current") is not True)  # this one first
        items = [session(r) for r in ordered]
        parts.append(("sessions", _about_list(ABOUT_SESSIONS, items)))
    web = account.current("web_sessions")
    if web is not None:
        items = [web_session(r) for r in _newest_first(web, "last_active")]
        parts.append(("web_sessions", _about_list(ABOUT_WEB_SESSIONS, items)))
    return parts


def before_chats(account: AccountData, export: Path | None = None) -> bytes:
    """What goes between `about` and `chats` in the whole-account result.json: each
    section the backup has, ``"key": value,`` a line each (nothing without account/). With
    ``export`` (the export's folder), the profile pictures' and stories' saved files are
    placed in it and their paths written (`account.files` says what became of them, its
    problems added to `account.problems`); without, they read as not downloaded."""
    parts = _sections_before_chats(account, export)
    account.problems.extend(account.files.problems)
    account.files.problems = []
    return b"".join(b" " + dumps(key) + b": " + value + b",\n" for key, value in parts)


def after_chats(account: AccountData) -> bytes:
    """What goes after `chats` (`left_chats`), starting with its comma (nothing when the
    backup has no chats left)."""
    left = account.current("left_chats")
    if left is None:
        return b""
    items = [left_chat(r) for _k, r in left]
    return b',\n "left_chats": ' + _about_list(ABOUT_LEFT_CHATS, items)


__all__ = [
    "ABOUT_CONTACTS",
    "ABOUT_FREQUENT",
    "ABOUT_LEFT_CHATS",
    "ABOUT_SESSIONS",
    "ABOUT_WEB_SESSIONS",
    "EXPORT_FOLDERS",
    "PHOTO_NOT_INCLUDED",
    "PHOTO_UNAVAILABLE",
    "AccountData",
    "after_chats",
    "before_chats",
    "contacts_order",
    "format_phone",
    "read_account",
]
