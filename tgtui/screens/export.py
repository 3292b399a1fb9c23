"""Export a backup from the TUI: the format, every chat or the one under the cursor, where
to; then a progress bar while it runs, and what was written.

The export runs in a process of its own (`tgtui.export.service`); Escape stops it and
nothing is left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, ProgressBar, RadioSet, Static

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.archive.opener import OpenerError, open_with_system
from tgtui.export.run import default_destination
from tgtui.export.service import ExportJob, ExportResult
from tgtui.untrusted import clean, safe_text
from tgtui.widgets.toggles import Choice, Tick

FORMATS = (
    ("both", "HTML and Telegram Desktop's JSON"),
    ("html", "HTML, to read in a browser"),
    ("tde", "Telegram Desktop's JSON (result.json)"),
)


class ExportScreen(ModalScreen[None]):
    """Asks what to export and where, runs the export, says what it wrote."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen RadioSet { width: 100%; margin-bottom: 1; }
    ExportScreen ProgressBar { margin: 1 0; }
    ExportScreen #export-buttons { height: auto; margin-top: 1; }
    ExportScreen #export-buttons Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        archive: Archive,
        current: ArchiveChat | None,
        opener: Callable[[Path], None] = open_with_system,
    ) -> None:
        super().__init__()
        self.archive = archive
        self.current = current
        self.opener = opener
        self.job: ExportJob | None = None
        self.result: ExportResult | None = None

    def compose(self) -> ComposeResult:
        """Format, chats, destination, then progress and result."""
        chats = len(self.archive.chats)
        with Vertical(classes="dialog"):
            yield Static("Export the backup", classes="dialog-title")
            with RadioSet(id="export-format"):
                for n, (_, label) in enumerate(FORMATS):
                    yield Choice(label, value=n == 0)
            if self.current is not None:
                name = clean(self.current.name, limit=40)
                yield Tick(f"Only {name} (not all {chats:,} chats)", id="export-one")
            yield Static("Into a new folder:", classes="hint")
            yield Input(str(default_destination(self.archive.folder)), id="export-out")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-start")
                yield Button("Open", id="export-open", disabled=True)
                yield Button("Close", id="export-close")

    def on_mount(self) -> None:
        """Nothing runs yet: the bar stays hidden."""
        self.query_one(ProgressBar).display = False

    @property
    def format(self) -> str:
        """The chosen format: tde, html or both."""
        pressed = self.query_one(RadioSet).pressed_index
        return FORMATS[max(pressed, 0)][0]

    def _status(self, text: str) -> None:
        self.query_one("#export-status", Static).update(safe_text(text))

    @on(Button.Pressed, "#export-start")
    @on(Input.Submitted, "#export-out")
    def _start(self) -> None:
        if self.job is not None:
            return
        out = Path(self.query_one("#export-out", Input).value.strip()).expanduser()
        if not str(out) or out.exists():
            self._status(f"{out} already exists: choose a new folder")
            return
        if not out.parent.is_dir():
            self._status(f"{out.parent} is not a folder")
            return
        ids: list[int] = []
        if self.current is not None and self.query_one("#export-one", Checkbox).value:
            ids = [self.current.id]
        self.job = ExportJob(self.archive.folder, out, self.format, ids)
        for widget in self.query("RadioSet, Checkbox, Input, #export-start"):
            widget.disabled = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        self._status("Exporting…")
        self._run(self.job)

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(total, 1), progress=min(done, total))
        self._status(f"{min(done, total):,} of {total:,} messages")

    @work(exclusive=True, group="export")
    async def _run(self, job: ExportJob) -> None:
        result = await job.run(self._progress)
        self.result = result
        self.job = None
        if result.summary is not None:
            summary = result.summary
            bar = self.query_one(ProgressBar)
            bar.update(progress=bar.total or 1, total=bar.total or 1)
            missing = int(summary.get("files_missing", 0))
            chats, messages = int(summary["chats"]), int(summary["messages"])
            self._status(
                f"Exported {chats:,} chat{'' if chats == 1 else 's'}, {messages:,} "
                f"message{'' if messages == 1 else 's'} to {summary['folder']}"
                + (f" ({missing:,} files were not in the backup)" if missing else "")
            )
            self.query_one("#export-open", Button).disabled = False
            self.query_one("#export-open", Button).focus()
        elif result.error is not None:
            self._status(f"Not exported: {result.error}")
            for widget in self.query("RadioSet, Checkbox, Input, #export-start"):
                widget.disabled = False
        else:
            self._status("Stopped: nothing was written")
            for widget in self.query("RadioSet, Checkbox, Input, #export-start"):
                widget.disabled = False

    @on(Button.Pressed, "#export-open")
    def _open(self) -> None:
        summary = self.result.summary if self.result else None
        if summary is None:
            return
        folder = Path(str(summary["folder"]))
        target = folder / ("result.json" if self.format == "tde" else "index.html")
        try:
            self.opener(target)
        except (OpenerError, OSError) as exc:
            self._status(f"Cannot open it here: {exc}")

    @on(Button.Pressed, "#export-close")
    def _close(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Stop a running export (nothing is left behind), or close."""
        if self.job is not None:
            self.job.stop()
            self._status("Stopping…")
            return
        self.dismiss(None)
