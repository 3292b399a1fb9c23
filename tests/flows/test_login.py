"""Logging in through the key exchange, as a real client does, with every error path."""

from __future__ import annotations

import pytest
from telethon import errors
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import DEMO_CODE, DEMO_PASSWORD, DEMO_PASSWORD_HINT, DEMO_PHONE, SandboxServer


async def test_fresh_login_with_code_and_password(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    client = await connect(fresh=True)
    assert not await client.is_user_authorized()
    sent = await client.send_code_request(DEMO_PHONE)
    assert isinstance(sent.type, types.auth.SentCodeTypeApp)
    assert sent.type.length == len(DEMO_CODE)
    with pytest.raises(errors.PhoneCodeInvalidError):
        await client.sign_in(DEMO_PHONE, "11111")
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in(DEMO_PHONE, DEMO_CODE)
    password = await client(functions.account.GetPasswordRequest())
    assert password.hint == DEMO_PASSWORD_HINT
    with pytest.raises(errors.PasswordHashInvalidError):
        await client.sign_in(password="not-the-password")
    me = await client.sign_in(password=DEMO_PASSWORD)
    assert me.phone == DEMO_PHONE
    assert await client.is_user_authorized()
    assert (await client.get_me()).id == me.id


async def test_phone_errors(connect: ClientFactory) -> None:
    client = await connect(fresh=True)
    with pytest.raises(errors.PhoneNumberInvalidError):
        await client.send_code_request("123")
    with pytest.raises(errors.PhoneNumberBannedError):
        await client.send_code_request("9996620000")


async def test_unregistered_number_needs_sign_up(connect: ClientFactory) -> None:
    client = await connect(fresh=True)
    await client.send_code_request("9996625555")
    with pytest.raises(errors.PhoneNumberUnoccupiedError):
        await client.sign_in("9996625555", "12345")


async def test_empty_and_expired_codes(connect: ClientFactory) -> None:
    client = await connect(fresh=True)
    sent = await client.send_code_request(DEMO_PHONE)
    with pytest.raises(errors.PhoneCodeEmptyError):
        await client(functions.auth.SignInRequest(DEMO_PHONE, sent.phone_code_hash, ""))
    with pytest.raises(errors.PhoneCodeExpiredError):
        await client(functions.auth.SignInRequest(DEMO_PHONE, "not-a-hash", DEMO_CODE))


async def test_resend_switches_to_sms_and_keeps_the_code(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    delivered: list[tuple[str, str]] = []
    sandbox.on_code_sent = lambda phone, code: delivered.append((phone, code))
    client = await connect(fresh=True)
    first = await client.send_code_request(DEMO_PHONE)
    again = await client.send_code_request(DEMO_PHONE)  # a second request resends
    assert isinstance(again.type, types.auth.SentCodeTypeSms)
    assert again.phone_code_hash == first.phone_code_hash
    assert delivered == [(DEMO_PHONE, DEMO_CODE)] * 2


async def test_log_out_unregisters_the_key(client: object) -> None:
    from telethon import TelegramClient

    assert isinstance(client, TelegramClient)
    assert await client.log_out()


async def test_revoked_session_gets_auth_key_unregistered(
    client: object, sandbox: SandboxServer
) -> None:
    from telethon import TelegramClient

    assert isinstance(client, TelegramClient)
    assert sandbox.auth.revoke_user((await client.get_me()).id) >= 1
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await client(functions.users.GetFullUserRequest(types.InputUserSelf()))


async def test_qr_login_token_accepted_by_another_session(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    signed_in = await connect()
    fresh = await connect(fresh=True)
    qr = await fresh.qr_login()
    await signed_in(functions.auth.AcceptLoginTokenRequest(token=qr.token))
    # The demo account has two-step verification: the password comes after the scan
    # (core.telegram.org/api/qr-login), as after a code.
    with pytest.raises(errors.SessionPasswordNeededError):
        await qr.wait(timeout=10)
    user = await fresh.sign_in(password=DEMO_PASSWORD)
    assert user.phone == DEMO_PHONE
    assert await fresh.is_user_authorized()
