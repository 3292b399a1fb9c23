"""Names of service actions across backup versions, without importing Telethon (readers
of a backup use them and must start fast)."""

from __future__ import annotations

# Names that backups written before this table used, for the same actions.
OLD_NAMES: dict[str, str] = {
    "set_messages_t_t_l": "set_messages_ttl",
    "game_score": "score_in_game",
    "payment_sent": "send_payment",
    "payment_sent_me": "send_payment",
    "chat_joined_by_request": "join_group_by_request",
    "gift_premium": "send_premium_gift",
    "set_chat_theme": "edit_chat_theme",
    "bot_allowed": "allow_sending_messages",
    "geo_proximity_reached": "proximity_reached",
    "group_call_scheduled": "group_call_scheduled",
    "invite_to_group_call": "invite_to_group_call",
    "secure_values_sent": "send_passport_values",
    "secure_values_sent_me": "send_passport_values",
    "web_view_data_sent": "send_webview_data",
    "web_view_data_sent_me": "send_webview_data",
    "requested_peer_sent_me": "requested_peer",
    "gift_code": "gift_code_prize",
    "set_chat_wall_paper": "set_chat_wallpaper",
    "payment_refunded": "refunded_payment",
    "gift_stars": "send_stars_gift",
    "gift_ton": "send_ton_gift",
    "prize_stars": "stars_prize",
    "star_gift": "send_star_gift",
    "paid_messages_refunded": "paid_messages_refund",
    "paid_messages_price": "paid_messages_price_change",
    "suggested_post_approval": "process_suggested_post",
    "suggest_profile_photo": "suggest_profile_photo",
    "screenshot_taken": "take_screenshot",
    "contact_sign_up": "joined_telegram",
    "chat_migrate_to": "migrate_to_supergroup",
    "channel_migrate_from": "migrate_from_group",
    "history_clear": "clear_history",
}


def current_name(action: str) -> str:
    """The action name of today's format for a name found in a backup of any age."""
    return OLD_NAMES.get(action, action)
