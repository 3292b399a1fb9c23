"""The listing of `tgtui chats` once it is connected: the chats, filtered, as a table or
JSON, with their message counts if asked (`tgtui.commands.chats` parses the options)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from tgtui.chats.listing import Count, candidate, dialogs, message_counts
from tgtui.chats.matching import ChoiceError, fold
from tgtui.chats.options import chat_filter
from tgtui.commands.common import EXIT_ERROR, EXIT_OK, Stderr
from tgtui.i18n import NC_, _, counted, number, pgettext
from tgtui.retry import FloodGate, Wait
from tgtui.status_line import StatusLine
from tgtui.telegram.dialogs import DialogRow
from tgtui.telegram.service import TelegramService
from tgtui.untrusted import clean, json_line


def _type(row: DialogRow) -> str:
    """user, bot, group or channel (as --json writes it and --type names it, plural)."""
    return candidate(row).type.removesuffix("s")


# The type as the table shows it, in the user's language and in the chat list's words (the
# same "chat type" entries of the catalog); --json keeps the English word. A forum (a group
# with topics) is marked "forum" in the table; --json says group, and "forum": true.
TYPE_WORDS = {
    "user": NC_("chat type", "user"),
    "bot": NC_("chat type", "bot"),
    "group": NC_("chat type", "group"),
    "forum": NC_("chat type", "forum"),
    "channel": NC_("chat type", "channel"),
}


def _type_word(row: DialogRow) -> str:
    kind = "forum" if row.forum else _type(row)
    return pgettext("chat type", TYPE_WORDS[kind]) if kind in TYPE_WORDS else kind


def _contains(row: DialogRow, words: Sequence[str]) -> bool:
    haystack = fold(f"{row.name} @{row.username or ''}")
    return all(fold(word) in haystack for word in words)


def _json_rows(rows: Sequence[DialogRow], counts: dict[int, Count] | None) -> list[object]:
    items: list[object] = []
    for row in rows:
        item: dict[str, object] = {
            "id": row.peer_id,
            "type": _type(row),
            "name": row.name,
            "username": row.username,
            "archived": row.archived,
            "forum": row.forum,
        }
        if counts is not None:
            count = counts.get(row.peer_id)
            item["messages"] = count.messages if count else None
            if count is not None and count.problem:
                item["problem"] = count.problem
        items.append(item)
    return items


def _table(rows: Sequence[DialogRow], counts: dict[int, Count] | None) -> list[str]:
    ident, kind, folder = _("ID"), _("TYPE"), _("FOLDER")
    archive, main = _("archive"), _("main")
    folder_width = max(8, len(folder), len(archive), len(main))
    kind_width = max(8, len(kind), *(len(pgettext("chat type", w)) for w in TYPE_WORDS.values()))
    id_width = max([len(ident), *(len(str(r.peer_id)) for r in rows)])
    header = f"{ident:>{id_width}}  {kind:<{kind_width}}  {folder:<{folder_width}}"
    if counts is not None:
        messages = _("MESSAGES")
        header += f"  {messages:>9}"
    lines = [header + "  " + _("NAME")]
    for row in rows:
        line = f"{row.peer_id:>{id_width}}  {_type_word(row):<{kind_width}}  "
        line += f"{archive if row.archived else main:<{folder_width}}"
        if counts is not None:
            count = counts.get(row.peer_id)
            shown = number(count.messages) if count and count.messages is not None else "-"
            line += f"  {shown:>9}"
        line += f"  {clean(row.name, limit=80)}"
        if row.username:
            line += f"  @{clean(row.username, limit=40)}"
        lines.append(line)
    return lines


async def list_chats(
    service: TelegramService,
    args: argparse.Namespace,
    err: Stderr,
    on_wait: Callable[[Wait], None],
) -> int:
    status = StatusLine()
    rows = await dialogs(
        service.client,
        archived=args.archived,
        on_wait=on_wait,
        on_page=lambda loaded, total: status.show(
            _("Loading chats: {loaded} of {total}").format(
                loaded=number(loaded), total=number(total)
            )
        ),
    )
    status.end()
    missing: list[str] = []
    try:
        rows = chat_filter(args).apply(rows, candidate, missing)
    except ChoiceError as exc:
        err.print(f"tgtui chats: {exc}")
        return EXIT_ERROR
    for text in missing:
        err.print(
            _("note: --exclude {text} matches no chat").format(text=repr(clean(text, limit=80)))
        )
    if args.words:
        rows = [row for row in rows if _contains(row, args.words)]
    counts: dict[int, Count] | None = None
    if args.counts:
        total = len(rows)
        counts = await message_counts(
            service.client,
            rows,
            gate=FloodGate(),
            on_wait=on_wait,
            on_count=lambda done: status.show(
                _("Counting messages: {done} of {total} chats").format(
                    done=number(done), total=number(total)
                )
            ),
        )
        status.end()
    if args.json:
        sys.stdout.write(json_line(_json_rows(rows, counts)) + "\n")
    else:
        sys.stdout.write("".join(line + "\n" for line in _table(rows, counts)))
    sys.stdout.flush()
    if not args.json:
        err.print(counted("{count} chat", "{count} chats", len(rows)))
    return EXIT_OK
