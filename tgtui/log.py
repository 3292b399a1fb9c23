"""Logging: one rotated loguru file sink, std-logging intercepted, secrets and escapes removed.

Nothing is written to the terminal: loguru's default stderr sink is removed before anything
logs, so the TUI is never drawn over.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from tgtui import untrusted

if TYPE_CHECKING:
    from loguru import Record

REDACTED = "[redacted]"
# Long runs of base64 or hex: auth keys, session strings, file references, password hashes.
_LONG_SECRET = re.compile(r"[A-Za-z0-9+/=_-]{64,}|(?:\\x[0-9a-f]{2}){16,}")

logger.remove()  # before anything logs: the default sink writes to stderr


class Redactor:
    """Replaces registered secrets (login codes, passwords) and long key-like strings."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def register(self, secret: str) -> None:
        """Never let this exact text reach the log (codes of 4+ characters, passwords)."""
        if len(secret.strip()) >= 4:
            with self._lock:
                self._secrets.add(secret)

    def forget(self) -> None:
        """Drop every registered secret (a new process starts empty; tests start anew)."""
        with self._lock:
            self._secrets.clear()

    def clean(self, text: str) -> str:
        """``text`` with every secret replaced."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return _LONG_SECRET.sub(REDACTED, text)

    def patch(self, record: Record) -> None:
        """Loguru patcher: clean the message before any sink sees it.

        Server strings in a message (chat names, file names) lose their escape sequences
        too, so `tail -f` of the log cannot be made to act on them either.
        """
        record["message"] = untrusted.clean(self.clean(record["message"]), multiline=True)


redactor = Redactor()


class _InterceptHandler(logging.Handler):
    """Send standard logging records (Telethon's, asyncio's) to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(exception=record.exc_info, depth=6).bind(name=record.name).log(
            level, "{}: {}", record.name, record.getMessage()
        )


def setup_logging(log_dir: Path, *, debug: bool = False) -> Path:
    """Log to ``log_dir/tgtui.log`` (rotated, kept a while); return the file's path."""
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / "tgtui.log"
    logger.remove()
    logger.configure(patcher=redactor.patch)
    logger.add(
        path,
        level="DEBUG" if debug else "INFO",
        rotation="5 MB",
        retention=5,
        # Written by the thread that logs, under the handler's lock: no queue, no writer
        # thread, no multiprocessing (10-15 ms of every start) and no record pickled on its
        # way; a line is a few µs of a buffered write, and tgtui logs a few lines a chat.
        enqueue=False,
        diagnose=False,
        backtrace=False,
        encoding="utf-8",
    )
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.NOTSET, force=True)
    logging.getLogger("telethon").setLevel(logging.DEBUG if debug else logging.WARNING)
    return path


def stop_logging() -> None:
    """Flush queued records and close the sink (at exit, and between tests)."""
    logger.complete()
    logger.remove()
