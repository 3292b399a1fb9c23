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
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, ProgressBar, RadioSet, Static

from tgtui.archive.folder import Archive, ArchiveChat
from tgtui.archive.opener import OpenerError, open_with_system
from tgtui.export.run import default_destination
from tgtui.export.service import ExportJob, ExportResult
from tgtui.i18n import N_, _, counted, ngettext, number
from tgtui.screens.palette import Binding
from tgtui.untrusted import clean, safe_text
from tgtui.widgets.toggles import Choice, Tick

FORMATS = (
    ("both", N_("HTML and Telegram Desktop's JSON")),
    ("html", N_("HTML, to read in a browser")),
    ("tde", N_("Telegram Desktop's JSON (result.json)")),
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel", palette=False)
    ]

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
            yield Static(_("Export the backup"), classes="dialog-title")
            with RadioSet(id="export-format"):
                for n, (_format, label) in enumerate(FORMATS):
                    yield Choice(_(label), value=n == 0)
            if self.current is not None:
                name = clean(self.current.name, limit=40)
                only = ngettext(
                    "Only {name} (not all {count} chat)",
                    "Only {name} (not all {count} chats)",
                    chats,
                )
                yield Tick(only.format(name=name, count=number(chats)), id="export-one")
            yield Tick(
                _("Copy the media files (else: the backup's own, hard-linked)"), id="export-copy"
            )
            yield Static(_("Into a new folder:"), classes="hint")
            yield Input(str(default_destination(self.archive.folder)), id="export-out")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(_("Export"), variant="primary", id="export-start")
                yield Button(_("Open"), id="export-open", disabled=True)
                yield Button(_("Close"), id="export-close")

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
            self._status(_("{folder} already exists: choose a new folder").format(folder=out))
            return
        if not out.parent.is_dir():
            self._status(_("{folder} is not a folder").format(folder=out.parent))
            return
        ids: list[int] = []
        if self.current is not None and self.query_one("#export-one", Checkbox).value:
            ids = [self.current.id]
        copy = self.query_one("#export-copy", Checkbox).value
        self.job = ExportJob(self.archive.folder, out, self.format, ids, copy=copy)
        for widget in self.query("RadioSet, Checkbox, Input, #export-start"):
            widget.disabled = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        self._status(_("Exporting…"))
        self._run(self.job)

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(total, 1), progress=min(done, total))
        self._status(
            ngettext("{done} of {total} message", "{done} of {total} messages", total).format(
                done=number(min(done, total)), total=number(total)
            )
        )

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
            exported = _("Exported {chats}, {messages} to {folder}").format(
                chats=counted("{count} chat", "{count} chats", chats),
                messages=counted("{count} message", "{count} messages", messages),
                folder=summary["folder"],
            )
            if missing:
                exported += " " + counted(
                    "({count} file was not in the backup)",
                    "({count} files were not in the backup)",
                    missing,
                )
            self._status(exported)
            self.query_one("#export-open", Button).disabled = False
            self.query_one("#export-open", Button).focus()
        elif result.error is not None:
            self._status(_("Not exported: {reason}").format(reason=result.error))
            for widget in self.query("RadioSet, Checkbox, Input, #export-start"):
                widget.disabled = False
        else:
            self._status(_("Stopped: nothing was written"))
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
            self._status(_("Cannot open it here: {reason}").format(reason=exc))

    @on(Button.Pressed, "#export-close")
    def _close(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Stop a running export (nothing is left behind), or close."""
        if self.job is not None:
            self.job.stop()
            self._status(_("Stopping…"))
            return
        self.dismiss(None)
