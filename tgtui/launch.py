"""Putting the app together: logging, the session lock, the demo sandbox, then the TUI."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from loguru import logger

from tgtui.config import Paths, Settings
from tgtui.demo import DemoSandbox, demo_session_file, remove_demo_session
from tgtui.log import setup_logging, stop_logging
from tgtui.proxy import ProxySetting
from tgtui.sandbox_mark import api_for
from tgtui.telegram.service import (
    ClientSpec,
    SessionFileError,
    SessionLockedError,
    TelegramService,
)
from tgtui.untrusted import clean


def launch(
    paths: Paths,
    settings: Settings,
    *,
    demo: bool,
    session: Path | None,
    debug: bool,
    proxy: ProxySetting | None = None,
) -> int:
    """Run the TUI until the user quits; return the exit code. Every connection goes
    through ``proxy`` (where it applies: `ProxySetting.applies_to`)."""
    log_file = setup_logging(paths.log_dir, debug=debug)
    logger.info("tgtui starting (demo={}, session={})", demo, session)
    try:
        with ExitStack() as cleanup:
            cleanup.callback(stop_logging)
            service, sandbox = _prepare(paths, settings, demo, session, cleanup)
            service.spec = replace(service.spec, proxy=proxy)
            if sandbox is not None:
                settings = replace(settings, backup_dir=paths.demo_backup_dir)
            try:
                service.open()
            except (SessionLockedError, SessionFileError) as exc:
                sys.stderr.write(f"tgtui: {clean(exc)}\n")
                return 1
            except OSError as exc:
                sys.stderr.write(
                    clean(f"tgtui: cannot use the session {service.session_file}: {exc}") + "\n"
                )
                return 1
            cleanup.callback(service.close)
            from tgtui.app import AppContext, TgtuiApp
            from tgtui.widgets.picture_rows import choose, images_mode

            # Kitty's pictures or Sixel where the terminal draws them: it is asked now,
            # before Textual reads its input, as `tgtui open` asks it.
            pictures = choose(images_mode(settings.images))
            logger.info("pictures: {} ({})", pictures.kind, settings.images)

            app = TgtuiApp(
                AppContext(
                    service=service,
                    settings=settings,
                    log_file=log_file,
                    demo=sandbox is not None,
                    prefill_phone=sandbox.phone if sandbox else None,
                    code_source=sandbox.on_code_sent if sandbox else None,
                    demo_phone=sandbox.scan if sandbox else None,
                    pace_file=None if sandbox else paths.pace_file,
                    pictures=pictures,
                )
            )
            app.run()
            return app.return_code or 0
    except KeyboardInterrupt:
        return 130


def _prepare(
    paths: Paths, settings: Settings, demo: bool, session: Path | None, cleanup: ExitStack
) -> tuple[TelegramService, DemoSandbox | None]:
    """The service (not yet locked) and, for --demo, the running sandbox."""
    if not demo:
        api_id, api_hash = settings.api_id, settings.api_hash
        if session is not None:  # a sandbox's session (`tgtui sandbox --session-out`)
            api_id, api_hash = api_for(session, api_id, api_hash)
        spec = ClientSpec(
            session_file=session or paths.sessions_dir / "main.session",
            api_id=api_id,
            api_hash=api_hash,
            user_folder=session is not None,
        )
        return TelegramService(spec), None
    sandbox = DemoSandbox()
    sandbox.start()
    cleanup.callback(sandbox.stop)
    session_file = demo_session_file(paths.data_dir / "demo")
    cleanup.callback(remove_demo_session, session_file)
    api_id, api_hash = sandbox.api
    spec = ClientSpec(session_file=session_file, api_id=api_id, api_hash=api_hash, dc=sandbox.dc)
    return TelegramService(spec), sandbox
