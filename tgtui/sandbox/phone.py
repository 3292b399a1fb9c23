"""The demo account's phone: a second device, already signed in, that scans QR login codes.

It is a real client on its own session (the demo key), sending auth.acceptLoginToken as the
Telegram app on a phone does when it scans a code (core.telegram.org/api/qr-login). It runs
on the caller's event loop and reaches the sandbox over loopback like any other device.
"""

from __future__ import annotations

from telethon import TelegramClient
from telethon.tl import functions

from tgtui.sandbox.server import API_HASH, API_ID, SandboxServer
from tgtui.sandbox.sessions import demo_session


async def scan_with_phone(server: SandboxServer, token: bytes) -> None:
    """Accept the QR login ``token`` from the demo account's phone (Telethon's errors, such
    as AuthTokenExpiredError, are the caller's to word)."""
    phone = TelegramClient(demo_session(server), API_ID, API_HASH, receive_updates=False)
    await phone.connect()
    try:
        await phone(functions.auth.AcceptLoginTokenRequest(token=token))
    finally:
        await phone.disconnect()
