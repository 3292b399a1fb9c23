"""`python -m tgtui.export.child SRC OUT FORMAT [--copy] [CHAT_ID ...]`: an export in a process of
its own (the TUI starts it), telling how it goes as JSON lines on stdout.

A child of `tgtui.children` (its streams are its own, and it may start worker processes).
Lines: `{"progress": [lines read, lines in all]}` now and then, then `{"summary": {...}}`, or
`{"error": "why"}` with exit code 1. SIGINT stops it and leaves nothing behind (exit 130,
`tgtui.children.INTERRUPTED`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tgtui.archive.folder import ArchiveError, open_archive
from tgtui.children import INTERRUPTED, say
from tgtui.export.run import ExportError, export_backup


def main(argv: list[str] | None = None) -> int:
    """Run the export; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tgtui.export.child")
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("format", choices=("tde", "html", "both"))
    parser.add_argument("--copy", action="store_true", help="copy the media, never hard-link")
    parser.add_argument("chats", type=int, nargs="*", help="peer ids (default: all)")
    args = parser.parse_args(argv)
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 0.1:
            last = now
            say({"progress": [done, total]})

    try:
        archive = open_archive(args.source)
        chats = [c for c in archive.chats if not args.chats or c.id in args.chats]
        summary = export_backup(
            archive, args.out, args.format, chats, progress=progress, copy=args.copy
        )
    except (ArchiveError, ExportError) as exc:
        say({"error": str(exc)})
        return 1
    except KeyboardInterrupt:
        return INTERRUPTED
    say(
        {
            "summary": {
                "folder": str(summary.folder),
                "chats": summary.chats,
                "messages": summary.messages,
                "files_linked": summary.files_linked,
                "files_copied": summary.files_copied,
                "files_missing": summary.files_missing,
                "unreadable": summary.unreadable,
            }
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
