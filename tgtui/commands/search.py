"""`tgtui search`: find messages in a backup from the command line, offline; and, in a
backup that kept the account's data, the saved contacts the words name (by name, username
or phone digits), listed after the messages, each marked as a contact.

Exit codes: 0 something matched; 1 nothing matched; 2 error (no backup there, bad arguments).
What was not searched (a chat left out, a chat's file that cannot be read, damaged lines) is
said on stderr, whatever the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tgtui.archive.limits import MAX_LIMIT
from tgtui.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTLY,
    Stderr,
    add_chat_option,
    add_date_options,
    add_offline_arguments,
    as_rich_writes,
    plain_stream,
    stderr_console,
    stdout_console,
)
from tgtui.config import Paths
from tgtui.i18n import _, counted, ngettext, number, short_datetime
from tgtui.untrusted import clean, json_line

if TYPE_CHECKING:  # the index and the search load when a search runs, not for --help
    from rich.console import Console

    from tgtui.archive.account import ContactHit
    from tgtui.archive.folder import Archive
    from tgtui.archive.search import Hit


def epilog() -> str:
    """Help text shown after the options."""
    return _(
        """\
Words match in any case and with or without accents (coracao finds coração); every word
must appear; a trailing * matches the start of a word (back* finds backup).
Without --chat, --topic, --from, --since or --until, the account's saved contacts (backup
--account) are searched too, by name, username or phone digits, and listed after the
messages as contacts.

exit codes:
  0    something matched
  1    nothing matched
  2    error: no backup in the folder, bad arguments

The index lives in DIR/.index/ and is brought up to date from the backup on each search.
"""
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The search command's options."""
    parser.add_argument("words", nargs="+", metavar=_("WORD"), help=_("what to look for"))
    parser.add_argument(
        "--in",
        dest="folder",
        type=Path,
        metavar=_("DIR"),
        help=_("the backup (default: backup_dir; with --demo, the demo's backups)"),
    )
    add_chat_option(parser)
    parser.add_argument(
        "--topic",
        metavar=_("TOPIC"),
        help=_(
            "only this forum topic: its id or title (any case, with or without accents); "
            "General is topic 1"
        ),
    )
    parser.add_argument("--from", dest="sender", metavar=_("NAME"), help=_("only from this sender"))
    add_date_options(parser)
    parser.add_argument(
        "--limit",
        type=int,
        default=50,
        metavar="N",
        help=_("show the newest N (default 50, at most {count})").format(count=number(MAX_LIMIT)),
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=_(
            "one JSON object per line on stdout: the messages (type, chat_id, chat, "
            "message_id, date, from, text, file_name), then the contacts (type: contact, "
            "user_id, name, username, phone...)"
        ),
    )
    add_offline_arguments(parser)


def _iso(when: dt.datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%S") if when else None


def _utc(stamp: int | None) -> dt.datetime | None:
    return None if stamp is None else dt.datetime.fromtimestamp(stamp, dt.UTC)


def _as_json(hit: Hit) -> str:
    return json_line(
        {
            "type": "message",
            "chat_id": hit.chat_id,
            "chat": hit.chat,
            "message_id": hit.message_id,
            "date": _iso(hit.date),
            "from": hit.sender or None,
            "text": hit.text,
            "file_name": hit.file_name,
        }
    )


def _contact_json(hit: ContactHit) -> str:
    return json_line(
        {
            "type": "contact",
            "user_id": int(hit.key) if hit.key.isdigit() else None,
            "name": hit.name,
            "first_name": hit.first_name,
            "last_name": hit.last_name,
            "username": hit.username or None,
            "phone": hit.phone or None,
            "date_added": _iso(_utc(hit.added)),
            "removed": _iso(_utc(hit.removed)),
        }
    )


SHOWN_DAMAGED = 5  # damaged lines named one by one; the rest are counted


def _damaged_note(archive: Archive, count: int, first: list[tuple[int, int]]) -> str:
    """One line counting the backup's damaged lines (left out of the search) and naming the
    first few."""
    from tgtui.format.jsonl import line_number

    names = {chat.id: chat for chat in archive.chats}
    places = []
    for chat_id, offset in first[:SHOWN_DAMAGED]:
        chat = names.get(chat_id)
        if chat is None:
            continue
        line = line_number(chat.jsonl, offset)
        where = (
            _("line {number}").format(number=number(line))
            if line is not None
            else _("byte {offset}").format(offset=number(offset))
        )
        places.append(f"{clean(chat.name or chat.id, limit=40)} ({where})")
    text = counted(
        "note: {count} damaged line of the backup is not searched",
        "note: {count} damaged lines of the backup are not searched",
        count,
    )
    if places:
        text += ": " + ", ".join(places)
        if count > len(places):
            text += ", …"
    return text


class _Output:
    """Where a search writes: results on stdout, notes and the count on stderr, as the
    command's Rich consoles (`tgtui.commands.common`) write them, line for line.

    Rich is loaded only for what it would write differently from the plain text: styles
    on a terminal, emoji codes in a string. Everything else (the notes, the count,
    `--json`, results read by a script) is written as it is, without loading Rich.
    """

    def __init__(self) -> None:
        self._err: Stderr | None = None
        self._out: Console | None = None

    def say(self, line: str) -> None:
        """A line on stderr (a note, the count), as `rich_stderr().print` writes it."""
        if self._err is None:
            self._err = stderr_console()
        self._err.print(line)

    def hits(self, hits: list[Hit]) -> None:
        """The results as text: a heading (date, chat, sender) and the snippet, each hit."""
        if plain_stream(sys.stdout):
            from tgtui.archive.search import snippet_plain

            lines = []  # as `_rich_hits` shows them, unstyled
            for hit in hits:
                when = short_datetime(hit.date) if hit.date else "?"
                head = f"{when}  {clean(hit.chat, limit=60)}"
                if hit.sender:
                    head += f" · {clean(hit.sender, limit=60)}"
                lines.append(f"{head}\n    {snippet_plain(hit.snippet)}\n")
            if all(as_rich_writes(line, text=True) for line in lines):
                self.write(lines)
                return
        self._rich_hits(hits)

    def contacts(self, hits: list[ContactHit]) -> None:
        """The contacts found, after the messages: "contact", the name, the rest."""
        from tgtui.archive.account import contact_line

        mark = _("contact")
        if plain_stream(sys.stdout):
            lines = []
            for hit in hits:
                name, rest = contact_line(hit)
                lines.append(f"{mark}  {name}" + (f"  {rest}" if rest else "") + "\n")
            if all(as_rich_writes(line, text=True) for line in lines):
                self.write(lines)
                return
        from rich.text import Text

        out = self._out = self._out or stdout_console()
        for hit in hits:
            name, rest = contact_line(hit)
            line = Text(f"{mark}  ", style="magenta")
            line.append(name, style="bold")
            if rest:
                line.append(f"  {rest}")
            out.print(line)

    def write(self, lines: Iterable[str]) -> None:
        """Lines on stdout as they are, flushed as Rich flushes what it prints."""
        try:
            sys.stdout.writelines(lines)
            sys.stdout.flush()
        except BrokenPipeError:
            _broken_pipe()

    def _rich_hits(self, hits: list[Hit]) -> None:
        from rich.text import Text

        from tgtui.archive.search import snippet_text

        out = self._out = self._out or stdout_console()
        for hit in hits:
            when = short_datetime(hit.date) if hit.date else "?"
            head = Text(f"{when}  ", style="dim")
            head.append(clean(hit.chat, limit=60), style="bold")
            if hit.sender:
                head.append(f" · {clean(hit.sender, limit=60)}")
            out.print(head)
            out.print(Text("    ") + snippet_text(hit.snippet))


def _broken_pipe() -> NoReturn:
    """What Rich's console does when the reader of its output went away (`| head`): the
    rest goes nowhere, exit code 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(1)


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui search`; returns the exit code."""
    from tgtui.archive.arguments import chosen_backup
    from tgtui.archive.folder import ArchiveError
    from tgtui.archive.index import SearchIndex
    from tgtui.archive.search import Filters, QueryError, query_words, search_or_rebuild

    output = _Output()
    paths = paths or Paths.default()
    if not 1 <= args.limit <= MAX_LIMIT:
        output.say(
            "tgtui search: "
            + _("--limit must be from 1 to {count}").format(count=number(MAX_LIMIT))
        )
        return EXIT_ERROR
    try:
        query_words(" ".join(args.words))
    except QueryError as exc:
        output.say(f"tgtui search: {clean(exc)}")
        return EXIT_ERROR
    demo = getattr(args, "demo", False)
    try:
        archive, named = chosen_backup(
            args.folder, args.chat, paths, demo=demo, settings=getattr(args, "settings", None)
        )
    except ArchiveError as exc:
        output.say(f"tgtui search: {clean(exc)}")
        return EXIT_ERROR
    for note in archive.left_out:
        output.say(clean(_("note: {problem}").format(problem=note)))
    chats = None if named is None else frozenset(c.id for c in named)
    topics = None
    if args.topic is not None:
        from tgtui.archive.topics import choose_topic

        topic_notes: list[str] = []
        try:
            chosen = choose_topic(args.topic, named or archive.chats, topic_notes, "--chat")
        except ArchiveError as exc:
            output.say(f"tgtui search: {clean(exc)}")
            return EXIT_ERROR
        finally:
            for note in topic_notes:
                output.say(clean(_("note: {problem}").format(problem=note)))
        chats = frozenset({chosen.chat.id})
        topics = frozenset({(chosen.chat.id, chosen.topic.id)})
    filters = Filters(
        chats=chats, topics=topics, sender=args.sender, since=args.since, until=args.until
    )
    contacts = None
    if filters == Filters():  # the messages not narrowed: the contacts are searched too
        from tgtui.archive.account import find_contacts

        contacts = find_contacts(archive.folder, query_words(" ".join(args.words)), args.limit)
    try:
        with SearchIndex(archive) as index:
            index.update()
            words = " ".join(args.words)
            results = search_or_rebuild(index, archive, words, filters, args.limit)
            notes = [*index.notes, *index.unread_notes(chats)]
            damaged, first_damaged = index.damaged_lines(chats)
    except OSError as exc:
        output.say(
            "tgtui search: "
            + _("cannot use the index in {folder}: {reason}").format(
                folder=clean(archive.folder), reason=exc.strerror or exc
            )
        )
        return EXIT_ERROR
    if contacts is not None:
        notes += contacts.notes
    for note in notes:
        output.say(clean(_("note: {problem}").format(problem=note)))
    if damaged:
        output.say(_damaged_note(archive, damaged, first_damaged))
    found = contacts.hits if contacts is not None else []
    if args.json:
        for hit in results.hits:
            sys.stdout.write(_as_json(hit) + "\n")
        for contact in found:
            sys.stdout.write(_contact_json(contact) + "\n")
    else:
        output.hits(results.hits)
        if found:
            output.contacts(found)
    shown = len(results.hits)
    match = ngettext("{count} message matches", "{count} messages match", results.count)
    text = match.format(count=number(results.count))
    if results.count > shown:
        text += " " + _("(the newest {count} shown)").format(count=number(shown))
    output.say(text)
    if contacts is not None and contacts.count:
        said = ngettext("{count} contact matches", "{count} contacts match", contacts.count)
        text = said.format(count=number(contacts.count))
        if contacts.count > len(found):
            text += " " + _("(the first {count} shown)").format(count=number(len(found)))
        output.say(text)
    matched = results.count or (contacts is not None and contacts.count)
    return EXIT_OK if matched else EXIT_PARTLY
