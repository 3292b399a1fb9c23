"""What the Connection screen gives the log's redactor (its second lock on proxy secrets):
the link, the MTProxy secret and a password long enough to be told from words; a short one
("pass") would be cut out of every log line's words ("user name and [redacted]word")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tgtui.log import REDACTED, redactor
from tgtui.proxy import parse_proxy
from tgtui.screens.connection import keep_out_of_the_log


@pytest.fixture(autouse=True)
def _fresh_redactor() -> Iterator[None]:
    redactor.forget()
    yield
    redactor.forget()


def test_a_long_password_and_the_link_are_kept_out() -> None:
    link = "socks5://me:correct-horse@10.0.0.5:1080"
    keep_out_of_the_log(link, parse_proxy(link))
    line = f"tried {link}, password correct-horse"
    assert redactor.clean(line) == f"tried {REDACTED}, password {REDACTED}"


def test_a_short_password_does_not_cut_words() -> None:
    link = "socks5://me:pass@10.0.0.5:1080"
    keep_out_of_the_log(link, parse_proxy(link))
    line = "socks5 10.0.0.5:1080 (with a user name and password)"
    assert redactor.clean(line) == line
    assert redactor.clean(f"through {link}") == f"through {REDACTED}"  # the link still


def test_an_mtproxy_secret_is_kept_out() -> None:
    secret = "ee" + "5f" * 16 + b"example.com".hex()
    link = f"tg://proxy?server=1.2.3.4&port=443&secret={secret}"
    keep_out_of_the_log(link, parse_proxy(link))
    assert "5f" * 16 not in redactor.clean("key " + "5f" * 16)
