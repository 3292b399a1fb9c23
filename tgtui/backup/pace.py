"""Flood limits learned by earlier backups, kept per account for the next run.

The file maps an account id to the pace of each method it was flooded on. A backup that
starts with them spreads its calls from the first request and meets no FLOOD_WAIT where the
limits have not changed. A missing or unreadable file only means starting without them.
"""

from __future__ import annotations

import json
from pathlib import Path

from loguru import logger

from tgtui.backup.files import write_json_atomically
from tgtui.retry import Pace


def load_paces(path: Path, account: int) -> dict[str, Pace]:
    """The paces stored for ``account`` (none if the file is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = data.get(str(account), {}) if isinstance(data, dict) else {}
        return {
            method: Pace(int(value["count"]), float(value["seconds"]))
            for method, value in stored.items()
            if int(value["count"]) > 0 and float(value["seconds"]) > 0
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.warning("{}: flood limits unreadable ({}); starting without them", path, exc)
        return {}


def save_paces(path: Path, account: int, paces: dict[str, Pace]) -> None:
    """Store ``account``'s paces, keeping other accounts' (a failure is logged, not raised)."""
    if not paces:
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[str(account)] = {
        method: {"count": pace.count, "seconds": pace.seconds} for method, pace in paces.items()
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(path, data)
    except OSError as exc:
        logger.warning("{}: could not save flood limits ({})", path, exc)
