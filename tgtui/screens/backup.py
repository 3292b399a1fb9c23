"""The backup screen: an estimate and the options, then live progress, then a summary.

The screen renders a `BackupJob` (ten times a second at most, and only what changed) and
sends it commands. The job runs at app level (`TgtuiApp.start_backup`): leaving this screen
does not stop it, and the screen can be opened again from the chat list with `b`.

Over 400 lines on purpose: the screen's three phases (options, progress, summary) share
its widgets; what it shows is computed in `tgtui.widgets.backup_text`/`backup_rows`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Header, Input, Label, Static

from tgtui import choices
from tgtui.archive.folder import ArchiveError, open_archive
from tgtui.backup.folder import folder_problem
from tgtui.backup.job import BackupJob
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.i18n import N_, _
from tgtui.private_files import make_private_dir
from tgtui.screens.base import TgtuiScreen
from tgtui.screens.confirm import ConfirmScreen
from tgtui.screens.export import ExportScreen
from tgtui.screens.palette import Binding
from tgtui.untrusted import clean, safe_text
from tgtui.widgets.backup_rows import BackupRows
from tgtui.widgets.backup_text import (
    chats,
    estimate_text,
    failures_text,
    flood_text,
    overall_text,
    summary_text,
)
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.link_line import LinkLine
from tgtui.widgets.toggles import Tick

FRAME = 0.1  # seconds between redraws while something moves
RUNNING_ACTIONS = {"pause_all", "pause_chat", "cancel_chat", "cancel_all"}
FOLLOWING_HIDDEN = RUNNING_ACTIONS  # while following, F stops it (nothing to pause or cancel)


def media_words(media: MediaFilter) -> str:
    """The media filter as the field shows it."""
    if media.kinds == ALL_KINDS:
        return "all"
    return ",".join(sorted(media.kinds)) or "none"


class BackupScreen(TgtuiScreen):
    """One backup job: set up, running, or finished."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "start",
            N_("Start"),
            id="backup-start",
            tooltip=N_("Back up these chats; once ended, again fetches only what is new"),
        ),
        Binding(
            "p",
            "pause_all",
            N_("Pause all"),
            id="backup-pause-all",
            command=N_("Pause or resume the backup"),
            tooltip=N_("Every chat"),
        ),
        Binding(
            "space",
            "pause_chat",
            N_("Pause chat"),
            id="backup-pause-chat",
            command=N_("Pause or resume the chat"),
            tooltip=N_("The chat under the cursor"),
        ),
        Binding(
            "x",
            "cancel_chat",
            N_("Cancel chat"),
            id="backup-cancel-chat",
            command=N_("Cancel the chat"),
            tooltip=N_("The chat under the cursor; what it saved stays"),
        ),
        Binding(
            "X",
            "cancel_all",
            N_("Cancel all"),
            id="backup-cancel-all",
            command=N_("Cancel the backup"),
            tooltip=N_("Stop every chat; what is saved stays"),
        ),
        Binding(
            "f",
            "failures",
            N_("Failed"),
            id="backup-failures",
            command=N_("Failed items"),
            tooltip=N_("Chats and files that failed, with why"),
        ),
        Binding(
            "r",
            "retry",
            N_("Retry"),
            id="backup-retry",
            tooltip=N_("Run failed, skipped and stopped chats again"),
        ),
        Binding(
            "e",
            "export",
            N_("Export"),
            id="backup-export",
            command=N_("Export the backup"),
            tooltip=N_("HTML and Telegram Desktop's JSON"),
        ),
        Binding(
            "F",
            "follow",
            N_("Keep following"),
            id="backup-follow",
            tooltip=N_("Save new, edited and deleted messages as they happen, until stopped"),
        ),
        Binding(
            "F",
            "stop_following",
            N_("Stop following"),
            id="backup-stop-following",
            tooltip=N_("What arrived is saved; the backup ends"),
        ),
        Binding("escape", "leave", N_("Chats"), id="backup-leave", palette=False),
    ]

    def __init__(self, job: BackupJob) -> None:
        super().__init__()
        self.job = job
        self._seen = -1
        self._shown: dict[str, Text | str] = {}  # what each line above the rows shows
        self._state = (job.state, job.following is not None)  # what the title and keys show

    def compose(self) -> ComposeResult:
        """Title, options (before the start), banner, overall line, chats, summary."""
        options = self.job.options
        yield Header()
        yield Static(id="backup-title")
        with Vertical(id="backup-setup"):
            with Horizontal(classes="field-row"):
                yield Label(_("Folder"), classes="field-label")
                yield Input(str(options.out), id="backup-out")
                yield Tick(_("Previews"), options.pictures, id="backup-pictures")
                yield Tick(_("Account"), options.account, id="backup-account")
            with Horizontal(classes="field-row"):
                yield Label(_("Media"), classes="field-label")
                yield Input(
                    media_words(options.media),
                    placeholder=_("all, none, or photo,video,voice,audio,sticker,document"),
                    id="backup-media",
                )
                yield Label(_("Max MB"), classes="field-label")
                yield Input(
                    "" if options.media.max_size is None else f"{options.media.max_size / 2**20:g}",
                    placeholder=_("no limit"),
                    id="backup-max-size",
                )
            with Horizontal(classes="field-row"):
                yield Label(_("Since"), classes="field-label")
                yield Input(placeholder=_("YYYY-MM-DD (optional)"), id="backup-since")
                yield Label(_("Until"), classes="field-label")
                yield Input(placeholder=_("YYYY-MM-DD (optional)"), id="backup-until")
                yield Tick(_("Takeout"), self.job.takeout, id="backup-takeout")
                yield Tick(_("Verify hashes"), options.verify, id="backup-verify")
            yield Static("", id="backup-form-error", classes="error")
            yield Static(id="backup-estimate")
            yield Static(_("Enter or Ctrl+S starts · Esc goes back to the chats"), classes="hint")
        yield Static("", id="backup-flood", classes="countdown")
        yield LinkLine(self.tgtui.service.link, id="backup-link")  # while the network is away
        yield Static(id="backup-overall")
        yield BackupRows(self.job, id="backup-rows")
        with VerticalScroll(id="backup-failures-box"):
            yield Static(id="backup-failures")
        yield Static(id="backup-summary")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Draw the current state; estimate if not started yet; redraw while things move."""
        self.query_one("#backup-failures-box").display = False
        self._show_state()
        if self.job.state == "ready":
            self.query_one("#backup-out", Input).focus()
            self.estimate()
        else:
            self.query_one(BackupRows).focus()
        self.set_interval(FRAME, self._tick)

    @work(exclusive=True, group="estimate", exit_on_error=False, description=N_("Estimating"))
    async def estimate(self) -> None:
        """Sample each chat once for the estimate."""
        await self.job.estimate()

    # --- drawing ---------------------------------------------------------------------------

    def _tick(self) -> None:
        job = self.job
        phase = (job.state, job.following is not None)
        if phase != self._state:
            self._state = phase
            self._show_state()
        moving = job.running or any(r.status == "waiting" for r in job.rows.values())
        if job.changes == self._seen and not moving and not job.flood_left():
            return
        self._seen = job.changes
        self._draw()

    def _show_state(self) -> None:
        state = self.job.state
        title = {
            "ready": _("Back up {chats} into {folder}"),
            "running": _("Backing up {chats} into {folder}"),
            "finished": _("Backup of {chats} into {folder}"),
        }[state]
        if self.job.following is not None:
            title = _("Following {chats} into {folder}")
        self.query_one("#backup-title", Static).update(
            safe_text(title.format(chats=chats(len(self.job.rows)), folder=self.job.options.out))
        )
        self.query_one("#backup-setup").display = state == "ready"
        self.query_one("#backup-summary").display = state == "finished"
        if state != "ready" and (self.focused is None or isinstance(self.focused, Input)):
            self.query_one(BackupRows).focus()
        self.refresh_bindings()
        self._draw()

    def _draw(self) -> None:
        job = self.job
        width = self.size.width
        if job.state == "ready":
            self._show("#backup-estimate", estimate_text(job))
        banner = flood_text(job)
        flood = self.query_one("#backup-flood", Static)
        if flood.display != bool(banner):
            flood.display = bool(banner)
        self._show("#backup-flood", banner)
        self._show("#backup-overall", overall_text(job, width - 2))
        if job.state == "finished":
            self._show("#backup-summary", summary_text(job))
        if self.query_one("#backup-failures-box").display:
            self.query_one("#backup-failures", Static).update(failures_text(job))
        self.query_one(BackupRows).refresh()

    def _show(self, selector: str, content: Text | str) -> None:
        """``content`` in the Static ``selector`` if it changed; the screen laid out again
        only when its number of lines did (a new layout repaints every widget: done at every
        frame, the screen cost a backup a fifth of its time)."""
        shown = self._shown.get(selector)
        if shown is not None and shown == content:
            return
        relayout = shown is None or _lines(shown) != _lines(content)
        self.query_one(selector, Static).update(content, layout=relayout)
        self._shown[selector] = content

    # --- options ---------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _options_changed(self) -> None:
        if self.job.state == "ready":
            self._read_options()

    def _read_options(self) -> bool:
        """Apply the fields to the job; show what is wrong (and keep the old options)."""
        error = self.query_one("#backup-form-error", Static)

        def field(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        try:
            folder = field("backup-out")
            if not folder:
                raise ValueError(_("choose a folder for the backup"))
            kinds = choices.parse_media_kinds(field("backup-media") or "all")
            size = field("backup-max-size")
            since = choices.parse_date(field("backup-since")) if field("backup-since") else None
            until = choices.parse_date(field("backup-until")) if field("backup-until") else None
            if since and until and since >= until:
                raise ValueError(_("Since must be before Until"))
            media = MediaFilter(kinds, choices.parse_megabytes(size) if size else None)
        except ValueError as exc:
            error.update(safe_text(str(exc).capitalize()))
            return False
        error.update("")
        self.job.takeout = self.query_one("#backup-takeout", Checkbox).value
        options = replace(
            self.job.options,
            out=Path(folder).expanduser().resolve(),
            media=media,
            since=since,
            until=until,
            verify=self.query_one("#backup-verify", Checkbox).value,
            pictures=self.query_one("#backup-pictures", Checkbox).value,
            account=self.query_one("#backup-account", Checkbox).value,
            account_asked=self.query_one("#backup-account", Checkbox).value,
        )
        if options != self.job.options:
            self.job.reconfigure(options)
            self._show_state()
            self.estimate()  # Telegram's counts for what the new options need
        return True

    def _usable_folder(self) -> bool:
        """Whether the backup may go into the folder asked for: a new or empty one, or a
        tgtui backup (`tgtui.backup.folder.folder_problem`), made private if it is new."""
        out = self.job.options.out
        problem = folder_problem(out)
        if problem is None:
            try:
                make_private_dir(out, tighten=False)  # the run tightens a backup's own files
                if not os.access(out, os.W_OK | os.X_OK):
                    raise PermissionError(13, "Permission denied")
            except OSError as exc:
                problem = _("Cannot use {folder}: {reason}").format(
                    folder=out, reason=exc.strerror or str(exc)
                )
        if problem is not None:
            self.query_one("#backup-form-error", Static).update(safe_text(problem))
            self.query_one("#backup-out", Input).focus()
            return False
        return True

    # --- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what the job's state allows."""
        state = self.job.state
        if action == "start":
            return state != "running"
        if action in FOLLOWING_HIDDEN and self.job.following is not None:
            return False
        if action in RUNNING_ACTIONS:
            return state == "running"
        if action == "failures":  # once the run is over, only when something failed
            return state == "running" or (state == "finished" and self.job.failure_count() > 0)
        if action == "retry":
            return state == "finished" and bool(self.job.retryable())
        if action == "export":
            return state == "finished"
        if action == "follow":
            return state == "finished" and self.job.following is None
        if action == "stop_following":
            return self.job.following is not None
        return True

    @on(Input.Submitted)
    def action_start(self) -> None:
        """Check the options and start the backup; once it has ended, run it again (only
        what is new since is fetched)."""
        if self.job.state == "finished":
            self.tgtui.start_backup(self.job)
            self.notify(_("Backing up these chats again: only what is new is fetched."))
            self._tick()
            return
        if self.job.state != "ready" or not self._read_options() or not self._usable_folder():
            return
        self.workers.cancel_group(self, "estimate")
        self.tgtui.start_backup(self.job)
        self.query_one(BackupRows).focus()
        self._tick()

    def action_pause_all(self) -> None:
        """Pause every chat, or resume them."""
        if self.job.is_paused():
            self.job.resume()
            self.notify(_("Backup resumed."))
        else:
            self.job.pause()
            self.notify(_("Backup paused: everything fetched so far is saved."))

    def action_pause_chat(self) -> None:
        """Pause or resume the chat under the cursor."""
        row = self.query_one(BackupRows).current
        if row is None or row.ended:
            return
        if self.job.is_paused(row.chat_id):
            if self.job.is_paused():
                self.notify(_("The whole backup is paused: p resumes it."))
                return
            self.job.resume(row.chat_id)
        else:
            self.job.pause(row.chat_id)

    def action_cancel_chat(self) -> None:
        """Stop the chat under the cursor (what it saved stays; a retry goes on with it)."""
        row = self.query_one(BackupRows).current
        if row is not None and not row.ended:
            self.job.cancel(row.chat_id)

    def action_cancel_all(self) -> None:
        """Ask, then stop every chat."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.job.cancel()

        self.app.push_screen(
            ConfirmScreen(
                _("Cancel the backup?"),
                _("Everything fetched so far is saved; starting it again resumes it."),
                confirm=_("Cancel backup"),
            ),
            answered,
        )

    def action_failures(self) -> None:
        """Show or hide the failed chats and files."""
        box = self.query_one("#backup-failures-box")
        box.display = not box.display
        self._draw()

    def action_retry(self) -> None:
        """Run the failed, skipped and stopped chats again."""
        again = self.job.retryable()
        if not again:
            self.notify(_("Nothing to retry."))
            return
        self.tgtui.start_backup(self.job, only=again)
        self.notify(_("Retrying {chats}.").format(chats=chats(len(again))))
        self._tick()

    def action_stop_following(self) -> None:
        """F while following: stop (what arrived is saved)."""
        if self.job.following is not None:
            self.tgtui.stop_following()
            self.notify(_("Stopped following: everything that arrived is saved."))

    def action_follow(self) -> None:
        """F: keep these chats up to date as things happen (new, edited and deleted
        messages); F again stops following."""
        if self.job.following is not None:
            self.action_stop_following()
            return
        self.tgtui.start_backup(self.job, follow=True)
        self.notify(
            _(
                "Following these chats: new, edited and deleted messages are saved as they "
                "happen, also from the chat list. F stops."
            )
        )
        self._tick()

    def action_export(self) -> None:
        """Export the backup folder as HTML and/or Telegram Desktop's JSON."""
        try:
            archive = open_archive(self.job.options.out)
        except ArchiveError as exc:
            self.notify(clean(exc), severity="error")
            return
        self.app.push_screen(ExportScreen(archive, None))

    def action_leave(self) -> None:
        """Back to the chat list; a running backup goes on."""
        if self.job.running:
            self.notify(_("The backup goes on: b in the chat list comes back here."))
        self.dismiss()


def _lines(content: Text | str) -> tuple[int, int]:
    """What decides ``content``'s height: its lines (a Text is fitted to the screen's width
    by its maker), and for a plain string, which may wrap, its length too."""
    if isinstance(content, Text):
        return content.plain.count("\n"), 0
    return content.count("\n"), len(content)
