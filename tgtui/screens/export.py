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

    # Compact widgets (one line each, no borders): the whole dialog fits an 80x24 terminal.
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen .dialog { width: 76; max-height: 100%; padding: 0 1; }
    ExportScreen .dialog-title { margin-bottom: 0; }
    ExportScreen RadioSet { width: 100%; margin: 1 0; }
    ExportScreen Checkbox { width: 100%; }
    ExportScreen #export-out { margin-bottom: 1; background: $boost; }
    ExportScreen #export-out:focus { background: $primary 40%; }
    ExportScreen ProgressBar { margin: 0; }
    ExportScreen #export-status { height: auto; }
    ExportScreen #export-buttons { height: auto; margin-top: 1; }
    ExportScreen #export-buttons Button { margin-right: 2; }
    ExportScreen #export-hint { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter exports from anywhere in the dialog (Space ticks the choices); on a button,
        # it presses the button.
        Binding(
            "enter",
            "enter",
            N_("Export"),
            id="export-start",
            priority=True,
            palette=False,
            tooltip=N_("Start the export, or press the button in focus"),
        ),
        Binding("escape", "cancel", N_("Cancel"), id="cancel", palette=False),
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
            with RadioSet(id="export-format", compact=True):
                for n, (_format, label) in enumerate(FORMATS):
                    yield Choice(_(label), value=n == 0, compact=True)
            if self.current is not None:
                name = clean(self.current.name, limit=40)
                only = ngettext(
                    "Only {name} (not all {count} chat)",
                    "Only {name} (not all {count} chats)",
                    chats,
                )
                yield Tick(
                    only.format(name=name, count=number(chats)), id="export-one", compact=True
                )
            yield Tick(
                _("Copy the media files (else: the backup's own, hard-linked)"),
                id="export-copy",
                compact=True,
            )
            yield Static(_("Into a new folder:"), classes="hint")
            yield Input(
                str(default_destination(self.archive.folder)), id="export-out", compact=True
            )
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(_("Export"), variant="primary", id="export-start", compact=True)
                yield Button(_("Open"), id="export-open", disabled=True, compact=True)
                yield Button(_("Close"), id="export-close", compact=True)
            yield Static(
                _("Enter exports · Space ticks · Tab moves · Escape closes"),
                id="export-hint",
                classes="hint",
            )

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

    def action_enter(self) -> None:
        """Enter: the button in focus, else start the export (once)."""
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
        elif self.job is None and (self.result is None or self.result.summary is None):
            self._start()

    @on(Button.Pressed, "#export-start")
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
