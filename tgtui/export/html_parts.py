"""A big chat's HTML pages written by several processes at once, each page as one process
writing the whole chat writes it.

A page holds `PAGE_SIZE` messages and is numbered, its neighbours are linked by number, and a
reply links to the page of the message it answers: a part of a chat needs to know how many
messages come before it, and their ids. So a chat is cut where a page starts, after a first
look at its lines (`cut`, in a worker: one regular expression over the bytes, in C, a few
percent of what exporting them costs) that takes every line for a message and reads its id
where tgtui writes it, first; the ids go to a file each part reads those before it from. Each
part then checks that it was so for its lines (`HtmlChat.done`): each was a message with that
id, ascending. A day's title starts every page, so nothing else crosses a cut but the senders'
colours.

What a first look cannot know is settled afterwards (`again`): where a part's lines were not
what it saw (a damaged line in the middle of the file, ids out of order), the chat's pages are
written again by one process; a sender gets a colour of its own only among the first
`COLOURED` of the chat, so a part that met senders past those (a chat of more than 10,000
senders) writes its pages again, told which they are.
"""

from __future__ import annotations

import os
import re
from array import array
from dataclasses import dataclass, replace
from pathlib import Path

from tgtui.export import html_pages
from tgtui.export.chat_export import Part
from tgtui.export.html_pages import Continued, PagesDone, page_name
from tgtui.format.records import MAX_ID
from tgtui.format.safe_files import MAX_LINE, open_lines

# Each line: its id, which a line as tgtui writes it starts with (a stranger's JSON too, spaces
# and all), or nothing (b"") for a line that does not.
_ID = re.compile(rb'\n(?:[ \t]*\{[ \t]*"id"[ \t]*:[ \t]*([0-9]{1,19})[ \t]*[,}])?')
# The first look reads this much at a time.
CHUNK = 1 << 20


def cut(path: Path, count: int, ids: Path) -> list[tuple[int, int]] | None:
    """``path`` (a chat's messages.jsonl) cut into about ``count`` parts of whole pages (runs
    of `PAGE_SIZE` lines): where each part after the first starts (byte offset, line number),
    read up to the last; None when it is not worth it or the lines are not as tgtui writes
    them (a line without its id first, ids out of order, a line longer than `MAX_LINE`). The
    ids of the lines before the last cut are written to ``ids`` (`Continued.ids`). Opened the
    one safe way (OSError if it is a link, a FIFO...)."""
    page = html_pages.PAGE_SIZE
    with open_lines(path, 0) as handle, open(ids, "wb") as out:
        size = os.fstat(handle.fileno()).st_size
        targets = [size * k // count for k in range(count - 1, 0, -1)]  # popped from the end
        wanted: list[int] = []  # line numbers to cut at, ascending (the first look is there)
        starts: list[tuple[int, int]] = []
        offset = line = last = 0  # where the buffer's first line starts, its number, last id
        carry = b""  # the start of that line, read but not yet whole
        while targets or wanted:
            data = handle.read(CHUNK)
            if not data:
                break
            buffer = b"\n" + carry + data  # a line starts after each newline
            end = buffer.rfind(b"\n")  # the last whole line's newline
            carry = buffer[end + 1 :]
            if end == 0:
                if len(carry) >= MAX_LINE:
                    return None
                continue
            try:
                found = list(map(int, _ID.findall(buffer, 0, end)))  # one a line
            except ValueError:  # a line without its id first
                return None
            lines = len(found)
            if found != sorted(found):
                return None
            if not max(last, 1) <= found[0] or found[-1] > MAX_ID:
                return None
            array("q", found).tofile(out)
            last = found[-1]
            while targets and targets[-1] < offset + end:
                # The first line from there on, or the first line of the next page.
                first = line + buffer.count(b"\n", 0, max(targets.pop() - offset, 0))
                at = -(-first // page) * page
                if at > (wanted[-1] if wanted else starts[-1][1] if starts else 0):
                    wanted.append(at)
            number, at = line, 0  # a line of the buffer, and the newline before it
            while wanted and wanted[0] < line + lines:
                while number < wanted[0]:
                    number, at = number + 1, buffer.index(b"\n", at + 1)
                starts.append((offset + at, wanted.pop(0)))
            offset, line = offset + end, line + lines
        if starts:
            out.truncate(starts[-1][1] * array("q").itemsize)
    return starts or None


def parts(whole: Part, starts: list[tuple[int, int]], ids: Path) -> list[Part]:
    """The parts of a chat cut at ``starts`` (``whole``: the chat as one part; ``ids``: the
    ids `cut` wrote), each told where its pages continue, in order."""
    bounds = [(0, 0), *starts]
    folder = whole.single.parent
    made = []
    for number, (start, line) in enumerate(bounds):
        end, stop = bounds[number + 1] if number + 1 < len(bounds) else (None, None)
        own = None if stop is None else stop - line
        where = Continued(line // html_pages.PAGE_SIZE + 1, ids, line, own)
        name = f"{whole.job.index}-{number}"
        made.append(
            Part(
                whole.job,
                number,
                start,
                end,
                folder / f"{name}.single",
                folder / f"{name}.account",
                end is None,
                (whole.size if end is None else end) - start,
                where,
            )
        )
    return made


@dataclass(frozen=True)
class Verdict:
    """What a chat exported in parts still needs: its pages written again by one process
    (``whole``), or some parts' pages written again, told where they continue."""

    whole: bool
    again: dict[int, Continued]  # part number -> where its pages continue, now with colours


def verdict(parts: list[tuple[Continued, PagesDone | None]]) -> Verdict:
    """Whether the parts of a chat (in order: where each continued, what each wrote) wrote
    what one process writes, and what must be written again if not."""
    if any(done is None or not done.exact for _where, done in parts):
        return Verdict(True, {})
    # The chat's first COLOURED senders, in the order they first came: each part told the
    # senders it met in its order, 2 x COLOURED at most (enough: the ones past those are
    # never among the chat's first COLOURED).
    most = html_pages.COLOURED
    chosen: dict[str, None] = {}
    for _where, done in parts:
        assert done is not None
        for key in done.senders:
            if len(chosen) >= most:
                break
            chosen.setdefault(key)
    coloured = frozenset(chosen)
    again = {}
    for number, (where, done) in enumerate(parts):
        assert done is not None
        # A part gives colours to the first COLOURED senders it meets: as the chat does,
        # when they are all among the chat's first COLOURED.
        if not coloured.issuperset(done.senders[:most]):
            again[number] = replace(where, coloured=coloured)
    return Verdict(False, again)


def again(made: list[Part], wrote: list[PagesDone | None]) -> list[Part]:
    """What to export again of a chat exported in parts (``made``, in order, and what each
    wrote of its pages): only pages (none of Telegram Desktop's JSON), and nothing if the
    pages are what one process writes. The pages to be written again by one process for the
    whole chat are removed first (the parts may have written more of them)."""
    wheres = [part.continued for part in made if part.continued is not None]
    assert len(wheres) == len(made)
    found = verdict(list(zip(wheres, wrote, strict=True)))
    pages_only = replace(made[0].job, tde=False)
    if found.whole:
        for part, where, done in zip(made, wheres, wrote, strict=True):
            for number in range(where.page, where.page + (done.pages if done else 0)):
                (part.job.export_folder / page_name(number)).unlink(missing_ok=True)
        size = sum(part.size for part in made)
        whole = replace(made[0], job=pages_only, end=None, last=True, size=size, continued=None)
        return [replace(whole, again=True)]
    return [
        replace(made[number], job=pages_only, continued=where, again=True)
        for number, where in found.again.items()
    ]
