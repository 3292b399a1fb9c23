"""The methods clients call as they start, answered with Telegram's constructors (not "no
such method"), with plain Telethon calls.

References (core.telegram.org):
- /method/messages.setTyping: Bool;
- /method/help.getAppConfig: help.appConfig with a ``hash``, help.appConfigNotModified when
  the client sends that hash back (/api/config#client-configuration);
- /method/messages.getDialogFilters: messages.dialogFilters; /constructor/dialogFilterDefault,
  the "All chats" folder;
- /method/account.getAuthorizations: account.authorizations, one authorization per logged-in
  session, the ``current`` one with hash 0 (/constructor/authorization);
- /method/langpack.getLangPack: langPackDifference for the language asked;
- /method/messages.getAvailableReactions: messages.availableReactions;
- /method/account.getNotifySettings: peerNotifySettings of a chat (as its dialog has them)
  or of a whole kind of chat.
"""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tests.conftest import ClientFactory
from tgtui.sandbox import API_ID, SandboxServer
from tgtui.sandbox.world import DEMO_CODE, DEMO_PASSWORD, DEMO_PHONE, Kind


async def test_typing_is_accepted_in_a_chat_and_refused_for_an_unknown_peer(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    dialog = await anext(aiter(client.iter_dialogs(limit=1)))
    assert await client(
        functions.messages.SetTypingRequest(dialog.input_entity, types.SendMessageTypingAction())
    )
    stranger = types.InputPeerUser(user_id=dialog.id + 99_999_999, access_hash=1)
    with pytest.raises(errors.PeerIdInvalidError):
        await client(functions.messages.SetTypingRequest(stranger, types.SendMessageTypingAction()))


async def test_app_config_has_a_hash_and_is_not_sent_twice(client: TelegramClient) -> None:
    config = await client(functions.help.GetAppConfigRequest(hash=0))
    assert isinstance(config, types.help.AppConfig)
    assert isinstance(config.config, types.JsonObject)
    assert config.hash != 0
    again = await client(functions.help.GetAppConfigRequest(hash=config.hash))
    assert isinstance(again, types.help.AppConfigNotModified)


async def test_an_account_without_folders_has_the_default_one(client: TelegramClient) -> None:
    filters = await client(functions.messages.GetDialogFiltersRequest())
    assert isinstance(filters, types.messages.DialogFilters)
    assert [type(f) for f in filters.filters] == [types.DialogFilterDefault]


async def test_authorizations_list_each_session_the_current_one_first(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    """A second login (its own auth key) is a second authorization; each client sees its
    own first, as ``current`` with hash 0, and the other with a hash to end it by."""
    demo = await connect()
    fresh = await connect(fresh=True)
    await fresh.send_code_request(DEMO_PHONE)
    with pytest.raises(errors.SessionPasswordNeededError):
        await fresh.sign_in(DEMO_PHONE, DEMO_CODE)
    await fresh.sign_in(password=DEMO_PASSWORD)
    answer = await demo(functions.account.GetAuthorizationsRequest())
    assert isinstance(answer, types.account.Authorizations)
    assert answer.authorization_ttl_days > 0
    mine, theirs = answer.authorizations
    assert mine.current
    assert mine.hash == 0
    assert not theirs.current
    assert theirs.hash != 0
    assert mine.api_id == theirs.api_id == API_ID
    seen_by_fresh = (await fresh(functions.account.GetAuthorizationsRequest())).authorizations
    assert [bool(a.current) for a in seen_by_fresh] == [True, False]
    assert seen_by_fresh[1].hash not in (0, theirs.hash)


async def test_a_language_pack_is_answered_for_the_language_asked(
    client: TelegramClient,
) -> None:
    pack = await client(functions.langpack.GetLangPackRequest(lang_pack="tdesktop", lang_code="pt"))
    assert isinstance(pack, types.LangPackDifference)
    assert pack.lang_code == "pt"
    assert pack.version >= pack.from_version == 0


async def test_available_reactions_are_answered(client: TelegramClient) -> None:
    reactions = await client(functions.messages.GetAvailableReactionsRequest(hash=0))
    assert isinstance(reactions, types.messages.AvailableReactions)


async def test_notify_settings_of_a_chat_match_its_dialog(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    dialogs = [d async for d in client.iter_dialogs(limit=60)]
    muted = next(d for d in dialogs if d.dialog.notify_settings.mute_until)
    loud = next(d for d in dialogs if not d.dialog.notify_settings.mute_until)
    for dialog in (muted, loud):
        settings = await client(
            functions.account.GetNotifySettingsRequest(types.InputNotifyPeer(dialog.input_entity))
        )
        assert isinstance(settings, types.PeerNotifySettings)
        assert settings.mute_until == dialog.dialog.notify_settings.mute_until
    for kind in (types.InputNotifyUsers(), types.InputNotifyChats(), types.InputNotifyBroadcasts()):
        settings = await client(functions.account.GetNotifySettingsRequest(kind))
        assert isinstance(settings, types.PeerNotifySettings)
        assert not settings.mute_until
    channel = next(
        sandbox.world.chat(i)
        for i in range(len(sandbox.world))
        if sandbox.world.chat(i).kind is Kind.CHANNEL
    )
    wrong = types.InputPeerChannel(channel_id=channel.bare_id, access_hash=channel.access_hash + 1)
    with pytest.raises(errors.ChannelInvalidError):
        await client(functions.account.GetNotifySettingsRequest(types.InputNotifyPeer(wrong)))
