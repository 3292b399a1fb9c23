"""The AES backend check: cryptg is what we ship, and its absence is worded for the user."""

from __future__ import annotations

from tgtui.telegram.crypto import crypto_backend, crypto_warning


def test_cryptg_is_in_use() -> None:
    assert crypto_backend() == "cryptg"
    assert crypto_warning() is None


def test_a_missing_cryptg_is_explained_with_the_fix() -> None:
    for backend in ("libssl", "python"):
        warning = crypto_warning(backend)
        assert warning is not None
        assert "pip install cryptg" in warning
        assert backend in warning
    assert "stutter" in (crypto_warning("python") or "")
