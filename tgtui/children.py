"""Child processes that tell how they go in JSON lines: both sides of the one protocol.

The TUI runs its heavy work (building the search index, an export) as `python -m MODULE
ARGS`: a plain child process, not a multiprocessing one, so its standard streams are its own
(stdin and stderr closed, stdout a pipe: the TUI's terminal is never written to), it starts
the same whatever the parent has done with its own streams, and it may start worker processes
of its own, which a running Textual app cannot. It runs in a session of its own: a Ctrl+C
meant for the TUI never reaches it, and stopping it reaches its workers too.

- The child says what happens with `say`: one JSON line on stdout (`tgtui.untrusted.json_line`),
  flushed at once. It ends with exit code 0, or 1 after saying ``{"error": "why"}``, or
  `INTERRUPTED` when a SIGINT stopped it.
- The parent starts it with `JsonLinesChild.start`, reads what it says as events (`events`),
  stops it with `stop` (a signal to its whole process group) and awaits its exit code (`wait`).

Foundation: nothing here imports more of tgtui than `tgtui.untrusted`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

from tgtui.untrusted import json_line

INTERRUPTED = 130  # the exit code of a child stopped by SIGINT, as a shell reports it
LINE_LIMIT = 16 * 1024 * 1024  # a longer line is skipped (ours are a few hundred bytes)


# -- the child's side -------------------------------------------------------------------------


def say(value: object) -> None:
    """Tell the parent ``value``: one JSON line on stdout, flushed at once."""
    sys.stdout.write(json_line(value) + "\n")
    sys.stdout.flush()


# -- the parent's side ------------------------------------------------------------------------


def interrupted(code: int) -> bool:
    """Whether exit code ``code`` means that a SIGINT stopped the child (whether it caught
    it and exited with `INTERRUPTED`, or died of it)."""
    return code in (INTERRUPTED, -signal.SIGINT)


class JsonLinesChild:
    """A running `python -m MODULE ARGS` child, read as JSON-lines events."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, module: str, args: Sequence[str] = ()) -> JsonLinesChild:
        """Start ``python -m module args`` with this interpreter, in a session of its own,
        its stdin and stderr closed, its stdout read here."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,  # never the TUI's terminal
            start_new_session=True,  # it and its workers stop with it, not with the TUI's Ctrl+C
            limit=LINE_LIMIT,
        )
        return cls(process)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """What the child says, as it says it, until it closes its stdout: every line that
        is a JSON object (other lines are skipped)."""
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            try:
                raw = await stdout.readline()
            except ValueError:  # longer than LINE_LIMIT: dropped by the reader
                continue
            if not raw:
                return
            try:
                event = json.loads(raw.decode("utf-8", "replace"))
            except ValueError:
                continue
            if isinstance(event, dict):
                yield event

    async def wait(self) -> int:
        """The child's exit code, once it has ended (negative: the signal that ended it)."""
        return await self.process.wait()

    def stop(self, how: signal.Signals = signal.SIGINT) -> None:
        """Send ``how`` to the child and its workers (its process group; where there are no
        process groups, the child is terminated). Nothing if it has ended."""
        process = self.process
        if process.returncode is not None:
            return
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, how)
            else:
                process.terminate()
        except (ProcessLookupError, PermissionError):
            pass
