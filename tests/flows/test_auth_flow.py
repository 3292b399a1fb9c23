"""The login state machine against the sandbox, through the app's own client."""

from __future__ import annotations

import pytest
from telethon import errors

from tests.conftest import ClientFactory
from tgtui.retry import Wait
from tgtui.sandbox import DEMO_CODE, DEMO_PASSWORD, DEMO_PASSWORD_HINT, DEMO_PHONE, SandboxServer
from tgtui.telegram.auth import LoginFlow, Step
from tgtui.telegram.errors import explain
from tgtui.telegram.service import CLIENT_OPTIONS


async def test_phone_code_password_signs_in(connect: ClientFactory) -> None:
    client = await connect(fresh=True, **CLIENT_OPTIONS)
    flow = LoginFlow(client)
    sent = await flow.send_code("+" + DEMO_PHONE)
    assert flow.step is Step.CODE
    assert sent.delivery.startswith("in your Telegram app")
    assert sent.length == len(DEMO_CODE)
    assert sent.resend_delivery == "by SMS"
    with pytest.raises(errors.PhoneCodeInvalidError):
        await flow.submit_code("11111")
    assert flow.step is Step.CODE  # stays on the step to retry
    assert await flow.submit_code(DEMO_CODE) is Step.PASSWORD
    assert flow.password_hint == DEMO_PASSWORD_HINT
    with pytest.raises(errors.PasswordHashInvalidError):
        await flow.submit_password("wrong")
    assert await flow.submit_password(DEMO_PASSWORD) is Step.DONE
    assert await client.is_user_authorized()


async def test_resend_reports_the_new_delivery(connect: ClientFactory) -> None:
    flow = LoginFlow(await connect(fresh=True, **CLIENT_OPTIONS))
    await flow.send_code(DEMO_PHONE)
    again = await flow.resend_code()
    assert again.delivery == "by SMS"
    assert await flow.submit_code(DEMO_CODE) is Step.PASSWORD


@pytest.mark.parametrize(
    ("phone", "error", "words"),
    [
        ("12", errors.PhoneNumberInvalidError, "not valid"),
        ("", errors.PhoneNumberInvalidError, "not valid"),
        ("9996620000", errors.PhoneNumberBannedError, "banned"),
    ],
)
async def test_bad_phone_numbers(
    connect: ClientFactory, phone: str, error: type[Exception], words: str
) -> None:
    flow = LoginFlow(await connect(fresh=True, **CLIENT_OPTIONS))
    with pytest.raises(error) as caught:
        await flow.send_code(phone)
    assert words in explain(caught.value).text
    assert flow.step is Step.PHONE


async def test_unregistered_number_says_sign_up_is_not_supported(connect: ClientFactory) -> None:
    flow = LoginFlow(await connect(fresh=True, **CLIENT_OPTIONS))
    await flow.send_code("9996625555")
    with pytest.raises(errors.PhoneNumberUnoccupiedError) as caught:
        await flow.submit_code("12345")
    assert "cannot sign up" in explain(caught.value).text


async def test_flood_wait_goes_back_to_the_caller(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    sandbox.faults.apply("flood:auth.sendCode=1/60")
    waits: list[Wait] = []
    flow = LoginFlow(await connect(fresh=True, **CLIENT_OPTIONS), on_wait=waits.append)
    await flow.send_code(DEMO_PHONE)
    with pytest.raises(errors.FloodWaitError) as caught:
        await flow.send_code(DEMO_PHONE)
    assert 55 <= caught.value.seconds <= 60
    assert waits == []  # not slept through: the screen counts down instead
    assert explain(caught.value).wait_seconds == caught.value.seconds


async def test_server_errors_are_retried(connect: ClientFactory, sandbox: SandboxServer) -> None:
    sandbox.faults.apply("rpc500:auth.sendCode=1.0")
    waits: list[Wait] = []
    flow = LoginFlow(await connect(fresh=True, **CLIENT_OPTIONS), on_wait=waits.append)
    with pytest.raises(errors.ServerError):
        await flow.send_code(DEMO_PHONE)
    assert [w.kind for w in waits] == ["transient"] * 3
    assert len(sandbox.log.of("auth.sendCode")) == 4
