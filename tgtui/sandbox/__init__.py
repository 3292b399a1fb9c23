"""A local Telegram server for tests, benchmarks and the offline demo.

It speaks real MTProto on loopback, so the unmodified Telethon client works against it::

    async with running_sandbox(SandboxOptions(world=WorldOptions(dialogs=50))) as server:
        client = TelegramClient(demo_session(server), API_ID, API_HASH)
        await client.connect()
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tgtui.sandbox.crypto import test_rsa_key, trust_test_key
from tgtui.sandbox.faults import Faults, FaultSpecError
from tgtui.sandbox.server import API_HASH, API_ID, DC_ID, SandboxOptions, SandboxServer
from tgtui.sandbox.sessions import blank_session, demo_session, write_demo_session
from tgtui.sandbox.world import (
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_PASSWORD_HINT,
    DEMO_PHONE,
    WorldOptions,
)

__all__ = [
    "API_HASH",
    "API_ID",
    "DC_ID",
    "DEMO_CODE",
    "DEMO_PASSWORD",
    "DEMO_PASSWORD_HINT",
    "DEMO_PHONE",
    "FaultSpecError",
    "Faults",
    "SandboxOptions",
    "SandboxServer",
    "WorldOptions",
    "blank_session",
    "demo_session",
    "running_sandbox",
    "test_rsa_key",
    "trust_test_key",
    "write_demo_session",
]


@asynccontextmanager
async def running_sandbox(options: SandboxOptions | None = None) -> AsyncIterator[SandboxServer]:
    """Start a sandbox on a free loopback port; trust its key in this process; stop it after."""
    trust_test_key()
    server = SandboxServer(options or SandboxOptions())
    await server.start()
    try:
        yield server
    finally:
        await server.close()
