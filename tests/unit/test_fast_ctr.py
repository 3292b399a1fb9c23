"""The MTProxy obfuscation's AES-CTR on OpenSSL gives Telethon's pure-Python bytes, and an
MTProxy connection uses it."""

from __future__ import annotations

import os

from telethon.crypto.aesctr import AESModeCTR

from tgtui.telegram.fast_ctr import FastAESModeCTR, use_fast_ctr


def test_the_same_keystream_as_telethon_s_in_pieces_of_any_size() -> None:
    for _ in range(20):
        key, iv = os.urandom(32), os.urandom(16)
        slow, fast = AESModeCTR(key, iv), FastAESModeCTR(key, iv)
        for size in (1, 3, 16, 17, 64, 1000):
            data = os.urandom(size)
            assert fast.encrypt(data) == slow.encrypt(data)
        slow, fast = AESModeCTR(key, iv), FastAESModeCTR(key, iv)
        data = os.urandom(333)
        assert fast.decrypt(data) == slow.decrypt(data)


def test_an_mtproxy_connection_builds_its_ciphers_with_it() -> None:
    from telethon.network.connection import tcpmtproxy

    from tgtui.proxy import parse_proxy
    from tgtui.telegram.through_proxy import telethon_options

    telethon_options(parse_proxy("tg://proxy?server=127.0.0.1&port=1&secret=" + "ab" * 16))
    assert tcpmtproxy.AESModeCTR is FastAESModeCTR
    use_fast_ctr()  # again: harmless
    assert tcpmtproxy.AESModeCTR is FastAESModeCTR
