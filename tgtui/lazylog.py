"""loguru's logger, imported when a line is first logged, not when a module is imported.

`tgtui search`, `tgtui export --help` and the reader's first screen import modules that may
log a warning but usually do not; loguru (and the asyncio it brings) costs them ~30 ms of a
cold start. `tgtui.cli` sets LOGURU_AUTOINIT=False first, so loguru, whenever it loads, adds
no sink of its own on the terminal; `tgtui.log.setup_logging` adds the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from loguru import Logger


class _LoggerOnDemand:
    """Stands for loguru's logger; the first attribute asked for imports it."""

    def __getattr__(self, name: str) -> Any:
        from loguru import logger as real

        return getattr(real, name)


logger = cast("Logger", _LoggerOnDemand())
