"""How each chat of a backup ended: a table on a terminal, a plain line per chat in a log or
a pipe (no box-drawing there). Rich is loaded only to draw the table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tgtui.format.outcomes import status_word
from tgtui.i18n import _, counted, number
from tgtui.styled import Line, line
from tgtui.untrusted import clean, safe_text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table

    from tgtui.backup.progress import ChatResult


class SummaryTable:
    """Chats with their outcome: a table on a terminal, plain lines elsewhere. Only the
    chats that need attention unless ``all_rows``."""

    def __init__(self, results: Sequence[ChatResult], *, all_rows: bool) -> None:
        self.results = [r for r in results if all_rows or r.status != "complete" or r.media_failed]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The table, or a line per chat."""
        if console.is_terminal:
            yield self.table()
            return
        for one in self.plain_lines():
            yield one.rich_text()

    def plain_lines(self) -> list[Line]:
        """A line per chat (where there are no styles: `tgtui.commands.common.Stderr`)."""
        return [self.plain(result) for result in self.results]

    @staticmethod
    def note(result: ChatResult) -> str:
        """Why a chat needs attention ("" when it does not)."""
        return result.reason or (
            counted("{count} file failed", "{count} files failed", result.media_failed)
            if result.media_failed
            else ""
        )

    def plain(self, result: ChatResult) -> Line:
        """One chat's outcome as a line."""
        text = _("{status}: {name}: {messages} ({new}), {files}").format(
            status=status_word(result.status),
            name=clean(result.target.name, limit=60),
            messages=counted("{count} message", "{count} messages", result.messages),
            new=counted("{count} new", "{count} new", result.new),
            files=counted("{count} file", "{count} files", result.media_done),
        )
        note = self.note(result)
        return line(text + (f"; {clean(note, limit=300)}" if note else ""))

    def table(self) -> Table:
        """The chats as a table."""
        from rich.table import Table
        from rich.text import Text

        table = Table(title="tgtui backup", show_lines=False, highlight=False)
        table.add_column(_("chat"))
        table.add_column(_("status"))
        table.add_column(_("messages"), justify="right")
        table.add_column(_("new"), justify="right")
        table.add_column(_("files"), justify="right")
        table.add_column(_("note"))
        colours = {"complete": "green", "partial": "yellow", "skipped": "yellow", "failed": "red"}
        for result in self.results:
            table.add_row(
                safe_text(result.target.name, limit=60),
                Text(status_word(result.status), style=colours[result.status]),
                number(result.messages),
                number(result.new),
                number(result.media_done),
                safe_text(self.note(result), limit=300),
            )
        return table


def summary_table(results: Sequence[ChatResult], *, all_rows: bool) -> SummaryTable:
    """Chats with their outcome (`SummaryTable`: a table on a terminal, lines elsewhere)."""
    return SummaryTable(results, all_rows=all_rows)
