"""Exports for the TUI: one export at a time in a child process (`tgtui.export.child`, a
`tgtui.children` child), its progress as events.

No Textual here: a screen calls ``ExportJob.run`` in a worker and shows what it reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tgtui.children import JsonLinesChild, interrupted


@dataclass(frozen=True)
class ExportResult:
    """How an export ended: ``summary`` when written, ``error`` when not, neither when it
    was stopped."""

    summary: dict[str, int | str] | None = None
    error: str | None = None


class ExportJob:
    """An export of ``source`` into ``out``, run by ``python -m tgtui.export.child``."""

    def __init__(
        self,
        source: Path,
        out: Path,
        fmt: str,
        chat_ids: Sequence[int] = (),
        *,
        copy: bool = False,
    ) -> None:
        self.source, self.out, self.fmt, self.chat_ids = source, out, fmt, tuple(chat_ids)
        self.copy = copy  # copies of the media files, not hard links to the backup's
        self._child: JsonLinesChild | None = None

    async def run(self, progress: Callable[[int, int], None]) -> ExportResult:
        """Run the export to its end; ``progress(lines read, lines in all)`` as it goes."""
        copy = ["--copy"] if self.copy else []
        args = [str(self.source), str(self.out), self.fmt, *copy, *map(str, self.chat_ids)]
        self._child = child = await JsonLinesChild.start("tgtui.export.child", args)
        result = ExportResult(error="the export stopped without saying why")
        async for event in child.events():
            if "progress" in event:
                done, total = event["progress"]
                progress(int(done), int(total))
            elif "summary" in event:
                result = ExportResult(summary=event["summary"])
            elif "error" in event:
                result = ExportResult(error=str(event["error"]))
        if interrupted(await child.wait()):
            return ExportResult()
        return result

    def stop(self) -> None:
        """Stop a running export; it removes what it had written."""
        if self._child is not None:
            self._child.stop()  # SIGINT: the export and its workers
