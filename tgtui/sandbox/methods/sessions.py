"""The account's sessions and the websites it logged in to: account.getAuthorizations,
account.resetAuthorization, account.getWebAuthorizations, account.resetWebAuthorization."""

from __future__ import annotations

import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.state import AuthKeyRecord
from tgtui.sandbox.world import ts

AUTHORIZATION_TTL_DAYS = 180  # sessions unused this long end (Telegram's default)


def _key_hash(record: AuthKeyRecord) -> int:
    """The hash a real auth key's session is listed (and ended) by."""
    return (record.key_id & (2**63 - 1)) or 1


@handles(functions.account.GetAuthorizationsRequest)
async def get_authorizations(call: Call, request: Any) -> types.account.Authorizations:
    """account.getAuthorizations (core.telegram.org/method/account.getAuthorizations): one
    authorization per auth key signed in to the account (a key authorized only for files on
    another DC is part of its session, not one of its own), the one asking first, marked
    ``current`` with hash 0 as Telegram marks it; then the world's other devices
    (WorldOptions.devices), each with its hash."""
    from tgtui.sandbox.server import API_ID  # the server imports the handlers

    user_id = call.user_id()
    now = ts(int(time.time()))
    keys = [
        record for record in call.server.auth if record.user_id == user_id and not record.imported
    ]
    keys.sort(key=lambda record: record is not call.auth)
    authorizations = [
        types.Authorization(
            hash=0 if record is call.auth else _key_hash(record),
            device_model="tgtui sandbox",
            platform="sandbox",
            system_version="1",
            api_id=API_ID,
            app_name="tgtui sandbox",
            app_version="1",
            date_created=ts(int(record.created)),  # when the key was signed in, not now
            date_active=now,
            ip="127.0.0.1",
            country="",
            region="",
            current=(record is call.auth) or None,
        )
        for record in keys
    ]
    authorizations += call.server.account.devices()
    return types.account.Authorizations(
        authorization_ttl_days=AUTHORIZATION_TTL_DAYS, authorizations=authorizations
    )


@handles(functions.account.ResetAuthorizationRequest)
async def reset_authorization(call: Call, request: Any) -> bool:
    """account.resetAuthorization (core.telegram.org/method/account.resetAuthorization): end
    another session by its hash (its key is signed out); HASH_INVALID for none."""
    user_id = call.user_id()
    server = call.server
    if request.hash and server.account.end_session(request.hash):
        return True
    for record in server.auth:
        mine = record.user_id == user_id and not record.imported and record is not call.auth
        if mine and request.hash and _key_hash(record) == request.hash:
            record.user_id = None
            return True
    raise RpcError(400, "HASH_INVALID")


@handles(functions.account.GetWebAuthorizationsRequest)
async def get_web_authorizations(call: Call, request: Any) -> types.account.WebAuthorizations:
    """account.getWebAuthorizations (core.telegram.org/method/account.getWebAuthorizations):
    the websites logged in with Telegram, and the bots they log in through."""
    call.user_id()
    server = call.server
    web = server.account.web_sessions()
    bots = {w.bot_id: server.world.user(w.bot_id) for w in web}
    return types.account.WebAuthorizations(
        authorizations=web, users=[bot for bot in bots.values() if bot is not None]
    )


@handles(functions.account.ResetWebAuthorizationRequest)
async def reset_web_authorization(call: Call, request: Any) -> bool:
    """account.resetWebAuthorization: log out of one website; HASH_INVALID for none."""
    call.user_id()
    if not call.server.account.end_web_session(request.hash):
        raise RpcError(400, "HASH_INVALID")
    return True
