"""A chat as browsable HTML pages: messages.html, messages2.html, ... of 1,000 messages each,
as Telegram Desktop names them, readable offline in any browser with no JavaScript.

A page looks like a chat, as Telegram Desktop's export does: a header bar with the chat's
picture and name, consecutive messages of one sender grouped under one name and userpic
(`HtmlChat.add`, Telegram Desktop's rule), the time on the right with the full date as its
tooltip, service messages as centred pills, replies quoting the message they answer, and the
media shown in place (`tgtui.export.html_media`).

Every string comes from the backup and is escaped before it reaches a page; nothing from a
message is ever taken as markup. Links in messages keep their address visible and only
web, mail and tg: addresses become links.

Over 400 lines on purpose: the page writer and the one message's HTML it builds share the
page's state (the day, the group, the sender colours, the ids placed so far), and the
escaping helpers beside them are what every piece of a page goes through.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tgtui.archive.pictures import record_size
from tgtui.archive.wording import media_label, service_sentence
from tgtui.export.html_media import (
    PREVIEWED,
    SHOWN,
    Pictures,
    details,
    file_url,
    length,
    playable,
    poll_html,
    preview_media,
    saved_media,
    userpic,
)
from tgtui.export.tde import local_date
from tgtui.format.records import non_negative, unixtime
from tgtui.format.topics import answers_its_topic
from tgtui.format.userpics import colour_index
from tgtui.i18n import _
from tgtui.units import human_bytes
from tgtui.untrusted import html_text as esc

Record = dict[str, Any]

PAGE_SIZE = 1_000
CSS_PATH = "css/style.css"
STATS_PAGE = "stats.html"  # a chat's statistics, beside its pages; the archive's at the top
TOPICS_PAGE = "topics.html"  # a forum's topics, beside its pages (`tgtui.export.html_topics`)
# The first this many senders of a chat get a colour of their own; the later ones colour 0.
COLOURED = 10_000
# A message joins the one before it (no name, no userpic again) when sent within this many
# seconds of it (Telegram Desktop's kJoinWithinSeconds), or within a second when forwarded.
JOIN_WITHIN = 900
JOIN_FORWARDED_WITHIN = 1
# A reply quotes this many characters of the message it answers.
QUOTE = 90

_SAFE_SCHEMES = ("http://", "https://", "mailto:", "tg://")

_TAGS = {
    "bold": ("<strong>", "</strong>"),
    "italic": ("<em>", "</em>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
}


NEWLINE, BREAK = "\n", "<br>"
# Every character `esc` changes (escapes, drops or replaces), and the newline `_lines` breaks:
# a text holding none of them is shown as it is, the usual case (`esc` is not called for it).
_AS_IT_IS = re.compile(
    "[&<>\"'\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _lines(value: object) -> str:
    return esc(value).replace(NEWLINE, BREAK)


def safe_href(url: object) -> str | None:
    """The address, if it is one a page may link to (web, mail, tg:)."""
    if not isinstance(url, str):
        return None
    clean = url.strip()
    return clean if clean.lower().startswith(_SAFE_SCHEMES) else None


def text_html(text: Any) -> str:
    """Telegram Desktop's `text` (a string, or an array of strings and typed pieces)."""
    if isinstance(text, str):
        return _lines(text)
    if not isinstance(text, list):
        return ""
    out: list[str] = []
    for part in text:
        if isinstance(part, str):
            out.append(_lines(part))
            continue
        if not isinstance(part, dict):
            continue
        kind, inner = part.get("type"), _lines(part.get("text", ""))
        if kind in _TAGS:
            opening, closing = _TAGS[str(kind)]
            out.append(opening + inner + closing)
        elif kind in ("link", "text_link", "email"):
            target = part.get("href") if kind == "text_link" else part.get("text")
            if kind == "email" and isinstance(target, str):
                target = "mailto:" + target
            href = safe_href(target)
            if href is None:
                out.append(inner)
            else:
                shown = inner if kind != "text_link" else f"{inner} ({esc(href)})"
                out.append(f'<a href="{esc(href)}" rel="noopener noreferrer">{shown}</a>')
        elif kind in ("mention", "mention_name", "hashtag", "cashtag", "bot_command"):
            out.append(f'<span class="entity">{inner}</span>')
        else:
            out.append(inner)
    return "".join(out)


def page_name(number: int) -> str:
    """Telegram Desktop's page names: messages.html, messages2.html, ..."""
    return "messages.html" if number == 1 else f"messages{number}.html"


def page_head(title: str, css: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"script-src 'none'; object-src 'none'; connect-src 'none'; "
        "frame-src 'none'; form-action 'none'\">\n"
        f'<link rel="stylesheet" href="{css}">\n</head>\n<body>\n'
    )


def local_time(seconds: object) -> str:
    """A unix time as the export's account and topic pages write it: this machine's local
    time, as the messages' dates are, "2026-01-10 14:05" (empty when it is not a time)."""
    when = local_date(str(seconds)) if unixtime(seconds) is not None else None
    return "" if when is None else when.replace("T", " ")[:16]


def _day_title(day: str) -> str:
    """ "Tuesday, 2 January 2024" for "2024-01-02"."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return esc(day)
    return f"{date:%A}, {date.day} {date:%B %Y}"


def _reactions(reactions: list[Any], marks: str, message_id: int, full: str, at: str) -> str:
    """The reactions under a message, and its time beside them."""
    shown = " ".join(
        f"<span>{esc(r.get('emoji') or '★')} {non_negative(r.get('count')) or 0}</span>"
        for r in reactions
        if isinstance(r, dict)
    )
    return (
        f'<div class="reactions">{shown}<span class="foot">{marks}<a class="time"'
        f' href="#message{message_id}" title="{full}">{at}</a></span></div>\n'
    )


def _snippet(text: Any) -> str:
    """The start of a message's text, on one line, for a reply's quote (not escaped)."""
    if type(text) is list:
        text = "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in text
            if isinstance(part, str | dict)
        )
    if not isinstance(text, str):
        return ""
    short = " ".join(text[: QUOTE * 4].split())
    return short if len(short) <= QUOTE else short[:QUOTE].rstrip() + "…"


def _colour(sender: object) -> int:
    return colour_index(str(sender))


def chat_picture(name: str, saved: str | None) -> str:
    """The chat's picture in a page's header bar: the saved one (a path from the chat's
    export folder), else its initials on its colour."""
    return userpic(_colour(name), name, saved, big=True)


@dataclass(frozen=True)
class Continued:
    """Where a part of a chat cut at the first message of a page continues the chat's pages
    (`tgtui.export.html_parts`): what one process writing the whole chat would know there.

    Every message before the part is on a full page (PAGE_SIZE messages); their ids are the
    first ``before`` of the file ``ids`` (ascending, 8 bytes each, as `array` writes them);
    the part checks that its own messages are the next ``own`` (what a first look at its
    lines read) and says which senders it met (`HtmlChat.done`)."""

    page: int  # the number of its first page
    ids: Path
    before: int  # messages before it
    own: int | None  # messages it should hold (None: the chat's last part, any number)
    coloured: frozenset[str] | None = None  # the chat's first COLOURED senders, when known

    def read(self, start: int, count: int) -> array[int]:
        """Ids ``start`` to ``start + count`` (fewer if the file ends before)."""
        ids = array("q")
        with open(self.ids, "rb") as handle:
            handle.seek(start * ids.itemsize)
            data = handle.read(count * ids.itemsize)
        ids.frombytes(data[: len(data) - len(data) % ids.itemsize])
        return ids


@dataclass
class PagesDone:
    """What a part of a chat wrote of its pages, and whether it is what one process writing
    the whole chat writes (as far as the part can tell)."""

    pages: int  # how many, from its first (`Continued.page`)
    exact: bool  # its messages were the ones its first look saw, in order
    senders: list[str]  # the senders it met, in the order it met them (2 x COLOURED at most)


class HtmlChat:
    """Writes one chat's pages as its messages arrive, oldest first: the whole chat, or (with
    ``continued``) a part of it whose pages continue the part before it."""

    def __init__(
        self,
        folder: Path,
        name: str,
        relative: str,
        continued: Continued | None = None,
        last: bool = True,
        pictures: Pictures | None = None,
        topics: bool = False,
    ) -> None:
        self.folder = folder
        self._topics = topics  # a forum's: its header links to its topics (`TOPICS_PAGE`)
        self.name = name or "Chat"
        self._pictures = pictures or Pictures()
        chat = self._pictures.chat
        saved = None if chat is None else self._pictures.userpic(chat)
        self._chat_picture = chat_picture(self.name, saved)
        depth = relative.count("/") + 1
        self._root = "../" * depth
        self._page: IO[str] | None = None
        self._continued = continued
        self._first = 1 if continued is None else continued.page  # the number of its first page
        # the ids of the chat's messages before this part, ascending
        self._earlier = array("q") if continued is None else continued.read(0, continued.before)
        self._last = last  # the chat's last part: its last page links to no newer one
        self._number = self._first - 1
        self._on_page = 0
        self._day = ""
        self._colours: dict[str, int] = {}
        if continued is not None and continued.coloured is not None:
            self._colours = {key: _colour(key) for key in continued.coloured}
        # (from_id, name) -> its name, and the start of its group (userpic, name) as the page
        # shows them
        self._shown: dict[tuple[Any, str], tuple[str, str]] = {}
        # What the message before says of its group (sender, via bot, forward, day) and when it
        # was sent; None at a page's start and after a service message: the next starts one.
        self._group: tuple[Any, ...] | None = None
        self._sent: object = None
        # The page's messages so far: id -> (their sender as shown, text, media kind), quoted
        # by the replies to them on the same page.
        self._quotes: dict[int, tuple[str, Any, Any]] = {}
        self._labels: dict[str, str | None] = {}  # a media_type -> `media_label`'s words
        self._words: dict[str, str] = {}  # words that come back often -> escaped
        self._pending: list[str] = []  # what is written to the page next, in one write
        self._ids = array("q")  # every id written so far, ascending
        self._firsts: list[int] = []  # index in _ids of each page's first message

    def _open(self) -> None:
        self._number += 1
        self._on_page = 0
        self._day = ""
        self._group = None
        self._quotes = {}
        self._firsts.append(len(self._ids))
        self._page = open(self.folder / self._name(self._number), "w", encoding="utf-8")  # noqa: SIM115
        self._page.write(page_head(self._title(), self._root + CSS_PATH))
        self._page.write(f'<div class="page">\n<header>\n<div class="bar">{self._bar()}</div>\n')
        self._page.write(f"{self._nav(more=False)}</header>\n<main>\n")

    def _name(self, number: int) -> str:
        """The file name of page ``number`` (`page_name`; a topic's pages have their own)."""
        return page_name(number)

    def _title(self) -> str:
        """The open page's title."""
        return f"{self.name} — page {self._number}"

    def _bar(self) -> str:
        """The header bar of a page: the way back to the list of chats, the chat's picture
        and name, its topics (a forum's) and its statistics."""
        topics = ""
        if self._topics:
            words = esc(_("Topics"))
            topics = f'<a class="topics" href="{TOPICS_PAGE}">{words}</a>'
        return (
            f'<a class="back" href="{self._root}index.html">All chats</a>'
            f"{self._chat_picture}<h1>{esc(self.name)}</h1>{topics}"
            f'<a class="stats" href="{STATS_PAGE}">Statistics</a>'
        )

    def _nav(self, more: bool) -> str:
        parts = []
        if self._number > 1:
            parts.append(f'<a href="{self._name(self._number - 1)}">← Older</a>')
        parts.append(f"<span>Page {self._number}</span>")
        if more:
            parts.append(f'<a href="{self._name(self._number + 1)}">Newer →</a>')
        return '<nav class="pages">' + " ".join(parts) + "</nav>\n"

    def _write(self) -> None:
        assert self._page is not None
        self._page.write("".join(self._pending))
        self._pending.clear()

    def _close(self, more: bool) -> None:
        assert self._page is not None
        self._write()
        self._page.write(
            f"</main>\n<footer>\n{self._nav(more)}</footer>\n</div>\n</body>\n</html>\n"
        )
        self._page.close()
        self._page = None

    def _where(self, message_id: int) -> str | None:
        """The link to an earlier message of this export, if it is in it."""
        at = bisect_right(self._ids, message_id) - 1
        if at < 0:  # before this part's messages, if anywhere
            at = bisect_right(self._earlier, message_id) - 1
            if at < 0 or self._earlier[at] != message_id:
                return None
            return f"{self._name(at // PAGE_SIZE + 1)}#message{message_id}"
        if self._ids[at] != message_id:
            return None
        page = bisect_right(self._firsts, at) + self._first - 1
        here = "" if page == self._number else self._name(page)
        return f"{here}#message{message_id}"

    def add(self, record: Record, message: Record, path: str | None) -> None:
        """One message: ``record`` is the backup line, ``message`` its Telegram Desktop
        object, ``path`` where its file is in the chat's folder (or a skip text).

        This runs for every message of an export: a message's HTML is made here in one go
        (the usual parts inline, the rarer ones called). Its date is
        `tgtui.export.tde.local_date`'s text (digits, "-", ":" and "T"), which escaping leaves
        as it is: it is not escaped."""
        if self._page is None or self._on_page >= PAGE_SIZE:
            if self._page is not None:
                self._close(more=True)
            self._open()
        out = self._pending
        when = message["date"] if isinstance(message["date"], str) else "0000-00-00T00:00:00"
        if when[:10] != self._day:  # a new day starts a group
            self._day = when[:10]
            self._group = None
            out.append(f'<div class="day">{_day_title(self._day)}</div>\n')
        message_id = int(message["id"])
        full, at = when.replace("T", " "), when[11:16]
        if message["type"] == "service":
            self._group = None
            out.append(
                f'<div class="service" id="message{message_id}"><span class="pill">'
                f"{_lines(service_sentence(record))}"
                f' <span class="time" title="{full}">{at}</span></span></div>\n'
            )
        else:
            get = message.get
            sender = get("from") or get("author") or self.name
            who = (get("from_id"), sender)
            shown = self._shown.get(who)
            if shown is None:
                shown = self._sender(who)
            # Telegram Desktop's rule (`messageNeedsWrap` of its HTML writer): a message joins
            # the one before when that one is a message on this page, of the same sender and
            # via bot, on the same day (a day's title starts a group), forwarded alike, and
            # sent shortly before. Its date is only read when the rest is alike.
            sent = get("date_unixtime")
            forwarded = None
            if "forwarded_from" in message:
                forwarded = (message["forwarded_from"], record.get("forwarded_from_id"))
            via = get("via_bot")
            group = (who, via, forwarded)
            joined = False
            if group == self._group:
                try:
                    apart = abs(int(str(sent)) - int(str(self._sent)))
                except ValueError:  # no date (None): a group of its own
                    apart = JOIN_WITHIN + 1
                joined = apart <= (JOIN_WITHIN if forwarded is None else JOIN_FORWARDED_WITHIN)
            self._group, self._sent = group, sent
            name, head = shown
            if joined:
                head, kind_of = '<div class="body">\n', " joined"
            else:
                kind_of = ""
                if type(via) is str:
                    via_bot = f' <span class="via">via {esc(via)}</span></div>'
                    head = head.replace("</div>", via_bot, 1)
            marks = ""
            if "edited" in message or record.get("deleted_on_telegram"):
                marks = self._marks(record, message)
            header = ""
            if forwarded is not None:
                origin = forwarded[0] or "a hidden account"
                header = f'<div class="forwarded">Forwarded from <b>{esc(origin)}</b></div>\n'
            reply = get("reply_to_message_id")
            if isinstance(reply, int) and not answers_its_topic(record):
                header += self._reply(reply, get("reply_to_peer_id"))
            kind = record.get("media_type")
            media = self._media(record, message, path) if kind is not None else ""
            text = get("text")
            self._quotes[message_id] = (name, text, kind)
            if type(text) is str:  # `text_html`, the usual case
                if text and _AS_IT_IS.search(text) is not None:
                    text = esc(text).replace(NEWLINE, BREAK)
            else:
                text = text_html(text)
            reactions = get("reactions")
            if isinstance(reactions, list) and reactions:
                if text:
                    text = f'<div class="text">{text}</div>\n'
                text += _reactions(reactions, marks, message_id, full, at)
            else:  # the time in the text's last line, on the right
                text = (
                    f'<div class="text">{text}<span class="foot">{marks}<a class="time"'
                    f' href="#message{message_id}" title="{full}">{at}</a></span></div>\n'
                )
            out.append(
                f'<div class="message{kind_of}" id="message{message_id}">{head}'
                f"{header}{media}{text}</div></div>\n"
            )
        if len(out) >= 64:
            self._write()
        self._ids.append(message_id)
        self._on_page += 1

    def _sender(self, who: tuple[Any, str]) -> tuple[str, str]:
        """The sender of a message (its from_id, and the name shown) as a group shows it: the
        name in the sender's colour (the chat's first COLOURED senders each get one), and its
        userpic (the saved one, else its initials on that colour)."""
        from_id, sender = who
        key = str(from_id or sender)
        colour = self._colours.get(key)
        if colour is None:
            colours = self._colours
            colour = colours[key] = _colour(key) if len(colours) < COLOURED else 0
        if len(self._shown) >= 10_000:
            self._shown.clear()
        saved = self._pictures.userpic(from_id) if type(from_id) is str else None
        name = f'<span class="from c{colour}">{esc(sender)}</span>'
        picture = userpic(colour, str(sender), saved)
        shown = self._shown[who] = (
            name,
            f'{picture}<div class="body">\n<div class="meta">{name}</div>\n',
        )
        return shown

    def _escaped(self, words: str) -> str:
        """`esc` of words that come back often (a media kind's, a skip text), found once."""
        shown = self._words.get(words)
        if shown is None:
            if len(self._words) >= 1_000:
                self._words.clear()
            shown = self._words[words] = esc(words)
        return shown

    def _marks(self, record: Record, message: Record) -> str:
        """Edited, deleted on Telegram: what is said beside the time."""
        out = []
        if "edited" in message:
            versions = record.get("versions")
            label = f"edited ({versions} versions)" if isinstance(versions, int) else "edited"
            out.append(f'<span class="edited" title="{esc(message["edited"])}">{label}</span> ')
        if record.get("deleted_on_telegram"):
            noticed = esc(str(record["deleted_on_telegram"]))
            out.append(
                f'<span class="deleted" title="noticed {noticed}">deleted on Telegram</span> '
            )
        return "".join(out)

    def _reply(self, reply: int, peer: object) -> str:
        """The quote of the message this one answers, when it is earlier on this page (its
        sender and the start of its text, a link to it); else a line saying where it is."""
        if peer:
            return '<div class="reply">In reply to a message in another chat</div>\n'
        quoted = self._quotes.get(reply)
        if quoted is not None:
            name, text, kind = quoted
            words = _snippet(text)
            if words:
                words = esc(words)
            elif type(kind) is str:
                words = self._escaped(self._labels.get(kind) or kind.replace("_", " "))
            return (
                f'<div class="reply"><a href="#message{reply}">{name}'
                f' <span class="quote">{words}</span></a></div>\n'
            )
        link = self._where(reply)
        if link is None:
            return '<div class="reply">In reply to a message not in this export</div>\n'
        return f'<div class="reply">In reply to <a href="{link}">this message</a></div>\n'

    def _media(self, record: Record, message: Record, path: str | None) -> str:
        kind = record.get("media_type")
        if type(kind) is str:  # its words depend on nothing else: found once per kind
            label = self._labels.get(kind, "")
            if label == "":
                label = self._labels[kind] = media_label(record)
        else:
            label = media_label(record)
        if label is None:
            return ""
        if kind == "web_page":
            return self._link_preview(record)
        poll = message.get("poll")
        if kind == "poll" and isinstance(poll, dict):
            return poll_html(poll)
        saved = path is not None and not path.startswith("(")
        if kind == "photo" and saved and path is not None:  # the usual one: no details needed
            return saved_media(kind, record, message, path, "", self._pictures) or ""
        words = details(self._escaped(label), record, message)
        place = message.get("place_name")
        if isinstance(place, str):
            words.append(esc(place))
        size_value = non_negative(record.get("file_size"))
        if size_value is not None:
            words.append(human_bytes(size_value))
        seconds = length(record)
        if seconds is not None:
            words.append(seconds)
        body = " · ".join(words)
        if saved:
            assert path is not None
            if kind in SHOWN and playable(self.folder / path):
                shown = saved_media(str(kind), record, message, path, body, self._pictures)
                if shown is not None:
                    return shown
            link = f'<a href="{file_url(path)}">{body}</a>'
            if kind in PREVIEWED:  # a file no browser shows (an animated sticker...)
                still = self._pictures.preview(record)
                if still is not None:
                    return preview_media(str(kind), message, still, link)
            return f'<div class="media file">{link}</div>\n'
        extra = ""
        location = message.get("location_information")
        if isinstance(location, dict):
            extra = f" · {esc(location.get('latitude'))}, {esc(location.get('longitude'))}"
        contact = message.get("contact_information")
        if isinstance(contact, dict):
            who = f"{contact.get('first_name', '')} {contact.get('last_name', '')}".strip()
            extra = f" · {esc(who)} {esc(contact.get('phone_number', ''))}"
        if path is not None:  # a skip text: one of a few
            extra += f' <span class="missing">{self._escaped(path.strip("()"))}</span>'
        if kind in PREVIEWED:  # not saved: its thumbnail, if that is
            still = self._pictures.preview(record)
            if still is not None:
                return preview_media(str(kind), message, still, body + extra)
        return f'<div class="media">{body}{extra}</div>\n'

    def _link_preview(self, record: Record) -> str:
        """A link preview as Telegram shows one: its picture (the saved thumbnail), site,
        title linked to its address (a web address only), description; nothing when the
        record has none of them (a backup made before they were kept has only the URL)."""
        url = safe_href(record.get("web_page_url"))
        words = {
            field: value
            for field in ("web_page_site", "web_page_title", "web_page_description")
            if isinstance(value := record.get(field), str) and value
        }
        parts: list[str] = []
        still = self._pictures.preview(record)
        if still is not None:
            # Its size, if the backup kept it: the card takes its place before it loads.
            size = record_size(record.get("thumbnail_width"), record.get("thumbnail_height"))
            place = f' width="{size[0]}" height="{size[1]}"' if size is not None else ""
            parts.append(f'<img src="{file_url(still)}"{place} loading="lazy" alt="Link preview">')
        if "web_page_site" in words:
            parts.append(f'<div class="site">{esc(words["web_page_site"])}</div>')
        heading = esc(words.get("web_page_title") or url or "")
        if heading and url is not None:
            parts.append(
                f'<a class="title" href="{esc(url)}" rel="noopener noreferrer">{heading}</a>'
            )
        elif heading:
            parts.append(f'<div class="title">{heading}</div>')
        if "web_page_description" in words:
            parts.append(f'<div class="description">{_lines(words["web_page_description"])}</div>')
        if not parts:
            return ""
        return f'<div class="media link-preview">{"".join(parts)}</div>\n'

    def finish(self) -> None:
        """Close the last page (a chat with no message still gets one, saying so); a part
        that is not the chat's last links its last page to the next part's first."""
        if self._page is None and self._number == 0:
            self._open()
            assert self._page is not None
            self._page.write('<p class="empty">No messages in this export.</p>\n')
        if self._page is not None:
            self._close(more=not self._last)

    def done(self) -> PagesDone:
        """What this part wrote (after `finish`): its pages, whether its messages were the
        ones it was told of (all of them, every page full, for a part that is not the chat's
        last; ascending after the ones before, for the last), and the senders it met."""
        continued, ids = self._continued, self._ids
        if continued is None:
            exact = True
        elif continued.own is not None:
            exact = ids == continued.read(continued.before, continued.own)
        else:
            exact = all(map(operator.le, ids, itertools.islice(ids, 1, None))) and (
                not ids or not self._earlier or self._earlier[-1] <= ids[0]
            )
        senders = list(itertools.islice(self._colours, 2 * COLOURED))
        return PagesDone(self._number - self._first + 1, exact, senders)
