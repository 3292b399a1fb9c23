"""What the screens that read a backup share: the archive service, and one route for
failures (they run in the full app and in `tgtui open`, which has no Telegram client)."""

from __future__ import annotations

from loguru import logger
from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tgtui.archive.service import ArchiveService
from tgtui.i18n import N_, _, counted
from tgtui.untrusted import clean

SHOWN_NOTES = 3  # what could not be read, named one by one (then how many more)


def notes_line(notes: list[str]) -> str:
    """What of a backup could not be read ("Family: messages.jsonl is not read: ..."), on
    one line: the first few, then how many more."""
    shown = [clean(note, limit=200) for note in notes[:SHOWN_NOTES]]
    if len(notes) > SHOWN_NOTES:
        more = len(notes) - SHOWN_NOTES
        shown.append(counted("and {count} more", "and {count} more", more))
    return "; ".join(shown)


class ReadingScreen(Screen[None]):
    """A screen over an opened backup. Worker failures are logged and shown, never hidden."""

    def __init__(self, service: ArchiveService) -> None:
        super().__init__()
        self.service = service

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state is WorkerState.ERROR and error is not None:
            what = event.worker.description or N_("Reading the backup")
            logger.opt(exception=error).error("{} failed", what)
            self.notify(
                clean(f"{_(what)}: {error}", multiline=True),
                title=_("Something went wrong"),
                severity="error",
                markup=False,
            )
