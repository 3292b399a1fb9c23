"""Which AES implementation Telethon encrypts with, and a warning when it is the slow one.

Telethon uses cryptg when it is installed, else OpenSSL's libssl when found, else pure
Python. Pure-Python AES runs in the event loop: a fast download then freezes the screen and
crawls. tgtui depends on cryptg; this checks that it really loaded.
"""

from __future__ import annotations

from typing import Literal

from telethon.crypto import aes, libssl

from tgtui.i18n import _

Backend = Literal["cryptg", "libssl", "python"]


def crypto_backend() -> Backend:
    """The AES implementation in use."""
    if aes.cryptg is not None:
        return "cryptg"
    if libssl.encrypt_ige and libssl.decrypt_ige:
        return "libssl"
    return "python"


def crypto_warning(backend: Backend | None = None) -> str | None:
    """What to tell the user when cryptg is missing (None when it is there)."""
    backend = backend or crypto_backend()
    if backend == "cryptg":
        return None
    if backend == "libssl":
        message = _(
            "cryptg is not installed: encryption runs in {backend}, so downloads are slower. "
            "Install it with: pip install cryptg"
        )
    else:
        message = _(
            "cryptg is not installed: encryption runs in {backend}, so downloads are much "
            "slower, and the screen may stutter. Install it with: pip install cryptg"
        )
    return message.format(backend=backend)
