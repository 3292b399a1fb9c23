"""Commands that talk to Telegram without the TUI (`tgtui backup`, `tgtui chats`): open the
session, connect, check it is signed in, run the command's work, and turn every way that can
fail into one line on stderr and an exit code. Never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import replace

from loguru import logger
from telethon import errors

from tgtui.commands.common import EXIT_ERROR, EXIT_STOPPED, Stderr
from tgtui.commands.session_options import chosen_proxy
from tgtui.config import Paths, Settings
from tgtui.i18n import _
from tgtui.log import setup_logging, stop_logging
from tgtui.portable import on_terminate
from tgtui.proxy import ProxyError
from tgtui.retry import Wait
from tgtui.sandbox_mark import api_for
from tgtui.telegram.errors import explain
from tgtui.telegram.service import (
    ClientSpec,
    SessionFileError,
    SessionLockedError,
    TelegramService,
)
from tgtui.telegram.through_proxy import ProxyProblem
from tgtui.untrusted import clean

Work = Callable[[TelegramService, Callable[[Wait], None]], Awaitable[int]]


def client_spec(
    args: argparse.Namespace,
    paths: Paths,
    settings: Settings,
    cleanup: ExitStack,
    err: Stderr,
) -> ClientSpec:
    """The session to use: the demo's (signed in to a sandbox started here), ``--session``,
    or the app's own, and the proxy to reach it through. It must be there and signed in:
    these commands never create one. ProxyError for a bad proxy in the environment."""
    proxy = chosen_proxy(args, settings, lambda line: err.print(f"tgtui: {clean(line)}"))
    return replace(_session_spec(args, paths, settings, cleanup), proxy=proxy)


def _session_spec(
    args: argparse.Namespace, paths: Paths, settings: Settings, cleanup: ExitStack
) -> ClientSpec:
    if not args.demo:
        session = args.session or paths.sessions_dir / "main.session"
        given = args.session is not None
        api_id, api_hash = settings.api_id, settings.api_hash
        if given:  # a sandbox's session (`tgtui sandbox --session-out`) names its own
            api_id, api_hash = api_for(session, api_id, api_hash)
        return ClientSpec(
            session,
            api_id,
            api_hash,
            user_folder=given,
            signed_in=True,
            login=f"tgtui --session {args.session}" if given else "tgtui",
        )
    from tgtui.demo import signed_in_demo

    return signed_in_demo(cleanup)


def run_signed_in(
    args: argparse.Namespace,
    paths: Paths,
    settings: Settings,
    err: Stderr,
    work: Work,
    *,
    command: str,
    stopped: str | None = None,
) -> int:
    """Run ``work`` with a connected, signed-in service; its result is the exit code.

    ``stopped`` is said when Ctrl+C or SIGTERM ends the run (exit 130).
    """
    stopped = stopped or _("Stopped.")
    log_file = setup_logging(paths.log_dir, debug=args.debug)
    with ExitStack() as cleanup:
        cleanup.callback(stop_logging)
        try:
            spec = client_spec(args, paths, settings, cleanup, err)
        except ProxyError as exc:
            err.print(f"tgtui {command}: " + _("bad proxy: {problem}").format(problem=clean(exc)))
            return EXIT_ERROR
        if spec.api_id is None or spec.api_hash is None:
            err.print(
                f"tgtui {command}: "
                + _(
                    "no api_id/api_hash yet: run `tgtui` once (it asks for them), or set "
                    "TGTUI_API_ID and TGTUI_API_HASH"
                )
            )
            return EXIT_ERROR
        service = TelegramService(spec)
        try:
            service.open()
        except (SessionLockedError, SessionFileError) as exc:
            err.print(f"tgtui {command}: {clean(exc)}")
            return EXIT_ERROR
        except OSError as exc:
            where = clean(service.session_file)
            err.print(
                f"tgtui {command}: "
                + _("cannot use the session {file}: {reason}").format(
                    file=where, reason=exc.strerror or exc
                )
            )
            return EXIT_ERROR
        cleanup.callback(service.close)
        try:
            return asyncio.run(_connected(service, err, work, command, stopped))
        except KeyboardInterrupt:
            err.print(stopped)
            return EXIT_STOPPED
        except Exception as exc:  # noqa: BLE001 - the last resort: logged whole, told in a line
            logger.opt(exception=exc).error("tgtui {} failed", command)
            err.print(
                f"tgtui {command}: "
                + _(
                    "unexpected error: {error}. Everything written so far is consistent; "
                    "details are in {log}"
                ).format(error=clean(repr(exc), limit=300), log=clean(log_file))
            )
            return EXIT_ERROR


async def _connected(
    service: TelegramService, err: Stderr, work: Work, command: str, stopped: str
) -> int:
    main = asyncio.current_task()
    undo = on_terminate(main.cancel) if main is not None else None

    def connecting(wait: Wait) -> None:
        again = _("Next try in {seconds} s.").format(seconds=f"{wait.seconds:.0f}")
        err.print(clean(f"{explain(wait.error).text} {again}"))

    try:
        await service.connect(on_wait=connecting)
        if not await service.is_authorized(on_wait=connecting):
            err.print(
                f"tgtui {command}: "
                + _("this session is not signed in: run `tgtui` to log in first")
            )
            return EXIT_ERROR
        return await work(service, connecting)
    except asyncio.CancelledError:
        err.print(stopped)
        return EXIT_STOPPED
    except (errors.RPCError, ProxyProblem) as exc:
        err.print(f"tgtui {command}: {clean(explain(exc).text)}")
        return EXIT_ERROR
    finally:
        if undo is not None:
            undo()
        await service.disconnect()
