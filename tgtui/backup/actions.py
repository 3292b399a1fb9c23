"""Service actions in Telegram Desktop's words: the `action` name and its fields.

The names and fields are those Telegram Desktop's export writes (its
`export_output_json.cpp`, `SerializeMessage`), so a service line of messages.jsonl reads like
one of its `result.json`. Backups written before this table used names made from Telethon's
type names; ``action_names.OLD_NAMES`` maps them to these, for readers of old backups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from telethon.tl import types

Record = dict[str, Any]
NameOf = Callable[[Any], "str | None"]

# Telethon type -> Telegram Desktop's action name.
ACTIONS: dict[type[Any], str] = {
    types.MessageActionChatCreate: "create_group",
    types.MessageActionChatEditTitle: "edit_group_title",
    types.MessageActionChatEditPhoto: "edit_group_photo",
    types.MessageActionChatDeletePhoto: "delete_group_photo",
    types.MessageActionChatAddUser: "invite_members",
    types.MessageActionChatDeleteUser: "remove_members",
    types.MessageActionChatJoinedByLink: "join_group_by_link",
    types.MessageActionChannelCreate: "create_channel",
    types.MessageActionChatMigrateTo: "migrate_to_supergroup",
    types.MessageActionChannelMigrateFrom: "migrate_from_group",
    types.MessageActionPinMessage: "pin_message",
    types.MessageActionHistoryClear: "clear_history",
    types.MessageActionGameScore: "score_in_game",
    types.MessageActionPaymentSent: "send_payment",
    types.MessageActionPaymentSentMe: "send_payment",
    types.MessageActionPhoneCall: "phone_call",
    types.MessageActionConferenceCall: "conference_call",
    types.MessageActionScreenshotTaken: "take_screenshot",
    types.MessageActionCustomAction: "custom_action",
    types.MessageActionBotAllowed: "allow_sending_messages",
    types.MessageActionSecureValuesSent: "send_passport_values",
    types.MessageActionSecureValuesSentMe: "send_passport_values",
    types.MessageActionContactSignUp: "joined_telegram",
    types.MessageActionGeoProximityReached: "proximity_reached",
    types.MessageActionGroupCall: "group_call",
    types.MessageActionInviteToGroupCall: "invite_to_group_call",
    types.MessageActionSetMessagesTTL: "set_messages_ttl",
    types.MessageActionGroupCallScheduled: "group_call_scheduled",
    types.MessageActionSetChatTheme: "edit_chat_theme",
    types.MessageActionChatJoinedByRequest: "join_group_by_request",
    types.MessageActionWebViewDataSent: "send_webview_data",
    types.MessageActionWebViewDataSentMe: "send_webview_data",
    types.MessageActionGiftPremium: "send_premium_gift",
    types.MessageActionTopicCreate: "topic_created",
    types.MessageActionTopicEdit: "topic_edit",
    types.MessageActionSuggestProfilePhoto: "suggest_profile_photo",
    types.MessageActionRequestedPeer: "requested_peer",
    types.MessageActionRequestedPeerSentMe: "requested_peer",
    types.MessageActionGiftCode: "gift_code_prize",
    types.MessageActionGiveawayLaunch: "giveaway_launch",
    types.MessageActionGiveawayResults: "giveaway_results",
    types.MessageActionSetChatWallPaper: "set_chat_wallpaper",
    types.MessageActionBoostApply: "boost_apply",
    types.MessageActionPaymentRefunded: "refunded_payment",
    types.MessageActionGiftStars: "send_stars_gift",
    types.MessageActionGiftTon: "send_ton_gift",
    types.MessageActionPrizeStars: "stars_prize",
    types.MessageActionStarGift: "send_star_gift",
    types.MessageActionPaidMessagesRefunded: "paid_messages_refund",
    types.MessageActionPaidMessagesPrice: "paid_messages_price_change",
    types.MessageActionTodoCompletions: "todo_completions",
    types.MessageActionTodoAppendTasks: "todo_append_tasks",
    types.MessageActionSuggestedPostApproval: "process_suggested_post",
    types.MessageActionSuggestedPostSuccess: "suggested_post_success",
    types.MessageActionSuggestedPostRefund: "suggested_post_refund",
    types.MessageActionSuggestBirthday: "suggest_birthday",
}

_DISCARD = {
    types.PhoneCallDiscardReasonBusy: "busy",
    types.PhoneCallDiscardReasonDisconnect: "disconnect",
    types.PhoneCallDiscardReasonHangup: "hangup",
    types.PhoneCallDiscardReasonMissed: "missed",
}


_WEB_VIEW_DATA = (types.MessageActionWebViewDataSent, types.MessageActionWebViewDataSentMe)


def _fallback_name(action: Any) -> str:
    """A name for an action type Telegram Desktop does not know: its Telethon name in
    snake case, with runs of capitals kept together ("SetMessagesTTL" -> set_messages_ttl)."""
    name = type(action).__name__.removeprefix("MessageAction")
    out: list[str] = []
    for i, c in enumerate(name):
        after_lower = i > 0 and (name[i - 1].islower() or name[i - 1].isdigit())
        before_lower = 0 < i < len(name) - 1 and name[i + 1].islower() and name[i - 1].isupper()
        if c.isupper() and (after_lower or before_lower):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _seconds(value: Any) -> int | None:
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return None


def action_fields(action: Any, name_of: NameOf) -> Record:
    """The ``action`` name and the fields Telegram Desktop writes beside it."""
    kind = ACTIONS.get(type(action)) or _fallback_name(action)
    record: Record = {"action": kind}

    def user_names(ids: list[int]) -> list[str]:
        return [name_of(types.PeerUser(u)) or f"user{u}" for u in ids]

    title = getattr(action, "title", None)
    if isinstance(action, types.MessageActionTopicEdit):
        if title:
            record["new_title"] = title
        if action.icon_emoji_id:
            record["new_icon_emoji_id"] = action.icon_emoji_id
    elif isinstance(title, str):
        record["title"] = title
    with_users = (
        types.MessageActionChatCreate,
        types.MessageActionChatAddUser,
        types.MessageActionInviteToGroupCall,
    )
    if isinstance(action, with_users):
        record["members"] = user_names(action.users)
    elif isinstance(action, types.MessageActionChatDeleteUser):
        record["members"] = user_names([action.user_id])
    elif isinstance(action, types.MessageActionChatJoinedByLink):
        record["inviter"] = name_of(types.PeerUser(action.inviter_id))
    elif isinstance(action, types.MessageActionCustomAction):
        record["information_text"] = action.message
    elif isinstance(action, types.MessageActionPhoneCall):
        if action.duration:
            record["duration_seconds"] = action.duration
        reason = _DISCARD.get(type(action.reason))
        if reason:
            record["discard_reason"] = reason
    elif isinstance(action, types.MessageActionConferenceCall):
        if action.duration:
            record["duration_seconds"] = action.duration
        record["is_active"], record["is_missed"] = bool(action.active), bool(action.missed)
    elif isinstance(action, types.MessageActionGroupCall):
        if action.duration:
            record["duration"] = action.duration
    elif isinstance(action, types.MessageActionGroupCallScheduled):
        record["schedule_date"] = _seconds(action.schedule_date)
    elif isinstance(action, types.MessageActionSetMessagesTTL):
        record["period"] = action.period
    elif isinstance(action, types.MessageActionGameScore):
        record["score"] = action.score
    elif isinstance(action, types.MessageActionPaymentSent | types.MessageActionPaymentSentMe):
        record["amount"], record["currency"] = action.total_amount, action.currency
        if action.recurring_used:
            record["recurring"] = "used"
        elif action.recurring_init:
            record["recurring"] = "init"
    elif isinstance(action, types.MessageActionBotAllowed):
        if action.attach_menu:
            record["action"] = "attach_menu_bot_allowed"
        elif action.from_request:
            record["action"] = "web_app_bot_allowed"
        elif action.domain:
            record["reason_domain"] = action.domain
    elif isinstance(action, types.MessageActionGeoProximityReached):
        record["distance"] = action.distance
    elif isinstance(action, types.MessageActionSetChatTheme):
        emoticon = getattr(action.theme, "emoticon", None)
        if emoticon:
            record["emoticon"] = emoticon
    elif isinstance(action, _WEB_VIEW_DATA):
        record["text"] = action.text
    elif isinstance(action, types.MessageActionGiftPremium):
        record["days"] = action.days
    elif isinstance(action, types.MessageActionSetChatWallPaper):
        if action.same:
            record["action"] = "set_same_chat_wallpaper"
    elif isinstance(action, types.MessageActionBoostApply):
        record["boosts"] = action.boosts
    elif isinstance(action, types.MessageActionRequestedPeer):
        record["button_id"] = action.button_id
    elif isinstance(action, types.MessageActionPaidMessagesRefunded):
        record["messages_count"], record["stars_count"] = action.count, action.stars
    elif isinstance(action, types.MessageActionTodoCompletions):
        record["completed"], record["incompleted"] = action.completed, action.incompleted
    return record
