"""Telethon errors -> one clear message each, in one table.

Screens and the backup engine show `explain(error)`; nothing else words an error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telethon import errors

# Order matters only where classes inherit from one another; the first match wins.
MESSAGES: tuple[tuple[type[BaseException], str], ...] = (
    (
        errors.PhoneNumberInvalidError,
        "That phone number is not valid. Use the international format, e.g. +44 7700 900123.",
    ),
    (errors.PhoneNumberBannedError, "Telegram has banned this phone number."),
    (
        errors.PhoneNumberUnoccupiedError,
        "No Telegram account uses this number. tgtui cannot sign up new accounts: "
        "create one in an official app first.",
    ),
    (
        errors.PhoneNumberFloodError,
        "Too many codes were requested for this number. Try again later.",
    ),
    (errors.PhoneCodeEmptyError, "Enter the code Telegram sent you."),
    (errors.PhoneCodeInvalidError, "That code is not right. Check it and try again."),
    (errors.PhoneCodeExpiredError, "That code has expired. Ask for a new one."),
    (errors.PasswordHashInvalidError, "Wrong password. Try again (the hint may help)."),
    (
        errors.AuthTokenExpiredError,
        "That QR code had expired when it was scanned. Scan the one on screen now.",
    ),
    (errors.AuthTokenInvalidError, "That is not a tgtui login QR code. Scan the one on screen."),
    (errors.AuthTokenAlreadyAcceptedError, "That QR code was already scanned."),
    (
        errors.ApiIdInvalidError,
        "The api_id / api_hash pair is not valid. Check them at my.telegram.org.",
    ),
    (errors.AuthKeyUnregisteredError, "This session was signed out. Please log in again."),
    (
        errors.SessionRevokedError,
        "This session was ended from another device. Please log in again.",
    ),
    (
        errors.AuthKeyDuplicatedError,
        "This session was used from two places at once and Telegram revoked it. "
        "Please log in again.",
    ),
    (errors.ChannelPrivateError, "This channel is private or you were removed from it."),
    (errors.ChatForbiddenError, "You no longer have access to this group."),
    (errors.ChannelInvalidError, "This channel does not exist any more."),
    (
        errors.TakeoutInitDelayError,
        "Telegram wants you to approve this export first: confirm it in another Telegram app, "
        "or run without --takeout.",
    ),
    (
        errors.FileReferenceExpiredError,
        "The file's download link expired; it will be refreshed and retried.",
    ),
    (errors.ServerError, "Telegram had an internal problem. Retrying."),
    (ConnectionError, "Cannot reach Telegram. Check your network; retrying."),
    (asyncio.TimeoutError, "Telegram is not answering. Retrying."),
)

SIGN_IN_AGAIN = (
    errors.AuthKeyUnregisteredError,
    errors.SessionRevokedError,
    errors.AuthKeyDuplicatedError,
    errors.SessionExpiredError,
)


@dataclass(frozen=True)
class Explanation:
    """What to tell the user, and what the app should do about it."""

    text: str
    wait_seconds: int | None = None  # a flood wait to count down
    sign_in_again: bool = False  # go back to the login screen


def explain(error: BaseException) -> Explanation:
    """The one user-facing message for ``error``."""
    if isinstance(error, errors.FloodWaitError | errors.FloodPremiumWaitError):
        seconds = int(error.seconds)
        return Explanation(f"Telegram asks us to wait {seconds} s before trying again.", seconds)
    sign_in_again = isinstance(error, SIGN_IN_AGAIN)
    for kind, text in MESSAGES:
        if isinstance(error, kind):
            return Explanation(text, sign_in_again=sign_in_again)
    if isinstance(error, errors.RPCError):
        return Explanation(
            f"Telegram refused the request ({error.message}).", sign_in_again=sign_in_again
        )
    return Explanation(f"Unexpected error: {type(error).__name__}: {error}")
