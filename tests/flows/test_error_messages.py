"""Errors the real client raises against the sandbox each get one clear message."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import cast

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions

from tests.conftest import ClientFactory
from tgtui.sandbox import DEMO_CODE, DEMO_PHONE, SandboxServer
from tgtui.sandbox.faults import FloodLimit
from tgtui.telegram.errors import explain


async def _raised(call: Awaitable[object]) -> BaseException:
    try:
        await call
    except errors.RPCError as exc:
        return cast(BaseException, exc)
    raise AssertionError("no error was raised")


async def test_login_errors_are_explained(connect: ClientFactory) -> None:
    client = await connect(fresh=True)
    wrong_phone = await _raised(client.send_code_request("123"))
    assert "not valid" in explain(wrong_phone).text
    await client.send_code_request("9996625555")
    unregistered = await _raised(client.sign_in("9996625555", "12345"))
    assert "cannot sign up" in explain(unregistered).text
    await client.send_code_request(DEMO_PHONE)
    wrong_code = await _raised(client.sign_in(DEMO_PHONE, "00000"))
    assert explain(wrong_code).text == "That code is not right. Check it and try again."
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in(DEMO_PHONE, DEMO_CODE)
    wrong_password = await _raised(client.sign_in(password="nope"))
    assert "Wrong password" in explain(wrong_password).text


async def test_flood_wait_carries_its_countdown(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    sandbox.faults.flood["messages.getDialogs"] = FloodLimit(count=1, seconds=42)
    await client.get_dialogs(limit=1)
    flood = await _raised(client.get_dialogs(limit=1))
    explanation = explain(flood)
    assert explanation.wait_seconds == 42
    assert "42 s" in explanation.text


async def test_revoked_session_sends_the_user_back_to_login(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    sandbox.auth.revoke_user((await client.get_me()).id)
    revoked = await _raised(client(functions.updates.GetStateRequest()))
    explanation = explain(revoked)
    assert explanation.sign_in_again
    assert "log in again" in explanation.text


async def test_private_channel_and_unknown_errors(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    world = sandbox.world
    channel = next(world.chat(i) for i in range(len(world)) if world.chat(i).kind.is_channel)
    entity = await client.get_input_entity(channel.marked_id)
    sandbox.faults.private.add(channel.marked_id)
    private = await _raised(client.get_messages(entity, limit=1))
    assert "private" in explain(private).text
    assert "Unexpected error: ValueError" in explain(ValueError("x")).text
