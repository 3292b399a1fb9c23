"""Which chats a command line names: by id, @username, t.me link or name, and filters.

Every command that takes chats (`tgtui backup`, `chats`, `search --chat`, `export --chat`)
reads them here, so one chat is named the same way everywhere:

- a peer id as tgtui shows it (Telethon's marked id: -100... for channels and supergroups,
  -... for basic groups); a bare positive id (as Telegram Desktop's export writes it) also
  finds a group or channel when only one chat has it;
- ``@username``, or a link: ``t.me/name``, ``https://t.me/name/123``, ``tg://resolve?domain=
  name``, or ``t.me/c/1234567/89`` for a private channel (its id);
- otherwise a name, in any case and with or without accents ("jose" finds "José"): the chats
  whose whole name is that, or if none is, the chats whose name contains it. A name that
  fits more than one chat is an error listing them, never a silent choice of all of them.

No Telethon here: candidates are plain values, made from dialogs or from a backup's manifest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tgtui.i18n import _, ngettext, number
from tgtui.untrusted import clean

T = TypeVar("T")

TYPES = ("users", "bots", "groups", "channels")
FORUMS = "forums"  # groups with topics: a filter of their own (they are groups too)
FILTER_TYPES = (*TYPES, FORUMS)
_TYPE_WORDS = {word: word for word in FILTER_TYPES} | {w[:-1]: w for w in FILTER_TYPES}
_TYPE_WORDS |= {"supergroups": "groups", "supergroup": "groups"}

MAX_LISTED = 10  # candidates shown for an ambiguous name


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know of a chat."""

    id: int  # marked peer id
    name: str
    type: str  # one of TYPES
    username: str | None = None
    archived: bool | None = None  # None: not known (a backup's chats)
    forum: bool = False  # a supergroup with topics


class ChoiceError(ValueError):
    """Chats named on the command line that fit none or several; the message lists each."""


def fold(text: str) -> str:
    """``text`` for comparing names: any case, no accents, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def parse_types(text: str) -> frozenset[str]:
    """``users,bots,groups,channels,forums`` (any of them, singular or plural) as a set of
    `FILTER_TYPES` (forums: the groups that have topics)."""
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    unknown = [w for w in words if w not in _TYPE_WORDS]
    if unknown or not words:
        raise ValueError(
            _("unknown chat type {types}: use {known}").format(
                types=repr(", ".join(unknown) or text), known=", ".join(FILTER_TYPES)
            )
        )
    return frozenset(_TYPE_WORDS[w] for w in words)


_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?P<path>[^?#]*)", re.I
)
_RESOLVE = re.compile(r"^tg://resolve\?(?:.*&)?domain=(?P<name>[A-Za-z0-9_]+)", re.I)
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")
_ID = re.compile(r"^-?\d{1,20}$")


@dataclass(frozen=True)
class _Selector:
    text: str  # as given
    id: int | None = None
    username: str | None = None
    name: str | None = None  # folded
    problem: str | None = None  # a link that cannot name a chat


def _selector(text: str) -> _Selector:
    given = text.strip()
    if _ID.match(given):
        return _Selector(text, id=int(given), name=fold(given))
    if given.startswith("@"):
        return _Selector(text, username=given[1:].lower())
    if found := _RESOLVE.match(given):
        return _Selector(text, username=found["name"].lower())
    if found := _LINK.match(given):
        parts = [p for p in found["path"].split("/") if p]
        if parts[:1] == ["s"]:
            parts = parts[1:]  # t.me/s/name: the web preview of a channel
        if len(parts) >= 2 and parts[0] == "c" and parts[1].isdigit():
            return _Selector(text, id=-1_000_000_000_000 - int(parts[1]))
        if parts and _USERNAME.match(parts[0]) and parts[0].lower() != "joinchat":
            return _Selector(text, username=parts[0].lower())
        return _Selector(
            text, problem=_("an invite link does not say which chat it is: use its id or name")
        )
    return _Selector(text, name=fold(given))


def _bare(chat_id: int) -> int:
    """The id without Telethon's mark (as Telegram Desktop writes it)."""
    if chat_id <= -1_000_000_000_000:
        return -chat_id - 1_000_000_000_000
    return abs(chat_id)


def _found(selector: _Selector, chats: Sequence[tuple[Candidate, T]]) -> list[tuple[Candidate, T]]:
    if selector.id is not None:
        exact = [c for c in chats if c[0].id == selector.id]
        if exact:
            return exact
        if selector.id > 0:
            bare = [c for c in chats if _bare(c[0].id) == selector.id]
            if bare:
                return bare
    if selector.username is not None:
        return [c for c in chats if (c[0].username or "").lower() == selector.username]
    if selector.name:
        whole = [c for c in chats if fold(c[0].name) == selector.name]
        if whole:
            return whole
        return [c for c in chats if selector.name in fold(c[0].name)]
    return []


SUGGESTED = 3  # names offered for a name that matches no chat
_CLOSE = 0.75  # how alike a typed name and a chat's name (or one of its words) must be


def _likeness(typed: str, candidate: Candidate) -> float:
    """How close ``typed`` (folded) is to the chat's name, one of its words, or its
    @username (0 to 1)."""
    name = fold(candidate.name)
    names = [name, *name.split(), (candidate.username or "").lower()]
    from difflib import SequenceMatcher  # here: only a name that matches no chat needs it

    return max(SequenceMatcher(None, typed, n).ratio() for n in names if n)


def _close(selector: _Selector, chats: Sequence[Candidate]) -> list[Candidate]:
    """The chats whose names are closest to a name that matched none (a typo: "hikrs"),
    best first, at most `SUGGESTED`."""
    typed = selector.username or (selector.name if selector.id is None else None)
    if not typed:
        return []
    scored = [(_likeness(typed, c), c) for c in chats if c.name or c.username]
    best = sorted((x for x in scored if x[0] >= _CLOSE), key=lambda x: -x[0])
    return [c for _score, c in best[:SUGGESTED]]


def _named(chat: Candidate) -> str:
    """A chat as a suggestion: its name (and @username), then its id to type instead."""
    username = f" @{chat.username}" if chat.username else ""
    return f"{clean(chat.name, limit=60)}{clean(username, limit=40)} ({chat.id})"


def describe(chat: Candidate, id_width: int = 0) -> str:
    """One line naming a chat for a list of candidates: id, type, name, @username, folder."""
    line = f"{chat.id:>{id_width}}  {chat.type.removesuffix('s'):<7}  {clean(chat.name, limit=60)}"
    if chat.username:
        line += f"  @{clean(chat.username, limit=40)}"
    if chat.archived:
        line += "  (archived)"
    return line


def choose(
    items: Sequence[T],
    selectors: Iterable[str],
    key: Callable[[T], Candidate],
    *,
    missing: list[str] | None = None,
) -> list[T]:
    """The items the selectors name, in the order named, each once.

    ChoiceError if a selector names nothing (unless a ``missing`` list is given to collect
    those), or a name fits several chats (all problems in one message, each ambiguous name
    with its candidates).
    """
    chats = [(key(item), item) for item in items]
    chosen: dict[int, T] = {}
    problems: list[str] = []
    for text in selectors:
        selector = _selector(text)
        if selector.problem:
            problems.append(f"{clean(text, limit=80)!r}: {selector.problem}")
            continue
        found = _found(selector, chats)
        if not found and missing is not None:
            missing.append(text)
        elif not found:
            quoted = repr(clean(text, limit=80))
            close = _close(selector, [c for c, _ in chats])
            if close:
                names = ", ".join(_named(c) for c in close)
                problems.append(
                    _("no chat matches {text}; did you mean {names}?").format(
                        text=quoted, names=names
                    )
                )
            else:
                problems.append(_("no chat matches {text}").format(text=quoted))
        elif len(found) > 1:
            shown = [c for c, _ in found[:MAX_LISTED]]
            width = max(len(str(c.id)) for c in shown)
            listed = "\n".join("  " + describe(c, width) for c in shown)
            more = len(found) - MAX_LISTED
            if more > 0:
                listed += "\n  " + _("... and {count} more").format(count=number(more))
            fits = ngettext(
                "{text} fits {count} chat; name one by its id:",
                "{text} fits {count} chats; name one by its id:",
                len(found),
            )
            problems.append(
                fits.format(text=repr(clean(text, limit=80)), count=number(len(found)))
                + "\n"
                + listed
            )
        else:
            for candidate, item in found:
                chosen.setdefault(candidate.id, item)
    if problems:
        raise ChoiceError("\n".join(problems))
    return list(chosen.values())


@dataclass(frozen=True)
class ChatFilter:
    """Narrowing a set of chats: by type, by folder, and by chats left out."""

    types: frozenset[str] | None = None  # None: every type (`FILTER_TYPES`)
    archived: bool | None = None  # True: only the archive; False: only the main list
    exclude: tuple[str, ...] = ()

    def _typed(self, chat: Candidate) -> bool:
        """Whether the chat is of the types asked for (a forum also as one of the forums)."""
        types = self.types or frozenset()
        return chat.type in types or (chat.forum and FORUMS in types)

    def apply(
        self, items: Sequence[T], key: Callable[[T], Candidate], missing: list[str] | None = None
    ) -> list[T]:
        """The items that pass. ChoiceError if an exclusion fits several chats; one that fits
        none (a chat since left) is added to ``missing``, for a note, and changes nothing."""
        unknown = [] if missing is None else missing
        left_out = {id(item) for item in choose(items, self.exclude, key, missing=unknown)}
        kept: list[T] = []
        for item in items:
            chat = key(item)
            if self.types is not None and not self._typed(chat):
                continue
            if None not in (self.archived, chat.archived) and chat.archived != self.archived:
                continue
            if id(item) not in left_out:
                kept.append(item)
        return kept
