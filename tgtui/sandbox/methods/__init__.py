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
    ranges,
    reading,
    sending,
    startup,
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
    "ranges",
    "reading",
    "sending",
    "startup",
]
