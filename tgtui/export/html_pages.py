"""A chat as browsable HTML pages: messages.html, messages2.html, ... of 1,000 messages each,
as Telegram Desktop names them, readable offline in any browser with no JavaScript.

Every string comes from the backup and is escaped before it reaches a page; nothing from a
message is ever taken as markup. Links in messages keep their address visible and only
web, mail and tg: addresses become links. Photos are shown inline and lazily loaded; other
files are links with their name and size.
"""

from __future__ import annotations

import datetime as dt
import zlib
from array import array
from bisect import bisect_right
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from tgtui.archive.wording import media_label, service_sentence
from tgtui.format.records import non_negative
from tgtui.units import duration, human_bytes
from tgtui.untrusted import html_text as esc

Record = dict[str, Any]

PAGE_SIZE = 1_000
CSS_PATH = "css/style.css"

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


def _lines(value: object) -> str:
    return esc(value).replace("\n", "<br>")


def _url(path: str) -> str:
    """A relative file path as a link: every character a URL gives a meaning (#, ?, %,
    spaces...) escaped, so the link leads to the file whatever its name."""
    return esc(quote(path, safe="/", errors="replace"))


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


def _day_title(day: str) -> str:
    """ "Tuesday, 2 January 2024" for "2024-01-02"."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return esc(day)
    return f"{date:%A}, {date.day} {date:%B %Y}"


def _colour(sender: object) -> int:
    return zlib.crc32(str(sender).encode("utf-8", "replace")) % 8


class HtmlChat:
    """Writes one chat's pages as its messages arrive, oldest first."""

    def __init__(self, folder: Path, name: str, relative: str) -> None:
        self.folder = folder
        self.name = name or "Chat"
        depth = relative.count("/") + 1
        self._root = "../" * depth
        self._page: IO[str] | None = None
        self._number = 0
        self._on_page = 0
        self._day = ""
        self._colours: dict[str, int] = {}
        self._senders: dict[str, str] = {}  # a sender's name -> as the page shows it
        self._labels: dict[str, str | None] = {}  # a media_type -> `media_label`'s words
        self._pending: list[str] = []  # what is written to the page next, in one write
        self._ids = array("q")  # every id written so far, ascending
        self._firsts: list[int] = []  # index in _ids of each page's first message

    def _open(self) -> None:
        self._number += 1
        self._on_page = 0
        self._day = ""
        self._firsts.append(len(self._ids))
        self._page = open(self.folder / page_name(self._number), "w", encoding="utf-8")  # noqa: SIM115
        title = f"{self.name} — page {self._number}"
        self._page.write(page_head(title, self._root + CSS_PATH))
        self._page.write('<div class="page">\n<header>\n')
        self._page.write(f'<a class="back" href="{self._root}index.html">All chats</a>\n')
        self._page.write(f"<h1>{esc(self.name)}</h1>\n{self._nav(more=False)}</header>\n<main>\n")

    def _nav(self, more: bool) -> str:
        parts = []
        if self._number > 1:
            parts.append(f'<a href="{page_name(self._number - 1)}">← Older</a>')
        parts.append(f"<span>Page {self._number}</span>")
        if more:
            parts.append(f'<a href="{page_name(self._number + 1)}">Newer →</a>')
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
        if at < 0 or self._ids[at] != message_id:
            return None
        page = bisect_right(self._firsts, at)
        here = "" if page == self._number else page_name(page)
        return f"{here}#message{message_id}"

    def add(self, record: Record, message: Record, path: str | None) -> None:
        """One message: ``record`` is the backup line, ``message`` its Telegram Desktop
        object, ``path`` where its file is in the chat's folder (or a skip text).

        This runs for every message of an export. Its date is `tgtui.export.tde.local_date`'s
        text (digits, "-", ":" and "T"), which escaping leaves as it is: it is not escaped."""
        if self._page is not None and self._on_page >= PAGE_SIZE:
            self._close(more=True)
        if self._page is None:
            self._open()
        out = self._pending
        when = message["date"] if isinstance(message["date"], str) else "0000-00-00T00:00:00"
        if when[:10] != self._day:
            self._day = when[:10]
            out.append(f'<div class="day">{_day_title(self._day)}</div>\n')
        message_id = int(message["id"])
        if message["type"] == "service":
            out.append(
                f'<div class="service" id="message{message_id}">'
                f"{_lines(service_sentence(record))}"
                f' <span class="time" title="{when.replace("T", " ")}">{when[11:16]}'
                "</span></div>\n"
            )
        else:
            out.append(self._message(record, message, path, when))
        if len(out) >= 64:
            self._write()
        self._ids.append(message_id)
        self._on_page += 1

    def _message(self, record: Record, message: Record, path: str | None, when: str) -> str:
        message_id = message["id"]
        get = message.get
        sender = get("from") or get("author") or self.name
        key = str(get("from_id") or sender)
        colour = self._colours.get(key)
        if colour is None:
            colour = self._colours[key] = _colour(key) if len(self._colours) < 10_000 else 0
        shown = self._senders.get(sender)
        if shown is None:
            if len(self._senders) >= 10_000:
                self._senders.clear()
            shown = self._senders[sender] = esc(sender)
        out = [
            f'<div class="message" id="message{message_id}">\n<div class="meta">'
            f'<span class="from c{colour}">{shown}</span>'
            f' <a class="time" href="#message{message_id}" title="{when.replace("T", " ")}">'
            f"{when[11:16]}</a>"
        ]
        if "edited" in message:
            versions = record.get("versions")
            label = f"edited ({versions} versions)" if isinstance(versions, int) else "edited"
            out.append(f' <span class="edited" title="{esc(message["edited"])}">{label}</span>')
        if record.get("deleted_on_telegram"):
            noticed = esc(str(record["deleted_on_telegram"]))
            out.append(
                f' <span class="deleted" title="noticed {noticed}">deleted on Telegram</span>'
            )
        if isinstance(get("via_bot"), str):
            out.append(f' <span class="via">via {esc(message["via_bot"])}</span>')
        out.append("</div>\n")
        if "forwarded_from" in message:
            origin = message["forwarded_from"] or "a hidden account"
            out.append(f'<div class="forwarded">Forwarded from <b>{esc(origin)}</b></div>\n')
        reply = get("reply_to_message_id")
        if isinstance(reply, int) and not get("reply_to_peer_id"):
            link = self._where(reply)
            if link is None:
                out.append('<div class="reply">In reply to a message not in this export</div>\n')
            else:
                out.append(
                    f'<div class="reply">In reply to <a href="{link}">this message</a></div>\n'
                )
        elif isinstance(reply, int):
            out.append('<div class="reply">In reply to a message in another chat</div>\n')
        if "media_type" in record:
            out.append(self._media(record, message, path))
        text = text_html(get("text"))
        if text:
            out.append(f'<div class="text">{text}</div>\n')
        reactions = get("reactions")
        if isinstance(reactions, list) and reactions:
            shown = " ".join(
                f"<span>{esc(r.get('emoji') or '★')} {non_negative(r.get('count')) or 0}</span>"
                for r in reactions
                if isinstance(r, dict)
            )
            out.append(f'<div class="reactions">{shown}</div>\n')
        out.append("</div>\n")
        return "".join(out)

    def _media(self, record: Record, message: Record, path: str | None) -> str:
        kind = record.get("media_type")
        if type(kind) is str:  # its words depend on nothing else: found once per kind
            label = self._labels.get(kind, "")
            if label == "":
                label = self._labels[kind] = media_label(record)
        else:
            label = media_label(record)
        if label is None or kind == "web_page":
            return ""
        saved = path is not None and not path.startswith("(")
        if kind == "photo" and saved and path is not None:
            size = ""
            if isinstance(message.get("width"), int) and isinstance(message.get("height"), int):
                size = f' width="{message["width"]}" height="{message["height"]}"'
            return (
                f'<div class="media"><a href="{_url(path)}"><img src="{_url(path)}"'
                f'{size} loading="lazy" alt="Photo"></a></div>\n'
            )
        details = [esc(label)]
        name = record.get("file_name")
        if isinstance(name, str) and name:
            details.append(esc(name))
        poll = message.get("poll")
        if isinstance(poll, dict):
            details.append(esc(poll.get("question", "")))
        place = message.get("place_name")
        if isinstance(place, str):
            details.append(esc(place))
        size_value = non_negative(record.get("file_size"))
        if size_value is not None:
            details.append(human_bytes(size_value))
        seconds = non_negative(record.get("duration_seconds"))
        if seconds is not None:
            details.append(duration(seconds))
        body = " · ".join(details)
        if saved:
            assert path is not None
            return f'<div class="media file"><a href="{_url(path)}">{body}</a></div>\n'
        extra = ""
        if isinstance(poll, dict):
            answers = poll.get("answers") or []
            extra = "".join(
                f"<li>{esc(a.get('text', ''))} — {non_negative(a.get('voters')) or 0}</li>"
                for a in answers
                if isinstance(a, dict)
            )
            extra = f"<ul>{extra}</ul>" if extra else ""
        location = message.get("location_information")
        if isinstance(location, dict):
            extra = f" · {esc(location.get('latitude'))}, {esc(location.get('longitude'))}"
        contact = message.get("contact_information")
        if isinstance(contact, dict):
            who = f"{contact.get('first_name', '')} {contact.get('last_name', '')}".strip()
            extra = f" · {esc(who)} {esc(contact.get('phone_number', ''))}"
        if path is not None:
            extra += f' <span class="missing">{esc(path.strip("()"))}</span>'
        return f'<div class="media">{body}{extra}</div>\n'

    def finish(self) -> None:
        """Close the last page (a chat with no message still gets one, saying so)."""
        if self._page is None and self._number == 0:
            self._open()
            assert self._page is not None
            self._page.write('<p class="empty">No messages in this export.</p>\n')
        if self._page is not None:
            self._close(more=False)
