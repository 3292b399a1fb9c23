"""`tgtui export`: a backup as Telegram Desktop's JSON export and/or a browsable HTML
archive, offline.

Exit codes: 0 the export is written; 1 it is written, but part of the backup could not be
read (damaged lines, an unreadable file: each is listed); 2 it could not be written (no
backup there, bad arguments, the destination exists, the disk is full...), and nothing
half-written is left behind; 130 stopped with Ctrl+C, nothing left behind either.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tgtui.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTLY,
    EXIT_STOPPED,
    add_chat_option,
    add_date_options,
    add_offline_arguments,
    stderr_console,
)
from tgtui.config import Paths, Settings
from tgtui.i18n import _, counted, ngettext, number
from tgtui.status_line import StatusLine
from tgtui.untrusted import clean

if TYPE_CHECKING:  # the exporter loads when an export runs, not for --help
    from tgtui.export.run import ExportSummary


def epilog() -> str:
    """Help text shown after the options."""
    return _(
        """\
formats:
  tde    Telegram Desktop's JSON export: OUT/result.json (every chat, the whole-account
         shape) and OUT/chats/chat_N/result.json (one chat, the single-chat shape), with
         each chat's files beside it in Telegram Desktop's folders (photos/, files/, ...)
  html   OUT/index.html and OUT/chats/chat_N/messages.html, messages2.html, ...: readable
         in any browser, offline, without JavaScript
  both   the two in one folder, sharing the files (the default)

The export is private like the backup: files 0600, folders 0700. Its media files are
hard links to the backup's (no second copy on disk): the very same files, with the
backup's modes, so changing one changes the other (deleting one does not). --copy makes
real copies instead (as where the disk cannot link). A file the backup does not have is
marked as Telegram Desktop marks it.

exit codes:
  0    the export is written
  1    it is written, but part of the backup could not be read (listed on stderr)
  2    it could not be: no backup there, bad arguments, OUT exists, disk full...
  130  stopped (Ctrl+C)
An export is written into a hidden folder beside OUT and renamed into place only when
whole: a stopped or failed export leaves nothing behind (one that was killed leaves its
hidden .OUT.partial-PID folder, which the next export there removes).
"""
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The export command's options."""
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        metavar=_("SRC"),
        help=_("the backup folder (default: backup_dir; with --demo, the demo's backups)"),
    )
    parser.add_argument(
        "--format",
        choices=("tde", "html", "both"),
        default="both",
        help=_("tde, html or both (default: both)"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar=_("DIR"),
        help=_("a new folder for the export (default: beside SRC, SRC-export-YYYY-MM-DD)"),
    )
    add_chat_option(parser)
    parser.add_argument(
        "--copy",
        action="store_true",
        help=_(
            "copy the media files (default: hard links to the backup's own files, which "
            "take no space but are the same files, with the same permissions)"
        ),
    )
    add_date_options(parser)
    add_offline_arguments(parser)


class _Progress:
    """Export progress as a status line on stderr."""

    def __init__(self) -> None:
        self.line = StatusLine()

    def __call__(self, done: int, total: int) -> None:
        share = f"{min(done / total, 1):.0%} " if total else ""
        shown = number(min(done, total) if total else done)
        of = ngettext("{done} of {total} message", "{done} of {total} messages", total)
        self.line.show(share + of.format(done=shown, total=number(total)))

    def end(self) -> None:
        self.line.end()


def describe(summary: ExportSummary, fmt: str) -> list[str]:
    """What an export wrote, in a few lines."""
    folder = summary.folder
    opening = (
        _("open {file}").format(file=f"{folder}/result.json")
        if fmt == "tde"
        else _("open {file} in a browser").format(file=f"{folder}/index.html")
    )
    lines = [
        _("Exported {chats}, {messages} to {folder}").format(
            chats=counted("{count} chat", "{count} chats", summary.chats),
            messages=counted("{count} message", "{count} messages", summary.messages),
            folder=folder,
        ),
        f"  {opening}",
    ]
    files = summary.files_linked + summary.files_copied
    if files or summary.files_missing:
        text = _("files: {linked} linked, {copied} copied").format(
            linked=number(summary.files_linked), copied=number(summary.files_copied)
        )
        if summary.files_missing:
            missing = _("{count} not in the backup").format(count=number(summary.files_missing))
            text += f", {missing}"
        lines.append(f"  {text}")
    if summary.unreadable:
        damaged = ngettext(
            "{count} damaged line of the backup left out (unreadable)",
            "{count} damaged lines of the backup left out (unreadable)",
            summary.unreadable,
        )
        lines.append("  " + damaged.format(count=number(summary.unreadable)))
    lines.extend(
        "  " + _("not exported: {problem}").format(problem=problem)
        for problem in summary.problems[:20]
    )
    if len(summary.problems) > 20:
        more = number(len(summary.problems) - 20)
        lines.append("  " + _("... and {count} more").format(count=more))
    return lines


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui export`; returns the exit code."""
    from tgtui.archive.arguments import chosen_backup
    from tgtui.archive.folder import ArchiveError
    from tgtui.export.run import ExportError, default_destination, export_backup

    err = stderr_console()
    paths = paths or Paths.default()
    demo = getattr(args, "demo", False)
    source = args.source
    settings = getattr(args, "settings", None)  # read and checked once, by `tgtui.cli`
    if source is None and isinstance(settings, Settings):
        source = paths.demo_backup_dir if demo else settings.backup_dir
    try:
        archive, named = chosen_backup(source, args.chat, paths, demo=demo)
    except ArchiveError as exc:
        err.print(f"tgtui export: {clean(exc)}")
        return EXIT_ERROR
    chats = list(archive.chats) if named is None else named
    for note in archive.left_out:  # chats of the manifest that cannot be read: said, not lost
        err.print(clean(_("note: {problem}").format(problem=note)))
    if args.since and args.until and args.since >= args.until:
        err.print("tgtui export: " + _("--since must be before --until"))
        return EXIT_ERROR
    out = args.out.expanduser() if args.out else default_destination(archive.folder)
    if out.exists():
        err.print(
            "tgtui export: "
            + _("{folder} already exists: choose a new folder").format(folder=clean(out))
        )
        return EXIT_ERROR
    progress = _Progress()
    err.print(
        _("Exporting {chats} to {folder} ...").format(
            chats=counted("{count} chat", "{count} chats", len(chats)), folder=clean(out)
        )
    )
    try:
        summary = export_backup(
            archive,
            out,
            args.format,
            chats,
            since=int(args.since.timestamp()) if args.since else None,
            until=int(args.until.timestamp()) if args.until else None,
            progress=progress,
            copy=args.copy,
        )
    except ExportError as exc:
        progress.end()
        err.print(f"tgtui export: {clean(exc)}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        progress.end()
        err.print("tgtui export: " + _("stopped; nothing was written"))
        return EXIT_STOPPED
    progress.end()
    for line in describe(summary, args.format):
        err.print(clean(line))
    partly = summary.unreadable or summary.problems or archive.left_out
    return EXIT_PARTLY if partly else EXIT_OK
