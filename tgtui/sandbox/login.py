"""Login state of the sandbox: codes sent, the 2FA password, QR login tokens."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from tgtui.sandbox.srp import SrpPassword
from tgtui.sandbox.world import DEMO_CODE, DEMO_PASSWORD, DEMO_PASSWORD_HINT, DEMO_PHONE

CODE_TTL = 300.0  # seconds a phone_code_hash stays valid
BANNED_PHONE = "9996620000"  # a test number Telegram would refuse as banned


def normalize_phone(phone: str) -> str:
    """Digits only, as Telegram compares numbers."""
    return "".join(ch for ch in phone if ch.isdigit())


@dataclass
class PendingCode:
    """A code sent by auth.sendCode."""

    phone: str
    code: str
    expires: float


@dataclass
class LoginToken:
    """A QR login token: accepted by a signed-in session, then redeemed by its creator."""

    key_id: int
    expires: float
    accepted_by: int | None = None
    dc: int | None = None  # for auth.exportAuthorization: the DC the authorization is for


@dataclass
class LoginState:
    """What the server remembers between the steps of a login."""

    codes: dict[str, PendingCode] = field(default_factory=dict)
    code_passed: set[int] = field(default_factory=set)  # auth keys waiting for their password
    tokens: dict[bytes, LoginToken] = field(default_factory=dict)
    # What QR tokens expire by (tests move it on to see a token expire).
    clock: Callable[[], float] = time.time

    @cached_property
    def password(self) -> SrpPassword:
        """The demo account's cloud password (made on first use: PBKDF2 takes a moment)."""
        return SrpPassword(DEMO_PASSWORD, DEMO_PASSWORD_HINT)

    def send_code(self, phone: str) -> str:
        """Remember a new code for ``phone`` and return its phone_code_hash."""
        code_hash = os.urandom(9).hex()
        code = DEMO_CODE if phone == DEMO_PHONE else "12345"
        self.codes[code_hash] = PendingCode(phone, code, time.monotonic() + CODE_TTL)
        return code_hash

    def pending(self, code_hash: str, phone: str) -> PendingCode | None:
        """The live code for this hash and phone, if any."""
        pending = self.codes.get(code_hash)
        if pending is None or pending.phone != phone or pending.expires < time.monotonic():
            return None
        return pending
