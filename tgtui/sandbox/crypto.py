"""Cryptography the sandbox server needs: AES-IGE, MTProto 2.0 keys and the test RSA key.

AES runs in cryptg (C); the RSA and Diffie-Hellman maths are plain integers.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from functools import cache
from importlib import resources

import cryptg
import rsa
from telethon.tl.tlobject import TLObject

# Telegram's published 2048-bit prime (g = 3). Telethon recognises it and skips its very slow
# primality check, both in the auth-key exchange and in the SRP (2FA) computation.
DH_PRIME = int(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B",
    16,
)
DH_G = 3


def aes_ige_encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """Encrypt ``data`` (a multiple of 16 bytes) with AES-256-IGE."""
    return cryptg.encrypt_ige(data, key, iv)


def aes_ige_decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """Decrypt ``data`` (a multiple of 16 bytes) with AES-256-IGE."""
    return cryptg.decrypt_ige(data, key, iv)


_BLOCK = 16
_COUNTER_MASK = (1 << 128) - 1
_ZERO_IV = bytes(32)


class AesCtr:
    """AES-256-CTR, one direction of an obfuscated connection (core.telegram.org/mtproto/
    obfuscation): a 128-bit big-endian counter starting at the IV.

    The keystream is AES of each counter block. cryptg (the fast AES the project depends
    on) offers IGE only; IGE with a zero IV over a single block is exactly AES of that
    block, so the keystream is made one block per call, in C, and XORed in bulk."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != 32 or len(iv) != _BLOCK:
            raise ValueError("AES-256-CTR takes a 32-byte key and a 16-byte IV")
        self._key = key
        self._counter = int.from_bytes(iv, "big")
        self._left = b""  # keystream made but not used yet (under a block)

    def _keystream(self, size: int) -> bytes:
        stream = self._left
        if size > len(stream):
            blocks = (size - len(stream) + _BLOCK - 1) // _BLOCK
            encrypt, key, counter = cryptg.encrypt_ige, self._key, self._counter
            stream += b"".join(
                encrypt(((counter + i) & _COUNTER_MASK).to_bytes(_BLOCK, "big"), key, _ZERO_IV)
                for i in range(blocks)
            )
            self._counter = (counter + blocks) & _COUNTER_MASK
        self._left = stream[size:]
        return stream[:size]

    def __call__(self, data: bytes) -> bytes:
        """Encrypt or decrypt (the same operation) the next bytes of the stream."""
        if not data:
            return b""
        stream = self._keystream(len(data))
        mixed = int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")
        return mixed.to_bytes(len(data), "little")


def auth_key_id(auth_key: bytes) -> int:
    """The 64 lower-order bits of SHA1(auth_key), as Telegram and Telethon compute them."""
    return int(struct.unpack("<Q", hashlib.sha1(auth_key).digest()[-8:])[0])


def message_aes(auth_key: bytes, msg_key: bytes, *, from_client: bool) -> tuple[bytes, bytes]:
    """AES key and IV for one MTProto 2.0 message (x = 0 from the client, 8 from the server)."""
    x = 0 if from_client else 8
    a = hashlib.sha256(msg_key + auth_key[x : x + 36]).digest()
    b = hashlib.sha256(auth_key[x + 40 : x + 76] + msg_key).digest()
    return a[:8] + b[8:24] + a[24:32], b[:8] + a[8:24] + b[24:32]


def encrypt_from_server(auth_key: bytes, plaintext: bytes) -> bytes:
    """Wrap a server plaintext (salt, session, message) into an encrypted MTProto 2.0 packet."""
    padding = os.urandom(-(len(plaintext) + 12) % 16 + 12)
    msg_key = hashlib.sha256(auth_key[96:128] + plaintext + padding).digest()[8:24]
    key, iv = message_aes(auth_key, msg_key, from_client=False)
    key_id = struct.pack("<Q", auth_key_id(auth_key))
    return key_id + msg_key + aes_ige_encrypt(plaintext + padding, key, iv)


class BadPacket(Exception):
    """A client packet that fails the MTProto 2.0 integrity checks."""


def decrypt_from_client(auth_key: bytes, packet: bytes) -> bytes:
    """Decrypt a client packet (after its auth_key_id) and check its msg_key."""
    msg_key, body = packet[8:24], packet[24:]
    if len(body) % 16 or not body:
        raise BadPacket("encrypted body is not a multiple of 16 bytes")
    key, iv = message_aes(auth_key, msg_key, from_client=True)
    plaintext = aes_ige_decrypt(body, key, iv)
    if hashlib.sha256(auth_key[88:120] + plaintext).digest()[8:24] != msg_key:
        raise BadPacket("msg_key does not match the decrypted data")
    return plaintext


@dataclass(frozen=True)
class RsaKey:
    """The sandbox's server RSA key (a fixed test key committed with the package)."""

    n: int
    e: int
    d: int
    public_pem: str

    @property
    def fingerprint(self) -> int:
        """The key's fingerprint as Telegram defines it: low 64 bits of SHA1(n, e as TL bytes)."""
        n = TLObject.serialize_bytes(_int_bytes(self.n))
        e = TLObject.serialize_bytes(_int_bytes(self.e))
        return int(struct.unpack("<q", hashlib.sha1(n + e).digest()[-8:])[0])

    def decrypt_raw(self, block: bytes) -> bytes:
        """Raw RSA decryption of a 256-byte block (Telegram's legacy, unpadded scheme)."""
        return pow(int.from_bytes(block, "big"), self.d, self.n).to_bytes(256, "big")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@cache
def test_rsa_key() -> RsaKey:
    """Load the committed test key. It protects nothing: it only lets a client trust the sandbox."""
    pem = resources.files("tgtui.sandbox").joinpath("test_rsa_key.pem").read_bytes()
    private = rsa.PrivateKey.load_pkcs1(pem)
    public = rsa.PublicKey(private.n, private.e).save_pkcs1().decode("ascii")
    return RsaKey(n=private.n, e=private.e, d=private.d, public_pem=public)


def trust_test_key() -> None:
    """Make Telethon in this process accept the sandbox's RSA key during the key exchange."""
    from telethon.crypto import rsa as telethon_rsa

    telethon_rsa.add_key(test_rsa_key().public_pem, old=False)
