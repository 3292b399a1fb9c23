"""AES-256-CTR in C for the MTProxy obfuscation, where Telethon uses pure Python.

Every byte to and from an MTProxy is AES-256-CTR encrypted (core.telegram.org/mtproto/
mtproto-transports, "Transport obfuscation"). Telethon 1.x does it with pyaes, pure Python:
about 0.6 MB/s of one core here, so a photo through an MTProxy took seconds of CPU and the
event loop stalled meanwhile. `use_fast_ctr` makes Telethon's MTProxy connections (its own
classes and `tgtui.telegram.fake_tls`, which reuses their obfuscation) use the
`cryptography` package's AES-CTR (OpenSSL) instead: the same bytes, hundreds of times
faster. It swaps the one name Telethon's MTProxy module builds its ciphers with, once.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_BYTES = 32
IV_BYTES = 16


class FastAESModeCTR:
    """Telethon's AESModeCTR (key, 16-byte initial counter; encrypt and decrypt continue one
    keystream each), on OpenSSL."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != KEY_BYTES or len(iv) != IV_BYTES:
            raise ValueError("AES-256-CTR takes a 32-byte key and a 16-byte counter")
        self._stream = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()

    def encrypt(self, data: bytes) -> bytes:
        """``data`` XORed with the next bytes of the keystream."""
        return self._stream.update(data)

    decrypt = encrypt  # CTR: the same operation both ways


def use_fast_ctr() -> None:
    """Build Telethon's MTProxy ciphers with `FastAESModeCTR` from now on (in this process)."""
    from telethon.network.connection import tcpmtproxy

    tcpmtproxy.AESModeCTR = FastAESModeCTR
