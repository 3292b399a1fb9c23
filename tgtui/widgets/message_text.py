"""A saved message as styled lines for the reader: day, time, sender, marks, reply quote,
forward, text with its entities as styles, media line.

Everything shown comes from disk and passes through `tgtui.untrusted.clean` first; entities
become Rich styles (never markup), and a link's address is only shown, never followed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.style import Style
from rich.text import Text

from tgtui.archive.chat_log import record_date
from tgtui.archive.wording import media_label, media_line, service_sentence
from tgtui.format.records import non_negative
from tgtui.format.topics import answers_its_topic
from tgtui.i18n import _, counted, long_date, number
from tgtui.untrusted import clean

Record = dict[str, Any]
INDENT = 6  # the text starts under the sender, after the time
QUOTE_CHARS = 200
TEXT_CHARS = 20_000  # of one message shown (longer ones end in an ellipsis)
MAX_POLL_ANSWERS = 12  # Telegram allows 10 (12 shown: a stranger's backup may hold more)
MAX_REACTIONS = 24

ENTITY_STYLES: dict[str, Style] = {
    "bold": Style(bold=True),
    "italic": Style(italic=True),
    "underline": Style(underline=True),
    "strikethrough": Style(strike=True),
    "code": Style(color="bright_cyan"),
    "pre": Style(color="bright_cyan"),
    "link": Style(color="bright_blue", underline=True),
    "text_link": Style(color="bright_blue", underline=True),
    "email": Style(color="bright_blue", underline=True),
    "phone": Style(color="bright_blue"),
    "mention": Style(color="bright_magenta"),
    "mention_name": Style(color="bright_magenta"),
    "hashtag": Style(color="bright_magenta"),
    "cashtag": Style(color="bright_magenta"),
    "bot_command": Style(color="bright_magenta"),
    "spoiler": Style(reverse=True, dim=True),
    "blockquote": Style(italic=True, dim=True),
}
SENDER_COLOURS = ("cyan", "green", "magenta", "yellow", "blue", "red", "bright_cyan")


@dataclass(frozen=True)
class Shown:
    """What a message needs from around it: the one before it (for the day line), the
    message it answers (looked up by id), and its chat's folder and failed files."""

    older: Record | None
    replied: Callable[[int], Record | None]
    folder: Path
    failed: dict[str, str]


def day_of(record: Record | None) -> dt.date | None:
    """The (UTC) day a message was sent."""
    when = None if record is None else record_date(record)
    return None if when is None else when.date()


def day_line(day: dt.date) -> Text:
    """ "── Tuesday, 2 January 2024 ──" above the first message of a day."""
    return Text(f"── {long_date(day)} ──", style="bold dim")


def sender_style(record: Record) -> str:
    """A steady colour per sender, so a conversation is easy to follow."""
    who = record.get("from_id") or record.get("from") or ""
    if not isinstance(who, str):
        who = ""  # a stranger's list or number where a name goes: no name
    return "bold " + SENDER_COLOURS[sum(who.encode("utf-8", "replace")) % len(SENDER_COLOURS)]


def message_text(record: Record) -> Text:
    """The message's text with its entities as styles (the plain text if they do not fit)."""
    pieces = record.get("text_entities")
    text = Text()
    if isinstance(pieces, list) and pieces:
        for piece in pieces:
            if not isinstance(piece, dict):
                continue
            kind = piece.get("type")
            style = ENTITY_STYLES.get(kind, Style()) if isinstance(kind, str) else Style()
            text.append(clean(piece.get("text"), multiline=True), style=style)
            href = piece.get("href")
            if isinstance(href, str) and href and href != piece.get("text"):
                text.append(f" ({clean(href, limit=200)})", style="dim")
            if len(text) > TEXT_CHARS:
                break
    else:
        body = record.get("text")
        if isinstance(body, str):
            text.append(clean(body, multiline=True))
        elif isinstance(body, list):  # Telegram Desktop's mixed form
            for part in body:
                value = part.get("text") if isinstance(part, dict) else part
                text.append(clean(value, multiline=True))
    if len(text) > TEXT_CHARS:
        text.truncate(TEXT_CHARS)
        text.append("…")
    return text


def _header(record: Record) -> Text:
    when = record_date(record)
    line = Text(f"{when:%H:%M}" if when else "--:--", style="dim")
    line.append(" ")
    if record.get("type") == "service":
        return line
    line.append(clean(record.get("from") or _("Unknown"), limit=60), style=sender_style(record))
    author = record.get("author")
    if isinstance(author, str) and author:
        line.append(f" ({clean(author, limit=40)})", style="dim")
    versions = record.get("versions")
    if isinstance(versions, int) and versions > 1:
        edited = _("edited ({count} versions: v)").format(count=versions)
        line.append(f"  {edited}", style="italic dim")
    elif record.get("edited"):
        line.append("  " + _("edited"), style="italic dim")
    if record.get("deleted_on_telegram"):
        line.append("  " + _("deleted on Telegram"), style="italic red")
    via = record.get("via_bot") or record.get("via_bot_id")
    if via:
        line.append("  " + _("via {bot}").format(bot=clean(via, limit=40)), style="dim")
    return line


def _quote(record: Record, shown: Shown) -> Text | None:
    answered = record.get("reply_to_message_id")
    if not isinstance(answered, int) or isinstance(answered, bool):
        return None
    if answers_its_topic(record):  # in a forum topic: its place, not a reply
        return None
    if record.get("reply_to_peer_id"):
        return Text("↩ " + _("answers a message in another chat"), style="dim italic")
    target = shown.replied(answered)
    if target is None:
        missing = _("answers message {id} (not in this backup)").format(id=number(answered))
        return Text(f"↩ {missing}", style="dim italic")
    quote = Text("↩ ", style="dim")
    quote.append(clean(target.get("from") or _("Unknown"), limit=40), style="dim bold")
    said = target.get("text")
    if not isinstance(said, str) or not said:
        said = service_sentence(target) if target.get("type") == "service" else ""
        said = said or f"[{media_label(target) or _('message')}]"
    quote.append(": " + clean(said, limit=QUOTE_CHARS), style="dim")
    return quote


def _wrapped(text: Text, width: int, console: Console, indent: int) -> list[Text]:
    lines = text.wrap(console, max(1, width - indent))
    out = []
    for line in lines:
        line.rstrip()
        padded = Text(" " * indent)
        padded.append_text(line)
        out.append(padded)
    return out


def message_lines(record: Record, shown: Shown, width: int, console: Console) -> list[Text]:
    """The screen lines of one message at ``width`` columns."""
    head, tail = message_parts(record, shown, width, console)
    return head + tail


def message_parts(
    record: Record, shown: Shown, width: int, console: Console
) -> tuple[list[Text], list[Text]]:
    """The screen lines of one message at ``width`` columns, in two: up to its media line,
    and after it (its poll, its reactions), where the reader puts its picture between."""
    lines: list[Text] = []
    day = day_of(record)
    if day is not None and day != day_of(shown.older):
        lines.append(day_line(day))
    kind = record.get("type")
    if kind == "unreadable":
        lines.append(Text(f"????? {clean(record.get('text'))}", style="bold red"))
        return lines, []
    header = _header(record)
    if kind == "service":
        header.append(clean(service_sentence(record), limit=400), style="italic")
        lines.extend(_wrapped(header, width, console, 0))
        return lines, []
    topic = topic_line(record, shown)
    if topic is not None:
        header.append("  ")
        header.append_text(topic)
    lines.append(header)
    quote = _quote(record, shown)
    if quote is not None:
        lines.append(_one_line(quote, width))
    forwarded = record.get("forwarded_from")
    if forwarded or record.get("forwarded_from_id"):
        name = clean(forwarded or record.get("forwarded_from_id"), limit=60)
        forwarded_line = _("forwarded from {name}").format(name=name)
        lines.append(_one_line(Text(f"{' ' * INDENT}⤷ {forwarded_line}", style="dim"), width))
    body = message_text(record)
    if body.plain.strip():
        lines.extend(_wrapped(body, width, console, INDENT))
    media = media_line(record, shown.folder, shown.failed)
    if media is not None:
        words, saved = media
        label = Text("▣ " + clean(words, limit=300), style="green" if saved else "yellow")
        lines.extend(_wrapped(label, width, console, INDENT))
    after: list[Text] = []
    for extra in (*poll_lines(record), reactions_line(record)):
        if extra is not None:
            after.extend(_wrapped(extra, width, console, INDENT + 2))
    if kind == "empty":
        after.append(Text(" " * INDENT + _("(empty message)"), style="dim italic"))
    return lines, after


def poll_lines(record: Record) -> list[Text]:
    """A poll's options with their votes, as Telegram shows them once one has voted: "✓"
    on the option this account chose (where the backup saved it), "closed" when it ended."""
    poll = record.get("poll")
    if not isinstance(poll, dict) or not isinstance(poll.get("answers"), list):
        return []
    total = non_negative(poll.get("total_voters"))  # a stranger's backup: any JSON value
    lines = []
    for answer in poll["answers"][:MAX_POLL_ANSWERS]:
        if not isinstance(answer, dict):
            continue
        voters = non_negative(answer.get("voters"))
        mark = "✓ " if answer.get("chosen") is True else "○ "
        line = Text(mark, style="bold" if mark == "✓ " else "dim")
        line.append(clean(answer.get("text"), limit=200))
        if voters is not None:
            votes = counted("{count} vote", "{count} votes", voters)
            if total:  # whole numbers only: 2^63 voters overflow a float
                votes += f", {min(100, (200 * voters + total) // (2 * total))} %"
            line.append(f" · {votes}", style="dim")
        lines.append(line)
    if poll.get("closed") is True:
        lines.append(Text(_("poll closed"), style="dim italic"))
    return lines


def reactions_line(record: Record) -> Text | None:
    """The message's reactions with their counts ("👍 3  ❤ 1"), or None."""
    reactions = record.get("reactions")
    if not isinstance(reactions, list) or not reactions:
        return None
    line = Text()
    for reaction in reactions[:MAX_REACTIONS]:
        if not isinstance(reaction, dict):
            continue
        count = reaction.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
            continue
        kind = reaction.get("type")
        if kind == "paid":
            face = "⭐"
        elif kind == "emoji" and isinstance(reaction.get("emoji"), str):
            face = clean(reaction["emoji"], limit=8)
        else:
            face = "◇"  # a custom emoji: its picture is not in the backup
        if line:
            line.append("  ")
        line.append(f"{face} {number(count)}")
    return line if line else None


def topic_line(record: Record, shown: Shown) -> Text | None:
    """The forum topic a message belongs to ("# Releases"), or None outside topics."""
    topic = record.get("topic_id")
    if not isinstance(topic, int) or isinstance(topic, bool) or topic <= 1:
        return None  # 1: a forum's General topic, which Telegram does not name per message
    started = shown.replied(topic)
    title = started.get("title") if started else None
    if not isinstance(title, str) or not title:
        return Text("# " + _("topic {id}").format(id=number(topic)), style="dim")
    return Text("# " + clean(title, limit=60), style="dim")


def _one_line(text: Text, width: int) -> Text:
    if not text.plain.startswith(" "):
        text = Text(" " * INDENT).append_text(text)
    text.truncate(width, overflow="ellipsis")
    return text
