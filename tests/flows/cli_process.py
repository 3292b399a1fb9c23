"""Running `python -m tgtui ...` as a user would, against a sandbox process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROXY_VARIABLES = ("all_proxy", "https_proxy", "http_proxy", "no_proxy")


def cli_env(home: Path, info: dict[str, Any]) -> dict[str, str]:
    """A clean environment: a fresh HOME, the sandbox's api_id/api_hash, no TGTUI_/XDG_, no
    proxy of the developer's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TGTUI_", "XDG_")) and k.lower() not in PROXY_VARIABLES
    }
    env.update(HOME=str(home), TGTUI_API_ID=str(info["api_id"]), TGTUI_API_HASH=info["api_hash"])
    return env


async def run_tgtui(
    home: Path,
    info: dict[str, Any],
    *args: str,
    within: float = 120,
    environ: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """`tgtui ARGS --session <the sandbox's>`: exit code, stdout, stderr (a pipe, not a
    terminal, as under cron), ``environ`` added to `cli_env`'s. Killed, and the test failed,
    if it has not ended ``within`` seconds."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", *args, "--session", info["session"],
        env={**cli_env(home, info), **(environ or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"tgtui {' '.join(args)} had not ended after {within} s") from None
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
