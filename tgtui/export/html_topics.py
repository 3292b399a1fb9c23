"""A forum's topics in the HTML export: a topic index (``topics.html``, beside the chat's
pages and linked from their header) and each topic's own pages (``topic57.html``,
``topic57-2.html``, ... of `PAGE_SIZE` messages), holding only that topic's messages, made
by the chat pages' writer (`HtmlChat`) with its own names and header.

They are written in a pass of their own over the chat's messages.jsonl (a work of the export's
workers, beside the chat's pages, which may be cut between workers): the file is streamed as
the chat's pages stream it, each message given to its topic's writer (`tgtui.format.topics`
says which), so memory stays flat whatever the chat's size. A forum of very many topics is
read again for every `OPEN_AT_ONCE` topics, so that no more pages than that are open at once.

A topic's title, like everything else from the backup, is escaped before it reaches a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tgtui.archive.chat_log import STATE, failed_files
from tgtui.archive.folder import JSONL
from tgtui.export import tde
from tgtui.export.chat_export import (
    ChatJob,
    Part,
    PartDone,
    in_range,
    line_blocks,
    loads,
)
from tgtui.export.files import FilePlacer, SavedPictures
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
from tgtui.format.safe_files import open_lines
from tgtui.format.topics import GENERAL, Topic, read_topics, topic_of
from tgtui.format.userpics import chat_peer
from tgtui.format.versions import load_changes
from tgtui.i18n import _, counted, number, pgettext
from tgtui.untrusted import html_text as esc

Record = dict[str, Any]

# The most topics whose pages are written in one reading of the chat's lines (each holds
# a page open).
OPEN_AT_ONCE = 64


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
    job: ChatJob, place: Callable[[Record], str | None], current: Any
) -> Iterator[tuple[Record, Record, str | None]]:
    """The chat's messages as its pages show them (the dates asked for, each message's latest
    version, its file placed): (backup line, Telegram Desktop object, file path). Lines that
    are not messages are passed over (the chat's pages count and name them)."""
    try:
        handle = open_lines(job.backup_folder / JSONL, 1 << 20)
    except OSError:  # none saved yet, or refused: the chat's pages say why
        return
    filtered = job.since is not None or job.until is not None
    with handle:
        for _first, block in line_blocks(handle, 0, None):
            for raw in block:
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
                    yield record, message, path


def export_topics(part: Part) -> PartDone:
    """A forum's topic pages and topic index (``part.topics``): the chat's lines read once
    (once more for every `OPEN_AT_ONCE` topics past the first), every message written to
    its topic's pages. Its messages and files are the chat's, counted by its pages' parts."""
    job = part.job
    done = PartDone(job.index, part.number, True)
    job.export_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        kept = read_topics(job.backup_folder)
    except OSError as exc:
        done.problems.append(
            _("{chat}: its {file} cannot be read ({reason})").format(
                chat=job.name or job.peer_id, file="topics.jsonl", reason=exc.strerror or exc
            )
        )
        kept = []
    topics = {topic.id: topic for topic in kept}
    placer = FilePlacer(
        job.backup_folder,
        job.export_folder,
        failed_files(job.backup_folder / STATE),
        copy=job.copy_files,
        name=job.name or str(job.peer_id),
    )
    export_root = job.export_folder.parents[job.relative.count("/")]
    pictures = SavedPictures(
        placer, job.backup_root, export_root, job.relative, chat_peer(job.peer_id)
    )
    changes = load_changes(job.backup_folder)
    current = changes.apply if changes.versions or changes.deleted else None
    chat = job.name or "Chat"
    seen: dict[int, _Seen] = {}
    written: set[int] = set()
    first = True
    while True:
        writers: dict[int, TopicPages] = {}
        later = False
        try:
            for record, message, path in _messages(job, placer.place, current):
                topic = topic_of(record) or GENERAL
                if first:
                    counted = seen.setdefault(topic, _Seen())
                    counted.messages += 1
                    sent = unixtime(record.get("date_unixtime"))
                    if sent is not None and (counted.last is None or sent > counted.last):
                        counted.last = sent
                writer = writers.get(topic)
                if writer is None:
                    if topic in written:
                        continue
                    if len(writers) >= OPEN_AT_ONCE:
                        later = True
                        continue
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
        first = False
        if not later:
            break
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
