"""Handlers of the Telegram API methods the sandbox serves, one module per area."""

from tgtui.sandbox.methods import (
    account,
    changing,
    chats,
    connection,
    dialogs,
    files,
    history,
    login,
    photos,
    reading,
    sending,
)

__all__ = [
    "account",
    "changing",
    "chats",
    "connection",
    "dialogs",
    "files",
    "history",
    "login",
    "photos",
    "reading",
    "sending",
]
