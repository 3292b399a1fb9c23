"""Exports for the TUI: one export at a time in a child process, its progress as events.

No Textual here: a screen calls ``ExportJob.run`` in a worker and shows what it reports.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


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
        self._process: asyncio.subprocess.Process | None = None

    async def run(self, progress: Callable[[int, int], None]) -> ExportResult:
        """Run the export to its end; ``progress(lines read, lines in all)`` as it goes."""
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tgtui.export.child",
            str(self.source),
            str(self.out),
            self.fmt,
            *(["--copy"] if self.copy else []),
            *map(str, self.chat_ids),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,  # never the TUI's terminal
            start_new_session=True,  # its workers stop with it, not with the TUI's Ctrl+C
        )
        assert process.stdout is not None
        result = ExportResult(error="the export stopped without saying why")
        async for raw in process.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if "progress" in event:
                done, total = event["progress"]
                progress(int(done), int(total))
            elif "summary" in event:
                result = ExportResult(summary=event["summary"])
            elif "error" in event:
                result = ExportResult(error=str(event["error"]))
        code = await process.wait()
        if code == 130 or code == -signal.SIGINT:
            return ExportResult()
        return result

    def stop(self) -> None:
        """Stop a running export; it removes what it had written."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, signal.SIGINT)  # the export and its workers
            else:
                process.terminate()
        except (ProcessLookupError, PermissionError):
            pass
