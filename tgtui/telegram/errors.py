"""Telethon errors -> one clear message each, in one table.

Screens and the backup engine show `explain(error)`; nothing else words an error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telethon import errors

from tgtui.i18n import N_, _
from tgtui.telegram import through_proxy as proxied

# Order matters only where classes inherit from one another; the first match wins.
MESSAGES: tuple[tuple[type[BaseException], str], ...] = (
    (
        errors.PhoneNumberInvalidError,
        N_("That phone number is not valid. Use the international format, e.g. +44 7700 900123."),
    ),
    (errors.PhoneNumberBannedError, N_("Telegram has banned this phone number.")),
    (
        errors.PhoneNumberUnoccupiedError,
        N_(
            "No Telegram account uses this number. tgtui cannot sign up new accounts: "
            "create one in an official app first."
        ),
    ),
    (
        errors.PhoneNumberFloodError,
        N_("Too many codes were requested for this number. Try again later."),
    ),
    (errors.PhoneCodeEmptyError, N_("Enter the code Telegram sent you.")),
    (errors.PhoneCodeInvalidError, N_("That code is not right. Check it and try again.")),
    (errors.PhoneCodeExpiredError, N_("That code has expired. Ask for a new one.")),
    (errors.PasswordHashInvalidError, N_("Wrong password. Try again (the hint may help).")),
    (
        errors.AuthTokenExpiredError,
        N_("That QR code had expired when it was scanned. Scan the one on screen now."),
    ),
    (
        errors.AuthTokenInvalidError,
        N_("That is not a tgtui login QR code. Scan the one on screen."),
    ),
    (errors.AuthTokenAlreadyAcceptedError, N_("That QR code was already scanned.")),
    (
        errors.ApiIdInvalidError,
        N_("The api_id / api_hash pair is not valid. Check them at my.telegram.org."),
    ),
    (errors.AuthKeyUnregisteredError, N_("This session was signed out. Please log in again.")),
    (
        errors.SessionRevokedError,
        N_("This session was ended from another device. Please log in again."),
    ),
    (
        errors.AuthKeyDuplicatedError,
        N_(
            "This session was used from two places at once and Telegram revoked it. "
            "Please log in again."
        ),
    ),
    (errors.ChannelPrivateError, N_("This channel is private or you were removed from it.")),
    (errors.ChatForbiddenError, N_("You no longer have access to this group.")),
    (errors.ChannelInvalidError, N_("This channel does not exist any more.")),
    (
        errors.TakeoutInitDelayError,
        N_(
            "Telegram wants you to approve this export first: confirm it in another Telegram app, "
            "or run without --takeout."
        ),
    ),
    (
        errors.FileReferenceExpiredError,
        N_("The file's download link expired; it will be refreshed and retried."),
    ),
    (
        proxied.ProxyUnreachable,
        N_(
            "Nothing answers at the proxy {proxy}: is it running, and are its address and "
            "port right?"
        ),
    ),
    (
        proxied.ProxyHostUnknown,
        N_("The proxy's host name in {proxy} cannot be found: check it, and the network."),
    ),
    (proxied.ProxyAuthFailed, N_("The proxy {proxy} refused the user name and password.")),
    (
        proxied.ProxyLoginClosed,
        N_(
            "The proxy {proxy} closed the connection when given the user name and password: "
            "check them, and that it is that kind of proxy (socks5://, socks4://, http://)."
        ),
    ),
    (
        proxied.ProxyCannotReachTelegram,
        N_("The proxy {proxy} answers, but cannot reach Telegram from where it is."),
    ),
    (proxied.ProxyRefused, N_("The proxy {proxy} does not allow connections to Telegram.")),
    (proxied.ProxyTimedOut, N_("The proxy {proxy} did not answer in time.")),
    (
        proxied.ProxyWrongKind,
        N_(
            "What answers at {proxy} is not that kind of proxy: check the address's kind "
            "(socks5://, socks4://, http://)."
        ),
    ),
    (
        proxied.ProxyClosed,
        N_(
            "The proxy {proxy} closed the connection without answering: check its kind "
            "(socks5://, socks4://, http://), whether it needs a user name and password, "
            "and whether it can reach Telegram."
        ),
    ),
    (
        proxied.MTProxyClosed,
        N_(
            "The proxy {proxy} did not let tgtui through: its secret may be wrong, or it "
            "cannot reach Telegram."
        ),
    ),
    (errors.ServerError, N_("Telegram had an internal problem. Retrying.")),
    (ConnectionError, N_("Cannot reach Telegram. Check your network; retrying.")),
    (asyncio.TimeoutError, N_("Telegram is not answering. Retrying.")),
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
        return Explanation(
            _("Telegram asks us to wait {seconds} s before trying again.").format(seconds=seconds),
            seconds,
        )
    sign_in_again = isinstance(error, SIGN_IN_AGAIN)
    for kind, text in MESSAGES:
        if isinstance(error, kind):
            if isinstance(error, proxied.ProxyProblem):  # the proxy named, never its secrets
                return Explanation(_(text).format(proxy=error.proxy.redacted))
            return Explanation(_(text), sign_in_again=sign_in_again)
    if isinstance(error, errors.RPCError):
        return Explanation(
            _("Telegram refused the request ({reason}).").format(reason=error.message),
            sign_in_again=sign_in_again,
        )
    return Explanation(
        _("Unexpected error: {kind}: {error}").format(kind=type(error).__name__, error=error)
    )
