"""The suite itself refuses to leave the machine: a real Telegram address is never dialled."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.conftest import OffLoopbackError


def test_connecting_off_loopback_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(OffLoopbackError):
        sock.connect(("149.154.167.51", 443))  # Telegram's DC 2


async def test_asyncio_connections_off_loopback_are_refused() -> None:
    with pytest.raises(OffLoopbackError):
        await asyncio.open_connection("149.154.167.51", 443)
