"""TgtuiApp: owns the one Telegram client (through TelegramService) and moves between screens.

Screens borrow the client through `TgtuiApp.service`; none of them builds one. Unexpected
worker failures from every screen end up in `TgtuiApp.report_failure`, the one place that
logs them with context, words them for the user and returns to the login screen when the
session was revoked.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger
from textual import on
from textual.app import SystemCommand
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from tgtui.base_app import TgtuiBaseApp
from tgtui.config import Settings, save_api_credentials
from tgtui.i18n import N_, _, counted
from tgtui.memory import freeze_long_lived
from tgtui.screens.confirm import ConfirmScreen
from tgtui.screens.credentials import CredentialsScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.keep_theme import keep_theme
from tgtui.screens.login import LoginScreen
from tgtui.screens.start import StartScreen
from tgtui.telegram.auth import LoginFlow
from tgtui.telegram.crypto import crypto_warning
from tgtui.telegram.errors import explain
from tgtui.telegram.service import TelegramService
from tgtui.untrusted import clean

if TYPE_CHECKING:  # the backup engine, archive and their screens load when first used
    from tgtui.backup.engine import BackupEngine
    from tgtui.backup.job import BackupJob
    from tgtui.backup.selection import ChatTarget

CodeListener = Callable[[str, str], None]


@dataclass(frozen=True)
class AppContext:
    """What the command line hands the app."""

    service: TelegramService  # opened (locked) before the UI starts
    settings: Settings
    demo: bool = False
    prefill_phone: str | None = None
    # Subscribes a listener to login codes "delivered" by a sandbox (demo and tests only);
    # returns the unsubscribe function.
    code_source: Callable[[CodeListener], Callable[[], None]] | None = None
    # Plays a phone that scans a QR login code (demo and tests only): accepts the token.
    demo_phone: Callable[[bytes], Awaitable[None]] | None = None
    # What QR login codes are renewed by (tests move it on).
    wall_clock: Callable[[], float] = time.time
    log_file: Path | None = None
    clock: Callable[[], float] = time.monotonic  # backups' rates and countdowns (tests fake it)
    pace_file: Path | None = None  # flood limits learned by backups (None: not kept)


class TgtuiApp(TgtuiBaseApp):
    """The full-screen tgtui application."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.service = context.service
        self.signed_in = False
        self._unsubscribe_codes: Callable[[], None] | None = None
        self.backup_job: BackupJob | None = None  # the latest backup, running or finished
        self._backup_worker: Worker[None] | None = None
        if context.demo:
            self.sub_title = _("demo on a local sandbox")

    def get_default_screen(self) -> Screen[None]:
        """A "connecting" screen until we know whether the session is signed in."""
        return StartScreen()

    def on_mount(self) -> None:
        """Hook up code delivery and the theme, then ask for API keys or connect."""
        freeze_long_lived()  # modules and the app itself: out of the collector's way
        settings = self.context.settings
        # The demo reads the user's theme but never writes their config.toml.
        keep_theme(self, None if self.context.demo else settings.config_file, settings.theme)
        if self.context.code_source is not None:
            loop = asyncio.get_running_loop()

            def deliver(phone: str, code: str) -> None:  # called on the sandbox's thread
                if not loop.is_closed():
                    loop.call_soon_threadsafe(self.deliver_code, phone, code)

            self._unsubscribe_codes = self.context.code_source(deliver)
        slow_crypto = crypto_warning()
        if slow_crypto is not None:
            logger.warning(slow_crypto)
            self.notify(slow_crypto, title=_("Slow encryption"), severity="warning", timeout=20)
        if self.service.spec.api_id is None or self.service.spec.api_hash is None:
            self.push_screen(
                CredentialsScreen(self.context.settings.config_file), self._credentials_entered
            )
        else:
            self.start_screen.connect()

    @property
    def start_screen(self) -> StartScreen:
        """The connecting screen at the bottom of the stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, StartScreen)
        return screen

    def _credentials_entered(self, credentials: tuple[int, str] | None) -> None:
        if credentials is None:
            self.exit()
            return
        api_id, api_hash = credentials
        config_file = self.context.settings.config_file
        try:
            save_api_credentials(config_file, api_id, api_hash)
        except OSError as exc:
            logger.warning("could not save API credentials to {}: {}", config_file, exc)
            self.notify(
                clean(
                    _(
                        "Could not save them to {file} ({reason}); they are used for this run only."
                    ).format(file=config_file, reason=exc.strerror)
                ),
                severity="warning",
                markup=False,
            )
        self.service.spec = replace(self.service.spec, api_id=api_id, api_hash=api_hash)
        self.start_screen.connect()

    def deliver_code(self, phone: str, code: str) -> None:
        """Show a login code as Telegram delivers it to the official apps (demo only)."""
        self.notify(
            _("Login code: {code}. Do not give this code to anyone.").format(code=code),
            title="Telegram",
            timeout=60,
        )

    def show_login(self, message: str | None = None) -> None:
        """Go to the login screen (on start, after log-out, or when the session was revoked)."""
        self.signed_in = False
        flow = LoginFlow(self.service.client, clock=self.context.wall_clock)
        self._replace_top(
            LoginScreen(
                flow,
                phone=self.context.prefill_phone or "",
                demo=self.context.demo,
                message=message,
                demo_phone=self.context.demo_phone,
            )
        )

    def show_dialogs(self) -> None:
        """Go to the dialog list (signed in)."""
        self.signed_in = True
        self.clear_notifications()  # the login code is of no more use on screen
        self._replace_top(DialogsScreen())

    def _replace_top(self, screen: Screen[None]) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # --- backups ---------------------------------------------------------------------------

    def action_open_archive(self) -> None:
        """Read the backup folder offline (no Telegram needed), over the current screen."""
        from tgtui.archive.folder import ArchiveError
        from tgtui.archive.service import ArchiveService
        from tgtui.screens.archive import ArchiveScreen

        folder = self.context.settings.backup_dir
        try:
            service = ArchiveService(folder, log_file=self.context.log_file)
        except ArchiveError as exc:
            self.notify(
                clean(
                    _("{problem}. Back up some chats first (b in the chat list).").format(
                        problem=exc
                    ),
                    multiline=True,
                ),
                title=_("No backup to read"),
                severity="warning",
                markup=False,
            )
            return
        self.push_screen(ArchiveScreen(service))

    def open_backup(self, targets: list[ChatTarget]) -> None:
        """The backup screen: the running (or last) backup, or a new one of ``targets``."""
        from tgtui.backup.engine import BackupOptions
        from tgtui.backup.job import BackupJob
        from tgtui.backup.media import MediaFilter
        from tgtui.screens.backup import BackupScreen

        job = self.backup_job
        if job is not None and (
            job.running or not targets or {t.chat_id for t in targets} == set(job.rows)
        ):
            if targets and job.running and {t.chat_id for t in targets} != set(job.rows):
                self.notify(_("A backup is running: here it is. Start the next when it ends."))
            self.push_screen(BackupScreen(job))
            return
        if not targets:
            self.notify(_("Select chats with Space (a selects every chat shown), then press b."))
            return
        settings = self.context.settings
        options = BackupOptions(
            out=settings.backup_dir, concurrency=settings.concurrency, media=MediaFilter()
        )
        job = BackupJob(
            self.service.client,
            targets,
            options,
            clock=self.context.clock,
            pace_file=self.context.pace_file,
        )
        self.push_screen(BackupScreen(job))

    def start_backup(
        self, job: BackupJob, only: list[int] | None = None, *, follow: bool = False
    ) -> None:
        """Run ``job`` (or only some of its chats) at app level: screens may come and go.
        With ``follow``, it keeps following the chats afterwards until `stop_following`."""
        self.backup_job = job
        freeze_long_lived()  # the chats it backs up live as long as it does
        self._backup_worker = self.run_worker(
            self._run_backup(job, only, follow),
            group="backup",
            exclusive=True,
            exit_on_error=False,
            description=N_("Backup"),
        )

    def stop_following(self) -> None:
        """End follow mode (what arrived is saved; the job ends as finished)."""
        worker = self._backup_worker
        if worker is not None and self.backup_job is not None and self.backup_job.following:
            worker.cancel()

    async def _run_backup(self, job: BackupJob, only: list[int] | None, follow: bool) -> None:
        from tgtui.backup.engine import BackupAborted
        from tgtui.backup.follow import Follower, Following
        from tgtui.backup.job import TakeoutRefused, account_of
        from tgtui.screens.backup import BackupScreen

        if job.account is None:
            job.account = account_of(await self.service.me())

        async def following(engine: BackupEngine, targets: list[ChatTarget]) -> Following:
            follower = Follower(engine, targets, on_round=lambda _: job.changed())
            job.following = follower.state
            job.changed()
            try:
                await follower.run()
            finally:
                job.following = None
            return follower.state

        try:
            await job.run(only, follow=following if follow else None)
        except (BackupAborted, TakeoutRefused) as exc:
            self.notify(
                clean(exc, multiline=True),
                title=_("Backup stopped"),
                severity="error",
                timeout=30,
                markup=False,
            )
            return
        if not isinstance(self.screen, BackupScreen):
            failed = job.failure_count()
            if failed:
                done = counted(
                    "Backup finished; {count} item failed (b shows them).",
                    "Backup finished; {count} items failed (b shows them).",
                    failed,
                )
            else:
                done = _("Backup finished.")
            self.notify(done, title="tgtui")

    @on(Worker.StateChanged)
    def _app_worker_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.node is self and event.state is WorkerState.ERROR:
            error = event.worker.error
            if error is not None:
                self.report_failure(error, event.worker.description or "tgtui")

    async def action_quit(self) -> None:
        """Quit; while a backup runs, ask first, then stop it cleanly."""
        job = self.backup_job
        if job is None or not job.running:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._stop_and_quit(job), group="quit")

        if job.following is not None:
            question = ConfirmScreen(
                _("tgtui is following these chats. Stop following and quit?"),
                _(
                    "Everything that arrived is saved; a backup of these chats later catches "
                    "up with what arrives after you quit."
                ),
                confirm=_("Stop and quit"),
            )
        else:
            question = ConfirmScreen(
                _("A backup is running. Quit anyway?"),
                _(
                    "Everything fetched so far is saved, and backing up these chats again "
                    "resumes where this one stopped."
                ),
                confirm=_("Stop and quit"),
            )
        self.push_screen(question, answered)

    async def _stop_and_quit(self, job: BackupJob) -> None:
        """Stop the backup (or the following after it) at its next safe point, then quit."""
        worker = self._backup_worker
        if job.following is not None:
            self.notify(_("Stopping following: saving what arrived, then quitting…"))
            if worker is not None:
                worker.cancel()  # the follower stops; what it was writing is flushed
        else:
            self.notify(_("Stopping the backup: saving what was fetched, then quitting…"))
            job.cancel()
        if worker is not None:
            # A failure there has been reported by _app_worker_failed already.
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()
        self.exit()

    def report_failure(self, error: BaseException, context: str) -> None:
        """The one place for failures nobody handled: log, tell, and sign in again if needed."""
        explanation = explain(error)
        logger.opt(exception=error).error("{} failed: {}", context, explanation.text)
        if explanation.sign_in_again:
            self.show_login(explanation.text)
            return
        self.notify(
            clean(f"{_(context)}: {explanation.text}", multiline=True),
            title=_("Something went wrong"),
            severity="error",
            markup=False,
        )

    def action_log_out(self) -> None:
        """Ask, then sign this session out and go back to the login screen."""
        if not self.signed_in:
            self.notify(_("You are not signed in."))
            return
        if self.backup_job is not None and self.backup_job.running:
            self.notify(
                _(
                    "A backup is running: let it finish, or cancel it (X on its screen), "
                    "then log out."
                ),
                severity="warning",
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_screen.log_out()

        self.push_screen(
            ConfirmScreen(
                _("Log out of Telegram on this computer?"),
                _("Your backups stay on disk. You will need a login code to sign in again."),
                confirm=_("Log out"),
            ),
            answered,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Command palette entries: the app's own actions first."""
        if self.signed_in:
            yield SystemCommand(
                _("Log out"), _("Sign this session out of Telegram"), self.action_log_out
            )
        commands: list[tuple[str, str, Callable[[], object]]] = []
        if isinstance(screen, DialogsScreen):
            commands = [
                (N_("Filter chats"), N_("Type part of a name"), screen.action_filter),
                (
                    N_("Chat type"),
                    N_("Cycle all/users/bots/groups/channels"),
                    screen.action_next_kind,
                ),
                (
                    N_("Archive"),
                    N_("Switch to or from archived chats"),
                    screen.action_toggle_archive,
                ),
                (
                    N_("Select all matching"),
                    N_("Select every chat shown"),
                    screen.action_select_matching,
                ),
                (N_("Clear selection"), N_("Unselect every chat"), screen.action_clear_selection),
                (N_("Reload chats"), N_("Fetch the chat list again"), screen.action_reload),
                (
                    N_("Read backups"),
                    N_("Browse and search what is saved, offline"),
                    self.action_open_archive,
                ),
                (
                    N_("Back up"),
                    N_("Back up the selected chats, or see the backup"),
                    screen.action_backup,
                ),
            ]
        backup_screens = sys.modules.get("tgtui.screens.backup")  # loaded with a first backup
        if backup_screens is not None and isinstance(screen, backup_screens.BackupScreen):
            for name, help_text, action in (
                (N_("Pause or resume the backup"), N_("Every chat"), screen.action_pause_all),
                (
                    N_("Cancel the backup"),
                    N_("Stop every chat; what is saved stays"),
                    screen.action_cancel_all,
                ),
                (
                    N_("Failed items"),
                    N_("Chats and files that failed, with why"),
                    screen.action_failures,
                ),
                (
                    N_("Retry"),
                    N_("Run failed, skipped and stopped chats again"),
                    screen.action_retry,
                ),
            ):
                if screen.check_action(action.__name__.removeprefix("action_"), ()):
                    commands.append((name, help_text, action))
        for name, help_text, action in commands:
            yield SystemCommand(_(name), _(help_text), action)
        yield from super().get_system_commands(screen)

    async def on_unmount(self) -> None:
        """Stop listening for demo codes and disconnect the client when the app ends."""
        if self._unsubscribe_codes is not None:
            self._unsubscribe_codes()
        await self.service.disconnect()
