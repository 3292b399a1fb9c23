"""A forum's topics in the HTML export: a topic index (``topics.html``, beside the chat's
pages and linked from their header) and each topic's own pages (``topic57.html``,
``topic57-2.html``, ... of `PAGE_SIZE` messages), holding only that topic's messages, made
by the chat pages' writer (`HtmlChat`) with its own names and header.

They are written in a pass of their own over the chat's messages.jsonl (a work of the export's
workers, beside the chat's pages, which may be cut between workers): the file is streamed as
the chat's pages stream it, each message given to its topic's writer (`tgtui.format.topics`
says which), so memory stays flat whatever the chat's size. No more than `OPEN_AT_ONCE`
topics' pages are open at once: in a forum of more, the first reading keeps where the other
topics' lines start (8 bytes a line), and reads only those again, a group of topics at a
time.

A topic's title, like everything else from the backup, is escaped before it reaches a page.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tgtui.archive.folder import JSONL
from tgtui.export import tde
from tgtui.export.chat_export import (
    ChatJob,
    Part,
    PartDone,
    chat_pictures,
    chat_placer,
    in_range,
    line_blocks,
    loads,
)
from tgtui.export.html_media import Pictures, initials
from tgtui.export.html_pages import (
    CSS_PATH,
    STATS_PAGE,
    TOPICS_PAGE,
    HtmlChat,
    chat_picture,
    local_time,
    page_head,
    page_name,
)
from tgtui.format.records import MAX_ID, unixtime
from tgtui.format.safe_files import MAX_LINE, file_problem, open_lines
from tgtui.format.topics import GENERAL, Topic, read_topics, topic_of, topics_path
from tgtui.format.versions import load_changes
from tgtui.i18n import _, counted, number, pgettext
from tgtui.untrusted import html_text as esc

Record = dict[str, Any]

# The most topics whose pages are written in one reading of the chat's lines (each holds
# a page open).
OPEN_AT_ONCE = 64
# A topics.jsonl bigger than this is not read (a topic's version is a few hundred bytes).
MAX_TOPICS = 256 * 1024 * 1024


def topic_page(topic: int, number: int = 1) -> str:
    """The file name of a topic's page ``number``: topic57.html, topic57-2.html, ..."""
    return f"topic{topic}.html" if number == 1 else f"topic{topic}-{number}.html"


def topic_title(topic_id: int, title: str) -> str:
    """A topic's title as shown: its own, else General's or "Topic 57" (not escaped)."""
    if title:
        return title
    return _("General") if topic_id == GENERAL else _("Topic {id}").format(id=topic_id)


def topic_icon(topic: Topic | None, title: str) -> str:
    """Telegram's icon of a topic without a custom emoji: its initial on its colour (a custom
    emoji's picture is not in the backup: the same icon, saying so)."""
    colour = topic.icon_color if topic is not None else None
    style = ""
    if colour is not None:
        style = f' style="background: #{colour & 0xFFFFFF:06x}"'
    tip = ""
    if topic is not None and topic.icon_emoji_id is not None:
        words = esc(_("its custom emoji icon is not in the backup"))
        tip = f' title="{words}"'
    return f'<span class="topic-icon"{style}{tip}>{initials(title)}</span>'


class TopicPages(HtmlChat):
    """One topic's pages: the chat's pages as `HtmlChat` writes them, under the topic's own
    names, its header leading back to the topic index and to the whole chat."""

    def __init__(
        self,
        folder: Path,
        chat: str,
        relative: str,
        pictures: Pictures,
        topic: int,
        title: str,
    ) -> None:
        super().__init__(folder, chat, relative, pictures=pictures)
        self.topic = topic
        self.title = title

    def _name(self, number: int) -> str:
        return topic_page(self.topic, number)

    def _title(self) -> str:
        return f"{self.title} — {self.name} — page {self._number}"

    def _bar(self) -> str:
        back, every = esc(_("All topics")), esc(_("All messages"))
        return (
            f'<a class="back" href="{TOPICS_PAGE}">{back}</a>'
            f"{self._chat_picture}<h1>{esc(self.title)}"
            f' <span class="in-chat">{esc(self.name)}</span></h1>'
            f'<a class="topics" href="{page_name(1)}">{every}</a>'
            f'<a class="stats" href="{STATS_PAGE}">Statistics</a>'
        )


@dataclass
class _Seen:
    """What the pass saw of one topic: its messages, and when the newest was sent."""

    messages: int = 0
    last: int | None = None


def _messages(
    job: ChatJob,
    place: Callable[[Record], str | None],
    current: Any,
    offsets: Sequence[int] | None = None,
) -> Iterator[tuple[int, Record, Record, str | None]]:
    """The chat's messages as its pages show them (the dates asked for, each message's latest
    version, its file placed): (where its line starts, backup line, Telegram Desktop object,
    file path); every line, or only those starting at ``offsets``. Lines that are not
    messages are passed over (the chat's pages count and name them)."""
    try:
        handle = open_lines(job.backup_folder / JSONL, 1 << 20)
    except OSError:  # none saved yet, or refused: the chat's pages say why
        return
    filtered = job.since is not None or job.until is not None
    with handle:
        lines = _every_line(handle) if offsets is None else _lines_at(handle.fileno(), offsets)
        for offset, raw in lines:
            if raw is None:
                continue
            try:
                record = loads(raw)
            except ValueError:
                continue
            if type(record) is not dict:
                continue
            ident = record.get("id")
            if type(ident) is not int or not 0 < ident <= MAX_ID:
                continue
            if filtered and not in_range(record, job):
                continue
            if current is not None:
                record = current(record)
            path = place(record) if "media_type" in record else None
            message = tde.message(record, path)
            if message is not None:
                yield offset, record, message, path


def _every_line(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(where it starts, the line without its newline) of every line (`line_blocks`)."""
    for first, block in line_blocks(handle, 0, None):
        at = first
        for raw in block:  # a line too long (None) is alone in its block
            yield at, raw
            if raw is not None:
                at += len(raw) + 1


def _lines_at(fd: int, offsets: Sequence[int]) -> Iterator[tuple[int, bytes | None]]:
    """The lines that start at ``offsets`` (read there, not from the file's start; one
    longer than `MAX_LINE`, or gone since, is None)."""
    for offset in offsets:
        pieces: list[bytes] = []
        read = 0
        while read < MAX_LINE:
            more = os.pread(fd, min(1 << 16, MAX_LINE - read), offset + read)
            if not more:
                break
            end = more.find(b"\n")
            if end >= 0:
                pieces.append(more[:end])
                read = -1
                break
            pieces.append(more)
            read += len(more)
        yield offset, (b"".join(pieces) if read == -1 or 0 < read < MAX_LINE else None)


def export_topics(part: Part) -> PartDone:
    """A forum's topic pages and topic index (``part.topics``): the chat's lines read once
    (once more for every `OPEN_AT_ONCE` topics past the first), every message written to
    its topic's pages. Its messages and files are the chat's, counted by its pages' parts."""
    job = part.job
    done = PartDone(job.index, part.number, True)
    job.export_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept: list[Topic] = []
    # Not read past `MAX_TOPICS` (a sparse file would be read to its end, a hole at a time).
    problem = file_problem(topics_path(job.backup_folder), MAX_TOPICS)
    if problem is None:
        try:
            kept = read_topics(job.backup_folder)
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if problem is not None:
        done.problems.append(
            _("{chat}: its {file} cannot be read ({reason})").format(
                chat=job.name or job.peer_id, file="topics.jsonl", reason=problem
            )
        )
    topics = {topic.id: topic for topic in kept}
    placer = chat_placer(job)
    pictures = chat_pictures(job, placer)
    changes = load_changes(job.backup_folder)
    current = changes.apply if changes.versions or changes.deleted else None
    chat = job.name or "Chat"
    seen: dict[int, _Seen] = {}
    written: set[int] = set()
    # The topics are written `OPEN_AT_ONCE` at a time, in the order they first appear: the
    # first reading writes the first ones and keeps where the others' lines start, so each
    # later group reads only its own lines (a forum of a million topics is not read again
    # for every 64 of them: that took hours).
    group_of: dict[int, int] = {}  # topic -> its group
    later: dict[int, array[int]] = {}  # group (past the first) -> where its lines start
    group, offsets = 0, None
    while True:
        writers: dict[int, TopicPages] = {}
        try:
            for offset, record, message, path in _messages(job, placer.place, current, offsets):
                topic = topic_of(record) or GENERAL
                if offsets is None:  # the first reading: every line, every topic counted
                    counted = seen.setdefault(topic, _Seen())
                    counted.messages += 1
                    sent = unixtime(record.get("date_unixtime"))
                    if sent is not None and (counted.last is None or sent > counted.last):
                        counted.last = sent
                    mine = group_of.setdefault(topic, len(group_of) // OPEN_AT_ONCE)
                    if mine:
                        later.setdefault(mine, array("q")).append(offset)
                        continue
                elif group_of.get(topic) != group:  # the line changed since
                    continue
                writer = writers.get(topic)
                if writer is None:
                    known = topics.get(topic)
                    title = topic_title(topic, known.title if known is not None else "")
                    writer = writers[topic] = TopicPages(
                        job.export_folder, chat, job.relative, pictures, topic, title
                    )
                if topic != GENERAL and message.get("reply_to_message_id") == topic:
                    # In a topic, a message "replies" to the topic's first message: Telegram's
                    # way of saying which topic it is in, not a reply.
                    del message["reply_to_message_id"]
                writer.add(record, message, path)
        finally:
            for writer in writers.values():
                writer.finish()
        written.update(writers)
        group += 1
        if group not in later:
            break
        offsets = later.pop(group)
    # A topic with no message in this export still has its page (saying so).
    for topic_id, listed in topics.items():
        if topic_id not in written:
            title = topic_title(topic_id, listed.title)
            empty = TopicPages(job.export_folder, chat, job.relative, pictures, topic_id, title)
            empty.finish()
            written.add(topic_id)
    write_topic_index(job, kept, seen, pictures)
    return done


def _order(rows: list[tuple[int, Topic | None, _Seen]]) -> list[tuple[int, Topic | None, _Seen]]:
    """Pinned first, then the most recently active, as Telegram lists a forum's topics."""
    return sorted(
        rows,
        key=lambda row: (
            not (row[1] is not None and row[1].pinned),
            -(row[2].last or 0),
            row[0],
        ),
    )


def write_topic_index(
    job: ChatJob, kept: list[Topic], seen: dict[int, _Seen], pictures: Pictures
) -> None:
    """topics.html: each topic (every one the backup kept, and any its messages name) with
    its icon, title, marks, messages and last activity, linking to its pages."""
    rows: list[tuple[int, Topic | None, _Seen]] = [(t.id, t, seen.get(t.id, _Seen())) for t in kept]
    listed = {t.id for t in kept}
    rows += [(topic, None, tally) for topic, tally in seen.items() if topic not in listed]
    body = []
    for topic_id, topic, tally in _order(rows):
        title = topic_title(topic_id, topic.title if topic is not None else "")
        marks = []
        if topic is not None:
            for flag, word in (
                (topic.pinned, pgettext("topic", "pinned")),
                (topic.closed, pgettext("topic", "closed")),
                (topic.hidden, pgettext("topic", "hidden")),
                (topic.removed, pgettext("topic", "no longer on Telegram")),
            ):
                if flag:
                    marks.append(f'<span class="mark">{esc(word)}</span>')
        last = local_time(tally.last) if tally.last is not None else ""
        body.append(
            f'<tr id="topic{topic_id}"><td class="topic">{topic_icon(topic, title)}'
            f'<a href="{topic_page(topic_id)}">{esc(title)}</a> {" ".join(marks)}</td>'
            f'<td class="n">{esc(number(tally.messages))}</td>'
            f'<td class="when">{esc(last)}</td></tr>'
        )
    root = "../" * (job.relative.count("/") + 1)
    chat = job.name or "Chat"
    saved = None if pictures.chat is None else pictures.userpic(pictures.chat)
    picture = chat_picture(chat, saved)
    total = sum(tally.messages for tally in seen.values())
    summary = ", ".join(
        [
            counted("{count} topic", "{count} topics", len(rows)),
            counted("{count} message in this export", "{count} messages in this export", total),
        ]
    )
    topics, every = _("Topics"), esc(_("All messages"))
    heads = [esc(_("Topic")), esc(_("Messages")), esc(_("Last message"))]
    page = (
        page_head(f"{chat} — {topics}", root + CSS_PATH)
        + '<div class="page topics-page">\n<header>\n<div class="bar">'
        + f'<a class="back" href="{root}index.html">All chats</a>{picture}'
        + f'<h1>{esc(chat)} <span class="in-chat">{esc(topics)}</span></h1>'
        + f'<a class="topics" href="{page_name(1)}">{every}</a>'
        + f'<a class="stats" href="{STATS_PAGE}">Statistics</a></div>\n</header>\n<main>\n'
        + f'<p class="note">{esc(summary)}</p>\n'
        + '<table class="chats topics">\n'
        + f'<tr><th>{heads[0]}</th><th class="n">{heads[1]}</th><th>{heads[2]}</th></tr>\n'
        + "\n".join(body)
        + "\n</table>\n</main>\n</div>\n</body>\n</html>\n"
    )
    (job.export_folder / TOPICS_PAGE).write_text(page, encoding="utf-8")
