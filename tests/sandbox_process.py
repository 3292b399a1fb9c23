"""Run `tgtui sandbox` as a separate process, for CLI tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

from telethon.crypto import rsa


async def start_sandbox_process(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """Start `tgtui sandbox ARGS`, read its one JSON line, trust its RSA key in this process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tgtui",
        "sandbox",
        *args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    info: dict[str, Any] = json.loads(line)
    rsa.add_key(info["rsa_public_key"], old=False)
    return process, info
