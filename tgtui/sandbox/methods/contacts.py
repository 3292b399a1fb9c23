"""contacts.getContacts, contacts.getSaved, contacts.getTopPeers, contacts.toggleTopPeers and
contacts.resetTopPeerRating: the account's contacts and frequent contacts
(`tgtui.sandbox.account_data`)."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.methods.common import numbers_hash, resolve
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import Kind, ts


@handles(functions.contacts.GetContactsRequest)
async def get_contacts(call: Call, request: Any) -> Any:
    """contacts.getContacts (/method/contacts.getContacts): every contact with its user;
    contacts.contactsNotModified when ``hash`` is the hash of the contacts' user ids, in
    ascending order, as they are now (/api/offsets#hash-generation)."""
    call.user_id()
    server = call.server
    contacts = server.account.contacts()
    if request.hash and request.hash == numbers_hash(c.user_id for c in contacts):
        return types.contacts.ContactsNotModified()
    users = [u for c in contacts if (u := server.world.user(c.user_id)) is not None]
    return types.contacts.Contacts(
        contacts=[types.Contact(user_id=c.user_id, mutual=c.mutual) for c in contacts],
        saved_count=len(contacts),
        users=users,
    )


@handles(functions.contacts.GetSavedRequest)
async def get_saved(call: Call, request: Any) -> list[types.SavedPhoneContact]:
    """contacts.getSaved (/method/contacts.getSaved): the contacts as saved in the phone
    book, each with the date it was added; only in a takeout session (403
    TAKEOUT_REQUIRED otherwise)."""
    call.user_id()
    if call.takeout_id is None:
        raise RpcError(403, "TAKEOUT_REQUIRED")
    server = call.server
    saved: list[types.SavedPhoneContact] = []
    for contact in server.account.contacts():
        user = server.world.user(contact.user_id)
        if user is None:
            continue
        saved.append(
            types.SavedPhoneContact(
                phone=user.phone or "",
                first_name=user.first_name or "",
                last_name=user.last_name or "",
                date=ts(contact.added),
            )
        )
    return saved


# getTopPeers' flags and the categories they ask for, in the order Telegram lists them.
CATEGORIES = (
    ("correspondents", types.TopPeerCategoryCorrespondents),
    ("bots_pm", types.TopPeerCategoryBotsPM),
    ("bots_inline", types.TopPeerCategoryBotsInline),
    ("phone_calls", types.TopPeerCategoryPhoneCalls),
    ("forward_users", types.TopPeerCategoryForwardUsers),
    ("forward_chats", types.TopPeerCategoryForwardChats),
    ("groups", types.TopPeerCategoryGroups),
    ("channels", types.TopPeerCategoryChannels),
    ("bots_app", types.TopPeerCategoryBotsApp),
)


@handles(functions.contacts.GetTopPeersRequest)
async def get_top_peers(call: Call, request: Any) -> Any:
    """contacts.getTopPeers (/method/contacts.getTopPeers): the categories asked for, each
    with its peers and their ratings (``offset``/``limit`` within each category);
    contacts.topPeersDisabled when the account turned them off; contacts.topPeersNotModified
    when ``hash`` is the hash of the peer ids of the whole answer."""
    call.user_id()
    server = call.server
    account = server.account
    if not account.top_peers_enabled:
        return types.contacts.TopPeersDisabled()
    found = account.top_peers()
    categories: list[types.TopPeerCategoryPeers] = []
    shown: list[Any] = []
    for flag, category in CATEGORIES:
        if not getattr(request, flag, None):
            continue
        places = found.get(flag, [])
        page = places[max(0, request.offset) : max(0, request.offset) + max(0, request.limit)]
        if not page:
            continue
        categories.append(
            types.TopPeerCategoryPeers(
                category=category(),
                count=len(places),
                peers=[types.TopPeer(peer=chat.peer, rating=rating) for chat, rating in page],
            )
        )
        shown += [chat for chat, _ in page]
    if request.hash and request.hash == numbers_hash(chat.bare_id for chat in shown):
        return types.contacts.TopPeersNotModified()
    users: dict[int, Any] = {}
    chats: dict[int, Any] = {}
    for chat in shown:
        if chat.kind in (Kind.USER, Kind.BOT):
            users[chat.bare_id] = server.world.entity(chat)
        else:
            chats[chat.bare_id] = server.world.entity(chat)
    return types.contacts.TopPeers(
        categories=categories, chats=list(chats.values()), users=list(users.values())
    )


@handles(functions.contacts.ToggleTopPeersRequest)
async def toggle_top_peers(call: Call, request: Any) -> bool:
    """contacts.toggleTopPeers (/method/contacts.toggleTopPeers): frequent contacts on or off."""
    call.user_id()
    call.server.account.set_top_peers(bool(request.enabled))
    return True


@handles(functions.contacts.ResetTopPeerRatingRequest)
async def reset_top_peer_rating(call: Call, request: Any) -> bool:
    """contacts.resetTopPeerRating (/method/contacts.resetTopPeerRating, /api/top-rating):
    the peer's rating in the category is reset, so it leaves that category's top peers (the
    next one moves up); PEER_ID_INVALID for a peer that is not there."""
    call.user_id()
    try:
        chat = resolve(call.server, request.peer)
    except RpcError:
        raise RpcError(400, "PEER_ID_INVALID") from None
    flag = next((name for name, kind in CATEGORIES if isinstance(request.category, kind)), None)
    if flag is not None:
        call.server.account.reset_top_peer(flag, chat)
    return True
