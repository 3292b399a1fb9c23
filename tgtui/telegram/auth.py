"""The login state machine: phone -> code -> (2FA password) -> signed in.

Each step is one call that either moves the flow on or raises the Telethon error that says why
not; the caller words it with `tgtui.telegram.errors.explain` and lets the user retry the step.
Codes and passwords are registered with the log redactor before they reach Telethon, whose
debug log would otherwise print them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.log import redactor
from tgtui.retry import Backoff, Wait, retry

# Login calls go back to the user on FLOOD_WAIT (the screen counts down and re-enables the
# button); only network faults are retried, a few times.
LOGIN_RETRY = Backoff(base=1.0, cap=8.0, attempts=3, honour_flood=False)


class Step(enum.Enum):
    """Where the user is in the login."""

    PHONE = "phone"
    CODE = "code"
    PASSWORD = "password"
    DONE = "done"


_DELIVERY: dict[type[Any], str] = {
    types.auth.SentCodeTypeApp: "in your Telegram app (a message from Telegram)",
    types.auth.SentCodeTypeSms: "by SMS",
    types.auth.SentCodeTypeCall: "by a phone call that reads it out",
    types.auth.SentCodeTypeFlashCall: "as a missed call (the code is the caller's number)",
    types.auth.SentCodeTypeMissedCall: "as a missed call (the code ends the caller's number)",
    types.auth.SentCodeTypeEmailCode: "by email",
    types.auth.SentCodeTypeFragmentSms: "on Fragment",
}

_NEXT: dict[type[Any], str] = {
    types.auth.CodeTypeSms: "by SMS",
    types.auth.CodeTypeCall: "by a phone call",
    types.auth.CodeTypeFlashCall: "as a missed call",
    types.auth.CodeTypeMissedCall: "as a missed call",
    types.auth.CodeTypeFragmentSms: "on Fragment",
}


@dataclass(frozen=True)
class CodeSent:
    """How Telegram delivered the login code, and how a resend would arrive."""

    phone: str
    delivery: str  # "in your Telegram app (a message from Telegram)", "by SMS", ...
    length: int | None
    resend_delivery: str | None  # None: a resend comes the same way
    resend_after: int | None  # seconds before Telegram switches to resend_delivery


def describe_sent_code(phone: str, sent: Any) -> CodeSent:
    """A CodeSent from Telethon's auth.SentCode."""
    kind = sent.type
    length = getattr(kind, "length", None)
    return CodeSent(
        phone=phone,
        delivery=_DELIVERY.get(type(kind), "by a way this version of tgtui does not know"),
        length=length if isinstance(length, int) and length > 0 else None,
        resend_delivery=_NEXT.get(type(sent.next_type)) if sent.next_type else None,
        resend_after=sent.timeout,
    )


def normalize_phone(raw: str) -> str:
    """The number as Telegram wants it: digits only, with a leading + allowed and removed."""
    return "".join(ch for ch in raw.strip() if ch.isdigit() or ch not in "+ -()")


class LoginFlow:
    """One login attempt on the app's client."""

    def __init__(
        self, client: TelegramClient, on_wait: Callable[[Wait], None] | None = None
    ) -> None:
        self.client = client
        self.step = Step.PHONE
        self.phone: str | None = None
        self.sent: CodeSent | None = None
        self.password_hint: str | None = None
        self._code_hash: str | None = None
        self.on_wait = on_wait  # told about each network retry

    def _report(self, wait: Wait) -> None:
        if self.on_wait is not None:
            self.on_wait(wait)

    async def send_code(self, raw_phone: str) -> CodeSent:
        """Ask Telegram for a login code for ``raw_phone``; the flow moves to the code step."""
        phone = normalize_phone(raw_phone)
        if not phone:
            raise errors.PhoneNumberInvalidError(request=None)

        async def call() -> Any:
            return await self.client(
                functions.auth.SendCodeRequest(
                    phone, self.client.api_id, self.client.api_hash, types.CodeSettings()
                )
            )

        sent = await retry(call, policy=LOGIN_RETRY, on_wait=self._report, what="auth.sendCode")
        if isinstance(sent, types.auth.SentCodeSuccess):  # a future-auth token signed us in
            self.step = Step.DONE
        else:
            self.step = Step.CODE
        self.phone = phone
        self._code_hash = sent.phone_code_hash if hasattr(sent, "phone_code_hash") else None
        self.sent = describe_sent_code(phone, sent) if self.step is Step.CODE else None
        return self.sent or CodeSent(phone, "", None, None, None)

    async def resend_code(self) -> CodeSent:
        """Send the code again (Telegram may switch to SMS or a call)."""
        if self.phone is None or self._code_hash is None:
            raise RuntimeError("resend_code before send_code")
        phone, code_hash = self.phone, self._code_hash

        async def call() -> Any:
            return await self.client(functions.auth.ResendCodeRequest(phone, code_hash))

        sent = await retry(call, policy=LOGIN_RETRY, on_wait=self._report, what="auth.resendCode")
        self._code_hash = sent.phone_code_hash
        self.sent = describe_sent_code(phone, sent)
        return self.sent

    async def submit_code(self, code: str) -> Step:
        """Sign in with the code: DONE, or PASSWORD when the account has 2FA."""
        if self.phone is None or self._code_hash is None:
            raise RuntimeError("submit_code before send_code")
        code = code.strip().replace(" ", "").replace("-", "")
        if not code:
            raise errors.PhoneCodeEmptyError(request=None)
        redactor.register(code)
        phone, code_hash = self.phone, self._code_hash

        async def call() -> Any:
            return await self.client.sign_in(phone, code, phone_code_hash=code_hash)

        try:
            await retry(call, policy=LOGIN_RETRY, on_wait=self._report, what="auth.signIn")
        except errors.SessionPasswordNeededError:
            self.password_hint = await self._hint()
            self.step = Step.PASSWORD
            return self.step
        self.step = Step.DONE
        return self.step

    async def _hint(self) -> str | None:
        async def call() -> Any:
            return await self.client(functions.account.GetPasswordRequest())

        password = await retry(
            call, policy=LOGIN_RETRY, on_wait=self._report, what="account.getPassword"
        )
        hint = getattr(password, "hint", None)
        return hint if isinstance(hint, str) and hint else None

    async def submit_password(self, password: str) -> Step:
        """Finish a 2FA login with the cloud password."""
        if not password:
            raise errors.PasswordHashInvalidError(request=None)
        redactor.register(password)

        async def call() -> Any:
            return await self.client.sign_in(password=password)

        await retry(call, policy=LOGIN_RETRY, on_wait=self._report, what="auth.checkPassword")
        self.step = Step.DONE
        return self.step

    def restart(self) -> None:
        """Back to the phone step (to use another number)."""
        self.step = Step.PHONE
        self.phone = None
        self.sent = None
        self.password_hint = None
        self._code_hash = None
