"""`python -m tgtui.archive.build_index FOLDER`: bring a backup's search index up to date, in a
process of its own (the TUI starts it), and say what was done as one JSON line.

A child of `tgtui.children` (its streams are its own; see there why). Output: `{"chats": N,
"messages": N, "rebuilt": bool, "damaged": N, "notes": [...], "unread": [...]}` (damaged
lines not indexed; what was wrong with the index itself; the chats' files not read, and
why), or `{"error": "why"}` with exit code 1. The TUI stops it with SIGTERM: SQLite rolls
the unfinished build back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tgtui.archive import index as index_module
from tgtui.archive.folder import ArchiveError, open_archive
from tgtui.archive.index import SearchIndex
from tgtui.children import say
from tgtui.lazylog import logger
from tgtui.log import redactor


def main(argv: list[str] | None = None) -> int:
    """Build or update the index; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tgtui.archive.build_index")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--log", type=Path, help="append to this log file")
    parser.add_argument("--parallel-bytes", type=int, default=index_module.PARALLEL_BYTES)
    args = parser.parse_args(argv)
    index_module.PARALLEL_BYTES = args.parallel_bytes
    logger.remove()
    if args.log is not None:
        logger.configure(patcher=redactor.patch)
        logger.add(args.log, level="INFO", encoding="utf-8", diagnose=False, backtrace=False)
    try:
        with SearchIndex(open_archive(args.folder)) as index:
            stats = index.update()
    except (ArchiveError, OSError) as exc:
        logger.opt(exception=exc).error("building the search index of {} failed", args.folder)
        say({"error": str(exc)})
        return 1
    say(
        {
            "chats": stats.chats,
            "messages": stats.messages,
            "rebuilt": stats.rebuilt,
            "damaged": stats.damaged,
            "notes": stats.notes,
            "unread": stats.unread,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
