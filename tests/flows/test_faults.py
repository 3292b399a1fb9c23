"""Each fault the sandbox injects, observed through a real Telethon client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions
from tgtui.sandbox.faults import FloodLimit


async def _first(items: AsyncIterator[Any], matches: Callable[[Any], object]) -> Any:
    """The first item of an async iterator that matches."""
    async for item in items:
        if matches(item):
            return item
    raise AssertionError("no matching item")


async def _history(client: TelegramClient, sandbox: SandboxServer, index: int = 0) -> object:
    entity = await client.get_input_entity(sandbox.world.chat(index).marked_id)
    return await client(functions.messages.GetHistoryRequest(entity, 0, None, 0, 5, 0, 0, 0))


async def test_flood_wait_reports_true_remaining_seconds(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    await client.get_input_entity(sandbox.world.chat(0).marked_id)
    sandbox.faults.flood["messages.getHistory"] = FloodLimit(count=3, seconds=2)
    for _ in range(3):
        await _history(client, sandbox)
    with pytest.raises(errors.FloodWaitError) as caught:
        await _history(client, sandbox)
    assert caught.value.seconds == 2
    await asyncio.sleep(caught.value.seconds)
    await _history(client, sandbox)  # honoured exactly: accepted again
    history = sandbox.log.of("messages.getHistory")
    flood = next(e for e in history if e.error == "FLOOD_WAIT_2")
    after = [e for e in history if e.at > flood.at]
    assert after
    assert after[0].at >= flood.at + 2
    assert after[0].error is None


async def test_flood_limits_are_per_method(client: TelegramClient, sandbox: SandboxServer) -> None:
    sandbox.faults.flood["messages.getDialogs"] = FloodLimit(count=1, seconds=60)
    await client.get_dialogs(limit=5)
    with pytest.raises(errors.FloodWaitError):
        await client.get_dialogs(limit=5)
    await _history(client, sandbox)  # another method is not paused


async def test_latency_delays_answers(client: TelegramClient, sandbox: SandboxServer) -> None:
    sandbox.faults.latency = 0.2
    started = time.monotonic()
    await _history(client, sandbox)
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(("fault", "value"), [("drop_after", 4), ("drop_rate", 0.2)])
async def test_dropped_connections_are_survived_without_loss(
    client: TelegramClient, sandbox: SandboxServer, fault: str, value: float
) -> None:
    entity = await client.get_entity(sandbox.world.chat(0).marked_id)
    setattr(sandbox.faults, fault, value)
    messages = [m async for m in client.iter_messages(entity, limit=1000, wait_time=0)]
    ids = [m.id for m in messages]
    assert len(ids) == len(set(ids)) == 1000
    assert ids == sorted(ids, reverse=True)
    assert len(sandbox.log.of("messages.getHistory")) >= 10


async def test_rpc_500_is_retried_by_the_client(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    await client.get_input_entity(sandbox.world.chat(0).marked_id)
    sandbox.faults.rpc500["messages.getHistory"] = 1.0
    with pytest.raises(ValueError, match="unsuccessful"):  # Telethon gives up after retrying
        await _history(client, sandbox)
    failures = [e for e in sandbox.log.of("messages.getHistory") if e.error == "INTERNAL"]
    assert len(failures) >= 2
    sandbox.faults.rpc500.clear()
    await _history(client, sandbox)


async def test_private_chat(client: TelegramClient, sandbox: SandboxServer) -> None:
    chat = next(
        sandbox.world.chat(i)
        for i in range(len(sandbox.world))
        if sandbox.world.chat(i).kind.is_channel
    )
    entity = await client.get_input_entity(chat.marked_id)
    sandbox.faults.private.add(chat.marked_id)
    with pytest.raises(errors.ChannelPrivateError):
        await client(functions.messages.GetHistoryRequest(entity, 0, None, 0, 5, 0, 0, 0))
    dialogs = await client.get_dialogs()
    forbidden = [d for d in dialogs if d.id == chat.marked_id]
    assert not forbidden or isinstance(forbidden[0].entity, types.ChannelForbidden)


@pytest.mark.parametrize(  # files on the account's DC: the raw getFile goes to the main connection
    "sandbox_options",
    [SandboxOptions(world=WorldOptions(seed=7, dialogs=120, messages=1500, media_dc=2))],
)
async def test_file_reference_expires_and_refetch_renews_it(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    entity = await client.get_entity(sandbox.world.chat(0).marked_id)
    message = await _first(client.iter_messages(entity, wait_time=0), lambda m: m.document)
    clock = [time.time()]
    sandbox.history.file_reference_clock = lambda: clock[0]
    sandbox.faults.file_reference_ttl = 60
    stale = message.document
    clock[0] += 3600
    location = types.InputDocumentFileLocation(
        stale.id, stale.access_hash, stale.file_reference, ""
    )
    with pytest.raises(errors.FileReferenceExpiredError):
        await client(functions.upload.GetFileRequest(location, 0, 4096))
    fresh = (await client.get_messages(entity, ids=[message.id]))[0].document
    assert fresh.file_reference != stale.file_reference
    location = types.InputDocumentFileLocation(
        fresh.id, fresh.access_hash, fresh.file_reference, ""
    )
    assert (await client(functions.upload.GetFileRequest(location, 0, 4096))).bytes


async def test_takeout_session_and_its_init_delay(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    sandbox.faults.takeout_delay = 3600
    with pytest.raises(errors.TakeoutInitDelayError) as caught:
        await client(functions.account.InitTakeoutSessionRequest())
    assert caught.value.seconds == 3600
    sandbox.faults.takeout_delay = None
    takeout = await client(functions.account.InitTakeoutSessionRequest())
    entity = await client.get_input_entity(sandbox.world.chat(0).marked_id)
    inner = functions.messages.GetHistoryRequest(entity, 0, None, 0, 5, 0, 0, 0)
    await client(functions.InvokeWithTakeoutRequest(takeout.id, inner))
    assert sandbox.log.of("messages.getHistory")[-1].takeout
    with pytest.raises(errors.TakeoutInvalidError):
        await client(functions.InvokeWithTakeoutRequest(takeout.id + 1, inner))


async def test_bandwidth_cap(client: TelegramClient, sandbox: SandboxServer) -> None:
    entity = await client.get_entity(sandbox.world.chat(0).marked_id)
    doc = (
        await _first(
            client.iter_messages(entity, wait_time=0),
            lambda m: m.document and m.document.size > 300_000,
        )
    ).document
    sandbox.faults.bandwidth = 1_000_000
    started = time.monotonic()
    await client.download_media(doc, file=bytes)
    assert time.monotonic() - started >= doc.size / 1_000_000 * 0.9


async def test_unknown_method_gets_telegrams_error_and_the_log_names_it(
    client: TelegramClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram's error strings carry no detail (capitals, digits, underscores: Telethon then
    # raises the typed error); which method it was goes to the sandbox's log.
    with pytest.raises(errors.InputMethodInvalidError):
        await client(
            functions.stickers.CreateStickerSetRequest(
                user_id=types.InputUserSelf(), title="x", short_name="x", stickers=[]
            )
        )
    assert "stickers.createStickerSet is not served by the sandbox" in caplog.text


async def test_every_transport_works(connect: ClientFactory) -> None:
    from telethon import connection

    for transport in (
        connection.ConnectionTcpFull,
        connection.ConnectionTcpIntermediate,
        connection.ConnectionTcpAbridged,
    ):
        fresh = await connect(fresh=True, connection=transport)
        assert not await fresh.is_user_authorized()
        signed = await connect(connection=transport)
        assert (await signed.get_me()).is_self
