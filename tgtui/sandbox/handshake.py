"""Server side of the auth-key exchange: req_pq_multi, req_DH_params, set_client_DH_params.

One `Handshake` lives per connection until it yields an auth key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import time

from telethon.crypto import AuthKey
from telethon.extensions import BinaryReader
from telethon.helpers import generate_key_data_from_nonce
from telethon.tl import types
from telethon.tl.functions import (
    ReqDHParamsRequest,
    ReqPqMultiRequest,
    ReqPqRequest,
    SetClientDHParamsRequest,
)
from telethon.tl.tlobject import TLObject

from tgtui.sandbox.crypto import (
    DH_G,
    DH_PRIME,
    RsaKey,
    aes_ige_decrypt,
    aes_ige_encrypt,
)

_SAFETY = 2 ** (2048 - 64)


class HandshakeError(Exception):
    """The client broke the key-exchange protocol; the connection is closed."""


class HandshakeRefused(HandshakeError):
    """A request the server cannot read (an RSA block that decrypts to nothing valid, an
    unknown fingerprint): Telegram answers with the transport error -404 and closes."""


_INNER_DATA = (
    types.PQInnerData,
    types.PQInnerDataDc,
    types.PQInnerDataTemp,
    types.PQInnerDataTempDc,
)
_PAD_DATA = 192  # RSA_PAD: the data and its random padding


def _is_probable_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _random_prime(bits: int) -> int:
    while True:
        candidate = random.getrandbits(bits) | (1 << (bits - 1)) | 1
        if _is_probable_prime(candidate):
            return candidate


def _rsa_pad_data(block: bytes) -> bytes | None:
    """Undo RSA_PAD: block = temp_key_xor (32) + AES-256-IGE(reversed(data_with_padding) +
    SHA256(temp_key + data_with_padding), temp_key, zero IV); None if the hash disagrees."""
    temp_key_xor, aes_encrypted = block[:32], block[32:]
    mask = hashlib.sha256(aes_encrypted).digest()
    temp_key = bytes(a ^ b for a, b in zip(temp_key_xor, mask, strict=True))
    data_with_hash = aes_ige_decrypt(aes_encrypted, temp_key, bytes(32))
    data_with_padding = data_with_hash[:_PAD_DATA][::-1]
    if hashlib.sha256(temp_key + data_with_padding).digest() != data_with_hash[_PAD_DATA:]:
        return None
    return data_with_padding


def _legacy_data(block: bytes) -> bytes | None:
    """Undo the older scheme: block = 0 + SHA1(data) + data + padding (255 bytes); None if
    no prefix of what follows the hash has that SHA1."""
    if block[0] != 0:
        return None
    digest, rest = block[1:21], block[21:]
    with contextlib.suppress(Exception):
        with BinaryReader(rest) as reader:
            reader.tgread_object()
            length = reader.tell_position()
        if hashlib.sha1(rest[:length]).digest() == digest:
            return rest[:length]
    return None


def _be(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class Handshake:
    """Answers the three plain-text steps of the exchange and produces the auth key."""

    def __init__(self, rsa_key: RsaKey) -> None:
        self._rsa = rsa_key
        self._nonce: int | None = None
        self._server_nonce = int.from_bytes(os.urandom(16), "big", signed=True)
        self._p = self._q = 0
        self._new_nonce: int | None = None
        self._a = 0

    def answer(self, request: TLObject) -> tuple[TLObject, bytes | None]:
        """Answer one step. The second item is the new auth key once the exchange completes."""
        if isinstance(request, ReqPqMultiRequest | ReqPqRequest):
            return self._res_pq(request.nonce), None
        if isinstance(request, ReqDHParamsRequest):
            return self._dh_params(request), None
        if isinstance(request, SetClientDHParamsRequest):
            return self._dh_gen(request)
        raise HandshakeError(f"unexpected plain message {type(request).__name__}")

    def _res_pq(self, nonce: int) -> types.ResPQ:
        self._nonce = nonce
        # Telethon reads pq as a signed big-endian integer: keep the top bit clear, and keep it
        # small (two ~31-bit primes) so the client's pure-Python factorisation is instant.
        self._p, self._q = sorted((_random_prime(31), _random_prime(31)))
        return types.ResPQ(
            nonce=nonce,
            server_nonce=self._server_nonce,
            pq=_be(self._p * self._q),
            server_public_key_fingerprints=[self._rsa.fingerprint],
        )

    def _check_nonces(self, nonce: int, server_nonce: int) -> None:
        if nonce != self._nonce or server_nonce != self._server_nonce:
            raise HandshakeError("nonce mismatch")

    def _inner_data(self, encrypted: bytes) -> TLObject:
        """p_q_inner_data* from req_DH_params' encrypted_data, in either of Telegram's
        schemes (core.telegram.org/mtproto/auth_key, step 4): RSA_PAD, which current clients
        send, or the older SHA1(data) + data + padding."""
        if len(encrypted) != 256 or int.from_bytes(encrypted, "big") >= self._rsa.n:
            raise HandshakeRefused("encrypted_data is not an RSA block of the server's key")
        block = self._rsa.decrypt_raw(encrypted)
        for decode in (_rsa_pad_data, _legacy_data):
            data = decode(block)
            if data is None:
                continue
            try:
                with BinaryReader(data) as reader:
                    inner = reader.tgread_object()
            except Exception:  # noqa: BLE001 - any unreadable inner data is refused alike
                continue
            if isinstance(inner, _INNER_DATA):
                return inner
        raise HandshakeRefused("encrypted_data holds no p_q_inner_data")

    def _dh_params(
        self, request: ReqDHParamsRequest
    ) -> types.ServerDHParamsOk | types.ServerDHParamsFail:
        self._check_nonces(request.nonce, request.server_nonce)
        if request.public_key_fingerprint != self._rsa.fingerprint:
            raise HandshakeRefused("unknown RSA fingerprint")
        inner = self._inner_data(request.encrypted_data)
        factors = {int.from_bytes(inner.p, "big"), int.from_bytes(inner.q, "big")}
        if (inner.nonce, inner.server_nonce) != (self._nonce, self._server_nonce) or factors != {
            self._p,
            self._q,
        }:
            # Read, but wrong: Telegram's server_DH_params_fail, which proves the server
            # read new_nonce (128 lower-order bits of its SHA1).
            digest = hashlib.sha1(inner.new_nonce.to_bytes(32, "little", signed=True)).digest()
            return types.ServerDHParamsFail(
                nonce=request.nonce,
                server_nonce=request.server_nonce,
                new_nonce_hash=int.from_bytes(digest[4:20], "little", signed=True),
            )
        self._new_nonce = inner.new_nonce
        while True:
            self._a = int.from_bytes(os.urandom(256), "big")
            g_a = pow(DH_G, self._a, DH_PRIME)
            if _SAFETY <= g_a <= DH_PRIME - _SAFETY:
                break
        answer = bytes(
            types.ServerDHInnerData(
                nonce=self._nonce,
                server_nonce=self._server_nonce,
                g=DH_G,
                dh_prime=_be(DH_PRIME),
                g_a=_be(g_a),
                server_time=int(time.time()),
            )
        )
        with_hash = hashlib.sha1(answer).digest() + answer
        with_hash += os.urandom(-len(with_hash) % 16)
        key, iv = generate_key_data_from_nonce(self._server_nonce, self._new_nonce)
        return types.ServerDHParamsOk(
            nonce=self._nonce,
            server_nonce=self._server_nonce,
            encrypted_answer=aes_ige_encrypt(with_hash, key, iv),
        )

    def _dh_gen(self, request: SetClientDHParamsRequest) -> tuple[TLObject, bytes | None]:
        self._check_nonces(request.nonce, request.server_nonce)
        if self._new_nonce is None:
            raise HandshakeError("set_client_DH_params before req_DH_params")
        key, iv = generate_key_data_from_nonce(self._server_nonce, self._new_nonce)
        plain = aes_ige_decrypt(request.encrypted_data, key, iv)
        with BinaryReader(plain[20:]) as reader:
            inner = reader.tgread_object()
        if not isinstance(inner, types.ClientDHInnerData):
            raise HandshakeError("client_DH_inner_data expected")
        if hashlib.sha1(bytes(inner)).digest() != plain[:20]:
            raise HandshakeError("client_DH_inner_data hash mismatch")
        g_b = int.from_bytes(inner.g_b, "big")
        if not _SAFETY <= g_b <= DH_PRIME - _SAFETY:
            raise HandshakeError("g_b outside the safe range")
        auth_key = pow(g_b, self._a, DH_PRIME).to_bytes(256, "big")
        holder = AuthKey(auth_key)
        # A key whose first byte is 0 is a key like any other (Telegram answers dh_gen_ok for
        # it too): a client that drops that byte (Telethon) fails its own check of the answer
        # and starts a new exchange, as it does against Telegram, about once in 256.
        return (
            types.DhGenOk(
                nonce=self._nonce,
                server_nonce=self._server_nonce,
                new_nonce_hash1=holder.calc_new_nonce_hash(self._new_nonce, 1),
            ),
            auth_key,
        )
