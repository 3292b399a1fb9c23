"""What clients ask for as they start, answered as Telegram answers an account that set
nothing up: messages.setTyping, help.getAppConfig, messages.getDialogFilters,
account.getAuthorizations, langpack.getLangPack, messages.getAvailableReactions and
account.getNotifySettings. Each answer is minimal but valid: the constructor Telegram sends,
with what the sandbox's world has (its dialogs' notification settings, the account's
sessions) and nothing it does not (no folders, no language strings, no reaction list)."""

from __future__ import annotations

import time
import zlib
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import resolve
from tgtui.sandbox.rpc import Call, handles
from tgtui.sandbox.world import ts

AUTHORIZATION_TTL_DAYS = 180  # sessions unused this long end (Telegram's default)
# The client configuration (core.telegram.org/api/config#client-configuration): no keys, so
# every client falls back to its own defaults.
APP_CONFIG = types.JsonObject(value=[])
LANG_PACK_VERSION = 1


@handles(functions.messages.SetTypingRequest)
async def set_typing(call: Call, request: Any) -> bool:
    """messages.setTyping (core.telegram.org/method/messages.setTyping): true for a chat the
    account may write to (the other side is not told: no one is watching)."""
    call.user_id()
    resolve(call.server, request.peer)
    return True


def app_config_hash(config: types.TypeJSONValue) -> int:
    """A stable, non-zero hash of the configuration: a client sending it back is told
    help.appConfigNotModified."""
    return (zlib.crc32(bytes(config)) & 0x7FFFFFFF) or 1


@handles(functions.help.GetAppConfigRequest)
async def get_app_config(call: Call, request: Any) -> types.help.TypeAppConfig:
    """help.getAppConfig (core.telegram.org/method/help.getAppConfig): the configuration
    and its hash, or help.appConfigNotModified when the client has it already."""
    hash_ = app_config_hash(APP_CONFIG)
    if request.hash == hash_:
        return types.help.AppConfigNotModified()
    return types.help.AppConfig(hash=hash_, config=APP_CONFIG)


@handles(functions.messages.GetDialogFiltersRequest)
async def get_dialog_filters(call: Call, request: Any) -> types.messages.DialogFilters:
    """messages.getDialogFilters (core.telegram.org/method/messages.getDialogFilters): the
    account made no folders, so only the default one, "All chats"
    (core.telegram.org/constructor/dialogFilterDefault)."""
    call.user_id()
    return types.messages.DialogFilters(filters=[types.DialogFilterDefault()])


@handles(functions.account.GetAuthorizationsRequest)
async def get_authorizations(call: Call, request: Any) -> types.account.Authorizations:
    """account.getAuthorizations (core.telegram.org/method/account.getAuthorizations): one
    authorization per auth key signed in to the account (a key authorized only for files on
    another DC is part of its session, not one of its own), the one asking first, marked
    ``current`` with hash 0 as Telegram marks it."""
    from tgtui.sandbox.server import API_ID  # the server imports the handlers

    user_id = call.user_id()
    now = ts(int(time.time()))
    keys = [
        record for record in call.server.auth if record.user_id == user_id and not record.imported
    ]
    keys.sort(key=lambda record: record is not call.auth)
    authorizations = [
        types.Authorization(
            hash=0 if record is call.auth else (record.key_id & (2**63 - 1)) or 1,
            device_model="tgtui sandbox",
            platform="sandbox",
            system_version="1",
            api_id=API_ID,
            app_name="tgtui sandbox",
            app_version="1",
            date_created=now,
            date_active=now,
            ip="127.0.0.1",
            country="",
            region="",
            current=(record is call.auth) or None,
        )
        for record in keys
    ]
    return types.account.Authorizations(
        authorization_ttl_days=AUTHORIZATION_TTL_DAYS, authorizations=authorizations
    )


@handles(functions.langpack.GetLangPackRequest)
async def get_lang_pack(call: Call, request: Any) -> types.LangPackDifference:
    """langpack.getLangPack (core.telegram.org/method/langpack.getLangPack): the language
    pack asked for, with no strings (a client keeps its built-in ones)."""
    return types.LangPackDifference(
        lang_code=request.lang_code, from_version=0, version=LANG_PACK_VERSION, strings=[]
    )


@handles(functions.messages.GetAvailableReactionsRequest)
async def get_available_reactions(
    call: Call, request: Any
) -> types.messages.TypeAvailableReactions:
    """messages.getAvailableReactions (core.telegram.org/method/messages.getAvailableReactions):
    no reaction animations to offer: an empty list, whose hash is 0 (what a client with
    nothing cached sends), so it is always the whole answer."""
    call.user_id()
    return types.messages.AvailableReactions(hash=0, reactions=[])


@handles(functions.account.GetNotifySettingsRequest)
async def get_notify_settings(call: Call, request: Any) -> types.PeerNotifySettings:
    """account.getNotifySettings (core.telegram.org/method/account.getNotifySettings): a
    chat's (or a topic's chat's) settings, muted for muted dialogs as getDialogs says; the
    account-wide defaults for all private chats, groups or channels: previews shown, not
    muted."""
    call.user_id()
    peer = request.peer
    if isinstance(peer, types.InputNotifyPeer | types.InputNotifyForumTopic):
        return call.server.world.notify_settings(resolve(call.server, peer.peer))
    return types.PeerNotifySettings(show_previews=True, silent=False)
