"""Shared fixtures: a sandbox per test and real Telethon clients pointed at it."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from telethon import TelegramClient

from tgtui import i18n
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
    blank_session,
    demo_session,
    running_sandbox,
)

ClientFactory = Callable[..., Awaitable[TelegramClient]]


class OffLoopbackError(ConnectionRefusedError):
    """A test tried to reach an address outside this machine."""


def _loopback_only(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook: tests talk to the sandbox on loopback and nothing else (no real Telegram)."""
    if event != "socket.connect" or len(args) < 2:
        return
    address = args[1]
    if not isinstance(address, tuple) or not address:
        return  # Unix sockets and the like
    try:
        ip = ipaddress.ip_address(address[0])
    except ValueError:
        return  # a name: resolving it is refused below by the same hook
    if not ip.is_loopback:
        raise OffLoopbackError(f"tests may only connect to loopback, not {address!r}")


sys.addaudithook(_loopback_only)

# The suite reads what tgtui says in English, whatever the developer's locale: tests of the
# Portuguese choose it themselves (i18n.use, or LANG in a child's environment).
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
    os.environ.pop(_variable, None)
os.environ["LC_ALL"] = "C.UTF-8"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Each test starts in English and leaves English behind (the language is per process)."""
    i18n.use(i18n.ENGLISH)
    yield
    i18n.use(i18n.ENGLISH)


@pytest.fixture
def portuguese() -> None:
    """tgtui in Brazilian Portuguese for this test (ask for it before the app is made);
    `_english` puts English back after."""
    i18n.use(i18n.PORTUGUESE)


@pytest.fixture(autouse=True)
def _fresh_dc_config() -> Iterator[None]:
    """Telethon caches help.getConfig (the DC addresses) on the TelegramClient class, for the
    whole process. Each test runs its own sandbox on its own port, so each starts without it
    (else a cross-DC media download dials the previous test's closed port)."""
    TelegramClient._config = None
    yield
    TelegramClient._config = None


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world; tests override this fixture or mutate faults for what they check."""
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=120, messages=1500))


@pytest.fixture
async def sandbox(sandbox_options: SandboxOptions) -> AsyncIterator[SandboxServer]:
    """A running sandbox on a free loopback port."""
    async with running_sandbox(sandbox_options) as server:
        yield server


@pytest.fixture
async def connect(sandbox: SandboxServer) -> AsyncIterator[ClientFactory]:
    """Make connected Telethon clients (signed in unless fresh=True; a fresh one to another
    DC's port with dc=N); all closed at the end."""
    clients: list[TelegramClient] = []

    async def make(
        *, fresh: bool = False, dc: int | None = None, **kwargs: object
    ) -> TelegramClient:
        session = blank_session(sandbox) if fresh else demo_session(sandbox)
        if dc is not None:
            session.set_dc(dc, sandbox.host, sandbox.dc_ports[dc])
        kwargs.setdefault("flood_sleep_threshold", 0)
        client = TelegramClient(session, API_ID, API_HASH, **kwargs)
        clients.append(client)
        await client.connect()
        return client

    yield make
    for client in clients:
        await client.disconnect()


@pytest.fixture
async def client(connect: ClientFactory, sandbox: SandboxServer) -> TelegramClient:
    """A signed-in client that has listed its dialogs (so it knows every chat's access hash)."""
    made = await connect()
    await made.get_dialogs()
    await made.get_dialogs(archived=True)
    sandbox.log.clear()
    return made


@pytest.fixture
async def app_client(connect: ClientFactory, sandbox: SandboxServer) -> TelegramClient:
    """Like `client`, built as the app builds its own (Telethon's hidden retries off)."""
    from tgtui.telegram.service import CLIENT_OPTIONS

    made = await connect(**CLIENT_OPTIONS)
    await made.get_dialogs()
    await made.get_dialogs(archived=True)
    sandbox.log.clear()
    return made
