"""The server half of Telegram's SRP 2FA check (account.getPassword / auth.checkPassword)."""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from dataclasses import dataclass, field

from telethon.password import compute_hash
from telethon.tl import types

from tgtui.sandbox.crypto import DH_G, DH_PRIME

_P_BYTES = DH_PRIME.to_bytes(256, "big")


def _h(*parts: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def _pad(value: int) -> bytes:
    return value.to_bytes(256, "big")


@dataclass
class SrpPassword:
    """A cloud password as the server keeps it: a verifier, never the password."""

    password: str
    hint: str
    algo: types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow = field(
        init=False
    )
    verifier: int = field(init=False)
    _pending: dict[int, tuple[int, int]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.algo = types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
            salt1=os.urandom(40), salt2=os.urandom(16), g=DH_G, p=_P_BYTES
        )
        x = int.from_bytes(compute_hash(self.algo, self.password), "big")
        self.verifier = pow(DH_G, x, DH_PRIME)
        self.password = ""  # keep only the verifier from here on

    def challenge(self) -> types.account.Password:
        """A fresh account.password with srp_B and srp_id for one login attempt."""
        k = int.from_bytes(_h(_P_BYTES, _pad(DH_G)), "big")
        b = int.from_bytes(os.urandom(256), "big")
        big_b = (k * self.verifier + pow(DH_G, b, DH_PRIME)) % DH_PRIME
        srp_id = struct.unpack("<q", os.urandom(8))[0]
        self._pending[srp_id] = (b, big_b)
        return types.account.Password(
            has_password=True,
            current_algo=self.algo,
            srp_B=_pad(big_b),
            srp_id=srp_id,
            hint=self.hint,
            new_algo=types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
                salt1=self.algo.salt1[:32], salt2=self.algo.salt2, g=DH_G, p=_P_BYTES
            ),
            new_secure_algo=types.SecurePasswordKdfAlgoSHA512(salt=os.urandom(32)),
            secure_random=os.urandom(256),
        )

    def check(self, srp_id: int, a_bytes: bytes, m1: bytes) -> bool | None:
        """True if M1 proves the password; False if not; None if srp_id is unknown."""
        pending = self._pending.pop(srp_id, None)
        if pending is None:
            return None
        b, big_b = pending
        big_a = int.from_bytes(a_bytes, "big")
        if not 1 < big_a < DH_PRIME - 1:
            return False
        u = int.from_bytes(_h(_pad(big_a), _pad(big_b)), "big")
        s = pow(big_a * pow(self.verifier, u, DH_PRIME) % DH_PRIME, b, DH_PRIME)
        k_session = _h(_pad(s))
        hp, hg = _h(_P_BYTES), _h(_pad(DH_G))
        expected = _h(
            bytes(x ^ y for x, y in zip(hp, hg, strict=True)),
            _h(self.algo.salt1),
            _h(self.algo.salt2),
            _pad(big_a),
            _pad(big_b),
            k_session,
        )
        return hmac.compare_digest(expected, m1)
