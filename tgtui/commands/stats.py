"""`tgtui stats`: statistics of a backup, offline: messages and words by month, activity by
hour and weekday, senders, media, links, words and emoji, silences and conversations.

Exit codes: 0 done; 1 done, but something was not read (a damaged line, a chat's file,
a chat left out); 2 error (no backup there, bad arguments). What was not read is said on
stderr. The figures are in STATS.md; `--json` writes them as one JSON object.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tgtui.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTLY,
    add_date_options,
    add_offline_arguments,
)
from tgtui.config import Paths
from tgtui.i18n import _, counted


def epilog() -> str:
    """Help text shown after the options."""
    return _(
        """\
Counts are of the chats as they are now: an edited message counts in its latest version,
a deleted one only as deleted. Hours and days are in your time zone.

exit codes:
  0    done
  1    done, but some lines or files of the backup could not be read (said on stderr)
  2    error: no backup in the folder, bad arguments

The figures are kept in DIR/.index/stats.sqlite and brought up to date on each run.
"""
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The stats command's options."""
    parser.add_argument(
        "chats",
        nargs="*",
        metavar=_("CHAT"),
        help=_(
            "only these chats: a peer id, a name or part of it (any case, with or without "
            "accents); default: every chat"
        ),
    )
    parser.add_argument(
        "--in",
        dest="folder",
        type=Path,
        metavar=_("DIR"),
        help=_("the backup (default: backup_dir; with --demo, the demo's backups)"),
    )
    add_date_options(parser)
    parser.add_argument(
        "--topic",
        metavar=_("TOPIC"),
        help=_(
            "only this forum topic: its id or title (any case, with or without accents); "
            "General is topic 1"
        ),
    )
    parser.add_argument(
        "--json", action="store_true", help=_("the figures as one JSON object on stdout")
    )
    add_offline_arguments(parser)


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui stats`; returns the exit code."""
    from tgtui.archive.arguments import chosen_backup
    from tgtui.archive.folder import ArchiveError
    from tgtui.archive.index import unread_note
    from tgtui.stats.figures import as_json
    from tgtui.stats.query import figures
    from tgtui.stats.update import StatsStore, default_workers
    from tgtui.untrusted import clean, json_line

    paths = paths or Paths.default()
    if args.since and args.until and args.since >= args.until:
        _say("tgtui stats: " + _("--since must be before --until"))
        return EXIT_ERROR
    try:
        archive, named = chosen_backup(
            args.folder,
            args.chats or None,
            paths,
            demo=getattr(args, "demo", False),
            settings=getattr(args, "settings", None),
        )
    except ArchiveError as exc:
        _say(f"tgtui stats: {clean(exc)}")
        return EXIT_ERROR
    chats = list(archive.chats) if named is None else named
    topics = None
    topic_notes: list[str] = []
    if args.topic is not None:
        from tgtui.archive.topics import choose_topic

        try:
            chosen = choose_topic(args.topic, chats, topic_notes, _("CHAT"))
        except ArchiveError as exc:
            for note in topic_notes:
                _say(clean(_("note: {problem}").format(problem=note)))
            _say(f"tgtui stats: {clean(exc)}")
            return EXIT_ERROR
        chats = [chosen.chat]
        topics = {chosen.chat.id: frozenset({chosen.topic.id})}
    try:
        with StatsStore(archive) as store:
            workers = default_workers()
            store.update(workers)
            result = figures(store, chats, args.since, args.until, topics, workers)
            by_id = {chat.id: chat for chat in archive.chats}
            wanted = {chat.id for chat in chats}
            unread = [
                unread_note(by_id[cid], file, reason)
                for cid, file, reason in store.unread
                if cid in wanted
            ]
            notes = [*archive.left_out, *topic_notes, *store.notes, *unread, *result.notes]
    except OSError as exc:
        _say(
            "tgtui stats: "
            + _("cannot use {file}: {reason}").format(
                file=clean(archive.folder / ".index"), reason=exc.strerror or exc
            )
        )
        return EXIT_ERROR
    result.notes = notes
    for note in notes:
        _say(clean(_("note: {problem}").format(problem=note)))
    if result.damaged:
        _say(
            counted(
                "note: {count} damaged line of the backup is not counted",
                "note: {count} damaged lines of the backup are not counted",
                result.damaged,
            )
        )
    try:
        if args.json:
            sys.stdout.write(json_line(as_json(result)) + "\n")
        else:
            from tgtui.commands.stats_text import report

            sys.stdout.write(report(result, terminal=sys.stdout.isatty()))
        sys.stdout.flush()
    except BrokenPipeError:
        return EXIT_PARTLY
    skipped = bool(notes) or bool(result.damaged)
    return EXIT_PARTLY if skipped else EXIT_OK
