"""What clients ask for as they start, answered as Telegram answers an account that set
nothing up: messages.setTyping, help.getAppConfig, messages.getDialogFilters,
langpack.getLangPack, messages.getAvailableReactions and account.getNotifySettings. Each
answer is minimal but valid: the constructor Telegram sends, with what the sandbox's world
has (its dialogs' notification settings) and nothing it does not (no folders, no language
strings, no reaction list). The account's sessions: `tgtui.sandbox.methods.sessions`."""

from __future__ import annotations

import zlib
from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import resolve
from tgtui.sandbox.rpc import Call, handles

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
