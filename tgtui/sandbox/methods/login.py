"""auth.*: phone code login, SRP 2FA, log out, QR login tokens."""

from __future__ import annotations

import os
import time
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.login import BANNED_PHONE, LoginToken, normalize_phone
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import DC_COUNT, DEMO_PHONE, HOME_DC, SELF_ID, ts

TOKEN_TTL = 30.0


def _check_api(call: Call, api_id: int, api_hash: str) -> None:
    from tgtui.sandbox.server import API_HASH, API_ID

    if api_id != API_ID or api_hash != API_HASH:
        raise RpcError(400, "API_ID_INVALID")


def _phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if (
        raw.strip().lstrip("+").replace(" ", "").replace("-", "") != phone
        or not 7 <= len(phone) <= 15
    ):
        raise RpcError(400, "PHONE_NUMBER_INVALID")
    if phone == BANNED_PHONE:
        raise RpcError(400, "PHONE_NUMBER_BANNED")
    return phone


def _sent_code(call: Call, phone: str, code_hash: str, *, sms: bool) -> types.auth.SentCode:
    pending = call.server.login.codes[code_hash]
    if call.server.on_code_sent is not None:
        call.server.on_code_sent(phone, pending.code)
    kind: Any = (
        types.auth.SentCodeTypeSms(length=5) if sms else types.auth.SentCodeTypeApp(length=5)
    )
    return types.auth.SentCode(
        type=kind,
        phone_code_hash=code_hash,
        next_type=None if sms else types.auth.CodeTypeSms(),
        timeout=None if sms else 60,
    )


@handles(functions.auth.SendCodeRequest)
async def send_code(call: Call, request: Any) -> types.auth.SentCode:
    """auth.sendCode: any well-formed number gets a code; only the demo number has an account."""
    _check_api(call, request.api_id, request.api_hash)
    phone = _phone(request.phone_number)
    if call.auth.dc != HOME_DC:  # every number of the world signs in on the home DC
        raise RpcError(303, f"PHONE_MIGRATE_{HOME_DC}")
    code_hash = call.server.login.send_code(phone)
    return _sent_code(call, phone, code_hash, sms=False)


@handles(functions.auth.ResendCodeRequest)
async def resend_code(call: Call, request: Any) -> types.auth.SentCode:
    """auth.resendCode: the same code again, by SMS this time."""
    phone = _phone(request.phone_number)
    if call.server.login.pending(request.phone_code_hash, phone) is None:
        raise RpcError(400, "PHONE_CODE_EXPIRED")
    return _sent_code(call, phone, request.phone_code_hash, sms=True)


@handles(functions.auth.SignInRequest)
async def sign_in(call: Call, request: Any) -> Any:
    """auth.signIn with the code; SESSION_PASSWORD_NEEDED since the demo account has 2FA."""
    phone = _phone(request.phone_number)
    code = (request.phone_code or "").strip()
    if not code:
        raise RpcError(400, "PHONE_CODE_EMPTY")
    pending = call.server.login.pending(request.phone_code_hash, phone)
    if pending is None:
        raise RpcError(400, "PHONE_CODE_EXPIRED")
    if code != pending.code:
        raise RpcError(400, "PHONE_CODE_INVALID")
    del call.server.login.codes[request.phone_code_hash]
    if phone != DEMO_PHONE:
        return types.auth.AuthorizationSignUpRequired()
    call.server.login.code_passed.add(call.auth.key_id)
    raise RpcError(401, "SESSION_PASSWORD_NEEDED")


@handles(functions.auth.CheckPasswordRequest)
async def check_password(call: Call, request: Any) -> types.auth.Authorization:
    """auth.checkPassword: verify the SRP proof of the cloud password."""
    srp = request.password
    if not isinstance(srp, types.InputCheckPasswordSRP):
        raise RpcError(400, "PASSWORD_HASH_INVALID")
    verdict = call.server.login.password.check(srp.srp_id, srp.A, srp.M1)
    if verdict is None:
        raise RpcError(400, "SRP_ID_INVALID")
    if not verdict:
        raise RpcError(400, "PASSWORD_HASH_INVALID")
    if call.auth.key_id not in call.server.login.code_passed:
        raise RpcError(401, "AUTH_KEY_UNREGISTERED")
    call.server.login.code_passed.discard(call.auth.key_id)
    call.server.authorize(call.auth, SELF_ID)
    return types.auth.Authorization(user=call.server.world.me())


@handles(functions.account.GetPasswordRequest)
async def get_password(call: Call, request: Any) -> types.account.Password:
    """account.getPassword: SRP parameters and the hint."""
    return call.server.login.password.challenge()


@handles(functions.auth.LogOutRequest)
async def log_out(call: Call, request: Any) -> types.auth.LoggedOut:
    """auth.logOut: this key is signed out."""
    call.user_id()
    call.auth.user_id = None
    return types.auth.LoggedOut()


def _signed_in_by_token(call: Call, user_id: int) -> Any:
    """A QR login accepted: the account asks for its cloud password first (401
    SESSION_PASSWORD_NEEDED, then account.getPassword and auth.checkPassword), as with a code;
    otherwise this key is signed in."""
    if user_id == SELF_ID:  # the demo account has two-step verification
        call.server.login.code_passed.add(call.auth.key_id)
        raise RpcError(401, "SESSION_PASSWORD_NEEDED")
    call.server.authorize(call.auth, user_id)
    return types.auth.LoginTokenSuccess(
        authorization=types.auth.Authorization(user=call.server.world.user(user_id))
    )


@handles(functions.auth.ExportLoginTokenRequest)
async def export_login_token(call: Call, request: Any) -> Any:
    """auth.exportLoginToken (core.telegram.org/api/qr-login): a token to show as a QR code,
    valid for TOKEN_TTL seconds (the client asks again for a fresh one when it expires).
    Asked again after another session accepted it: the login, or loginTokenMigrateTo when
    this key is not on the account's DC (the client imports the token there)."""
    _check_api(call, request.api_id, request.api_hash)
    login = call.server.login
    tokens = login.tokens
    for token, state in list(tokens.items()):
        if state.key_id == call.auth.key_id and state.accepted_by is not None:
            del tokens[token]
            if call.auth.dc != HOME_DC:
                moved = os.urandom(24)
                tokens[moved] = LoginToken(
                    key_id=0, expires=login.clock() + TOKEN_TTL, accepted_by=state.accepted_by
                )
                return types.auth.LoginTokenMigrateTo(dc_id=HOME_DC, token=moved)
            return _signed_in_by_token(call, state.accepted_by)
    token = os.urandom(24)
    expires = login.clock() + TOKEN_TTL
    tokens[token] = LoginToken(key_id=call.auth.key_id, expires=expires)
    return types.auth.LoginToken(expires=ts(int(expires)), token=token)


@handles(functions.auth.AcceptLoginTokenRequest)
async def accept_login_token(call: Call, request: Any) -> types.Authorization:
    """auth.acceptLoginToken from a signed-in session (the phone that scans the code):
    AUTH_TOKEN_EXPIRED past its time, AUTH_TOKEN_INVALID for what is no token; the waiting
    client is told by updateLoginToken."""
    user_id = call.user_id()
    login = call.server.login
    state = login.tokens.get(request.token)
    if state is None or state.key_id == 0:
        raise RpcError(400, "AUTH_TOKEN_INVALID")
    if state.expires < login.clock():
        raise RpcError(400, "AUTH_TOKEN_EXPIRED")
    if state.accepted_by is not None:
        raise RpcError(400, "AUTH_TOKEN_ALREADY_ACCEPTED")
    state.accepted_by = user_id
    now = int(time.time())
    update = types.UpdateShort(update=types.UpdateLoginToken(), date=ts(now))
    for connection in list(call.server.connections):
        if connection.auth is not None and connection.auth.key_id == state.key_id:
            await connection.push(bytes(update))
    return types.Authorization(
        hash=0,
        device_model="tgtui",
        platform="sandbox",
        system_version="1",
        api_id=0,
        app_name="tgtui sandbox",
        app_version="1",
        date_created=ts(now),
        date_active=ts(now),
        ip="127.0.0.1",
        country="ZZ",
        region="",
    )


@handles(functions.auth.ImportLoginTokenRequest)
async def import_login_token(call: Call, request: Any) -> Any:
    """auth.importLoginToken on the account's DC, with the token loginTokenMigrateTo gave."""
    login = call.server.login
    state = login.tokens.get(request.token)
    if state is None or state.accepted_by is None or state.key_id != 0 or state.dc is not None:
        raise RpcError(400, "AUTH_TOKEN_INVALID")  # (dc: an exportAuthorization token)
    if state.expires < login.clock():
        raise RpcError(400, "AUTH_TOKEN_EXPIRED")
    if call.auth.dc != HOME_DC:
        raise RpcError(400, "AUTH_TOKEN_INVALID")
    del login.tokens[request.token]
    return _signed_in_by_token(call, state.accepted_by)


@handles(functions.auth.ExportAuthorizationRequest)
async def export_authorization(call: Call, request: Any) -> types.auth.ExportedAuthorization:
    """auth.exportAuthorization for a client opening a connection to another DC (one of
    Telegram's five, not the one it asks on: DC_ID_INVALID)."""
    user_id = call.user_id()
    if not 1 <= request.dc_id <= DC_COUNT or request.dc_id == call.auth.dc:
        raise RpcError(400, "DC_ID_INVALID")
    token = os.urandom(32)
    call.server.login.tokens[token] = LoginToken(
        key_id=0, expires=time.time() + TOKEN_TTL, accepted_by=user_id, dc=request.dc_id
    )
    return types.auth.ExportedAuthorization(id=user_id, bytes=token)


@handles(functions.auth.ImportAuthorizationRequest)
async def import_authorization(call: Call, request: Any) -> types.auth.Authorization:
    """auth.importAuthorization on the second connection."""
    state = call.server.login.tokens.pop(request.bytes, None)
    if (
        state is None
        or state.accepted_by is None
        or state.accepted_by != request.id
        or state.dc != call.auth.dc  # exported for another DC
    ):
        raise RpcError(400, "AUTH_BYTES_INVALID")
    call.server.authorize(call.auth, state.accepted_by)
    call.auth.imported = True
    return types.auth.Authorization(user=call.server.world.me())
