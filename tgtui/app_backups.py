"""The full app's backups: reading them offline, opening the backup screen, running a backup
at app level (the screens come and go while it runs), following, and quitting while one runs
(asked first, then stopped at its next safe point).

`TgtuiApp` is built on `BackupsApp`; the backup screen and the chat list reach these through
`TgtuiScreen.tgtui`. The engine, the archive and their screens load when first used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tgtui.base_app import TgtuiBaseApp
from tgtui.i18n import N_, _, counted
from tgtui.memory import freeze_long_lived
from tgtui.screens.confirm import ConfirmScreen
from tgtui.untrusted import clean

if TYPE_CHECKING:  # the backup engine, archive and their screens load when first used
    from tgtui.app import AppContext
    from tgtui.backup.engine import BackupEngine
    from tgtui.backup.job import BackupJob
    from tgtui.backup.selection import ChatTarget
    from tgtui.telegram.service import TelegramService


class BackupsApp(TgtuiBaseApp):
    """The backup part of the full app (see the module's doc)."""

    context: AppContext  # set by TgtuiApp
    service: TelegramService

    def __init__(self, keys: Mapping[str, str] | None = None) -> None:
        super().__init__(keys)
        self.backup_job: BackupJob | None = None  # the latest backup, running or finished
        self._backup_worker: Worker[None] | None = None

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
        from tgtui.format.media_paths import MediaFilter
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
            estimate_while_running=True,  # chats started before their estimate came
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
            follower = Follower(
                engine, targets, on_round=lambda _: job.changed(), link=self.service.link
            )
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
