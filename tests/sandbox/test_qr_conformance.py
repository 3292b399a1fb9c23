"""QR login against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/qr-login: auth.exportLoginToken gives a token (shown as tg://login?token=base64url)
  valid until `expires`, to export again when it lapses; a signed-in app accepts it with
  auth.acceptLoginToken; the waiting client gets updateLoginToken and calls
  auth.exportLoginToken again: auth.loginTokenSuccess, or auth.loginTokenMigrateTo (import
  the token with auth.importLoginToken on that DC); SESSION_PASSWORD_NEEDED for a 2FA account;
- /method/auth.acceptLoginToken: AUTH_TOKEN_EXPIRED, AUTH_TOKEN_INVALID,
  AUTH_TOKEN_ALREADY_ACCEPTED.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from telethon import TelegramClient, errors, events
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import API_HASH, API_ID, DEMO_PASSWORD, SandboxServer


async def _export(client: TelegramClient) -> Any:
    return await client(functions.auth.ExportLoginTokenRequest(API_ID, API_HASH, except_ids=[]))


async def test_a_scanned_token_signs_in_after_the_password(
    connect: ClientFactory, client: TelegramClient
) -> None:
    waiting = await connect(fresh=True)
    told = asyncio.Event()

    async def on_token(update: Any) -> None:
        told.set()

    waiting.add_event_handler(on_token, events.Raw(types.UpdateLoginToken))
    token = await _export(waiting)
    assert isinstance(token, types.auth.LoginToken)
    lifetime = (token.expires - dt.datetime.now(dt.UTC)).total_seconds()
    assert 20 <= lifetime <= 31
    accepted = await client(functions.auth.AcceptLoginTokenRequest(token.token))
    assert isinstance(accepted, types.Authorization)
    await asyncio.wait_for(told.wait(), 5)
    with pytest.raises(errors.SessionPasswordNeededError):
        await _export(waiting)
    await waiting.sign_in(password=DEMO_PASSWORD)
    assert (await waiting.get_me()).is_self
    with pytest.raises(errors.AuthTokenInvalidError):  # used up
        await client(functions.auth.AcceptLoginTokenRequest(token.token))


async def test_a_token_is_refused_once_expired_or_already_accepted(
    connect: ClientFactory, client: TelegramClient, sandbox: SandboxServer
) -> None:
    waiting = await connect(fresh=True)
    token = await _export(waiting)
    later = time.time() + 31
    sandbox.login.clock = lambda: later
    with pytest.raises(errors.AuthTokenExpiredError):
        await client(functions.auth.AcceptLoginTokenRequest(token.token))
    sandbox.login.clock = time.time
    fresh_token = await _export(waiting)
    await client(functions.auth.AcceptLoginTokenRequest(fresh_token.token))
    with pytest.raises(errors.AuthTokenAlreadyAcceptedError):
        await client(functions.auth.AcceptLoginTokenRequest(fresh_token.token))
    with pytest.raises(errors.AuthTokenInvalidError):
        await client(functions.auth.AcceptLoginTokenRequest(b"made up"))


async def test_a_login_on_another_dc_is_moved_to_the_accounts(
    connect: ClientFactory, client: TelegramClient
) -> None:
    elsewhere = await connect(fresh=True, dc=4)
    token = await _export(elsewhere)
    await client(functions.auth.AcceptLoginTokenRequest(token.token))
    moved = await _export(elsewhere)
    assert isinstance(moved, types.auth.LoginTokenMigrateTo)
    assert moved.dc_id == 2
    with pytest.raises(errors.AuthTokenInvalidError):  # redeemed on the account's DC only
        await elsewhere(functions.auth.ImportLoginTokenRequest(moved.token))
    home = await connect(fresh=True)
    with pytest.raises(errors.SessionPasswordNeededError):
        await home(functions.auth.ImportLoginTokenRequest(moved.token))
    await home.sign_in(password=DEMO_PASSWORD)
    assert (await home.get_me()).is_self
