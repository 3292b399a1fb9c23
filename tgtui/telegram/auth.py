"""The login state machine: phone -> code -> (2FA password) -> signed in, or a QR code
scanned by a phone already signed in -> (2FA password) -> signed in.

Each step is one call that either moves the flow on or raises the Telethon error that says why
not; the caller words it with `tgtui.telegram.errors.explain` and lets the user retry the step.
Codes and passwords are registered with the log redactor before they reach Telethon, whose
debug log would otherwise print them.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telethon import TelegramClient, errors, events
from telethon.tl import functions, types

from tgtui.i18n import N_
from tgtui.log import redactor
from tgtui.retry import Backoff, Wait, retry

# Login calls go back to the user on FLOOD_WAIT (the screen counts down and re-enables the
# button); only network faults are retried, a few times.
LOGIN_RETRY = Backoff(base=1.0, cap=8.0, attempts=3, honour_flood=False)


class Step(enum.Enum):
    """Where the user is in the login."""

    PHONE = "phone"
    CODE = "code"
    QR = "qr"
    PASSWORD = "password"
    DONE = "done"


# A QR login token lives about 30 s (Telegram's answer says until when); the code is renewed
# this long before it expires, so a phone never scans a dead one. Lifetimes outside these
# bounds (a clock far off the server's) are taken as 30 s.
QR_RENEW_BEFORE = 3.0
QR_LIFETIME = (5.0, 300.0)
QR_DEFAULT_LIFETIME = 30.0


@dataclass(frozen=True)
class QrCode:
    """A login token to show as a QR code: its tg://login link and when to renew it (by the
    flow's clock)."""

    token: bytes
    renew_at: float

    @property
    def url(self) -> str:
        """The link the phone opens: tg://login?token=<base64url of the token>."""
        return "tg://login?token=" + base64.urlsafe_b64encode(self.token).decode("ascii")


_DELIVERY: dict[type[Any], str] = {
    types.auth.SentCodeTypeApp: N_("in your Telegram app (a message from Telegram)"),
    types.auth.SentCodeTypeSms: N_("by SMS"),
    types.auth.SentCodeTypeCall: N_("by a phone call that reads it out"),
    types.auth.SentCodeTypeFlashCall: N_("as a missed call (the code is the caller's number)"),
    types.auth.SentCodeTypeMissedCall: N_("as a missed call (the code ends the caller's number)"),
    types.auth.SentCodeTypeEmailCode: N_("by email"),
    types.auth.SentCodeTypeFragmentSms: N_("on Fragment"),
}

_NEXT: dict[type[Any], str] = {
    types.auth.CodeTypeSms: N_("by SMS"),
    types.auth.CodeTypeCall: N_("by a phone call"),
    types.auth.CodeTypeFlashCall: N_("as a missed call"),
    types.auth.CodeTypeMissedCall: N_("as a missed call"),
    types.auth.CodeTypeFragmentSms: N_("on Fragment"),
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
        delivery=_DELIVERY.get(type(kind), N_("by a way this version of tgtui does not know")),
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
        self,
        client: TelegramClient,
        on_wait: Callable[[Wait], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.step = Step.PHONE
        self.phone: str | None = None
        self.sent: CodeSent | None = None
        self.password_hint: str | None = None
        self._code_hash: str | None = None
        self.on_wait = on_wait  # told about each network retry
        self.clock = clock  # when QR codes are renewed (tests move it on)
        self.qr: QrCode | None = None
        self._scanned = asyncio.Event()
        self._listening = False

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

    # --- QR login (core.telegram.org/api/qr-login) -----------------------------------------

    async def qr_code(self) -> QrCode | None:
        """A fresh login token to show (the flow moves to the QR step), or None when the
        answer already settled the login (step DONE, or PASSWORD for a 2FA account)."""
        if not self._listening:
            self.client.add_event_handler(self._on_login_token, events.Raw(types.UpdateLoginToken))
            self._listening = True
        self.step = Step.QR
        return await self._ask()

    async def qr_scanned(self, code: QrCode, tick: float = 1.0) -> bool:
        """Wait until the phone accepts ``code`` (True) or it is time to renew it (False)."""
        while self.clock() < code.renew_at:
            wait = max(0.0, min(tick, code.renew_at - self.clock()))
            try:
                await asyncio.wait_for(self._scanned.wait(), wait)
            except TimeoutError:
                continue
            return True
        return False

    async def qr_accepted(self) -> Step:
        """After the phone accepted the code: sign in (DONE), or PASSWORD for a 2FA account;
        a login begun on another DC than the account's moves there first."""
        self._scanned.clear()
        settled = await self._ask()
        if settled is not None:  # not accepted after all (an old update): show the new code
            return Step.QR
        return self.step

    async def _export(self) -> Any:
        async def call() -> Any:
            return await self.client(
                functions.auth.ExportLoginTokenRequest(
                    self.client.api_id, self.client.api_hash, except_ids=[]
                )
            )

        return await retry(
            call, policy=LOGIN_RETRY, on_wait=self._report, what="auth.exportLoginToken"
        )

    async def _ask(self) -> QrCode | None:
        """auth.exportLoginToken, and what its answer means: a code to show, or the login
        settled (signed in, or the 2FA password asked)."""
        try:
            answer = await self._export()
            if isinstance(answer, types.auth.LoginTokenMigrateTo):
                # The account lives on another DC: carry on there. Telethon's own QR login
                # does the same (there is no public call for it).
                await self.client._switch_dc(answer.dc_id)

                async def redeem() -> Any:
                    return await self.client(functions.auth.ImportLoginTokenRequest(answer.token))

                answer = await retry(
                    redeem, policy=LOGIN_RETRY, on_wait=self._report, what="auth.importLoginToken"
                )
        except errors.SessionPasswordNeededError:
            await self._password_needed()
            return None
        if isinstance(answer, types.auth.LoginTokenSuccess):
            await self.client._on_login(answer.authorization.user)
            self._stop_listening()
            self.step = Step.DONE
            return None
        if isinstance(answer, types.auth.LoginToken):
            lifetime = answer.expires.timestamp() - time.time()
            if not QR_LIFETIME[0] <= lifetime <= QR_LIFETIME[1]:
                lifetime = QR_DEFAULT_LIFETIME
            self.qr = QrCode(answer.token, self.clock() + lifetime - QR_RENEW_BEFORE)
            return self.qr
        raise errors.RPCError(None, f"unexpected answer to a QR login: {type(answer).__name__}")

    async def _password_needed(self) -> None:
        self._stop_listening()
        self.password_hint = await self._hint()
        self.step = Step.PASSWORD

    async def _on_login_token(self, update: Any) -> None:
        self._scanned.set()

    def _stop_listening(self) -> None:
        if self._listening:
            self.client.remove_event_handler(self._on_login_token)
            self._listening = False
        self.qr = None

    def restart(self) -> None:
        """Back to the phone step (to use another number)."""
        self._stop_listening()
        self._scanned.clear()
        self.step = Step.PHONE
        self.phone = None
        self.sent = None
        self.password_hint = None
        self._code_hash = None
