"""Which proxy a run uses: --no-proxy, --proxy, config.toml's `proxy`, then the environment
(ALL_PROXY before HTTPS_PROXY, each lowercase one first); the environment's proxy is not used
for loopback addresses or those NO_PROXY names; a bad one is one message that names where
it came from and never holds the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from tgtui.config import ConfigError, Paths, load_settings
from tgtui.proxy import ProxyError, choose_proxy, parse_proxy

SOCKS = "socks5://me:hunter2@10.0.0.5:1080"
HTTP = "http://proxy.corp.example:3128"


def test_the_first_that_is_set_wins() -> None:
    configured = parse_proxy("socks5://192.0.2.1:9050")
    environ = {"ALL_PROXY": SOCKS, "HTTPS_PROXY": HTTP}
    given = parse_proxy("tg://socks?server=198.51.100.7&port=1")
    assert choose_proxy(given, True, configured, environ) is None  # --no-proxy
    chosen = choose_proxy(given, False, configured, environ)
    assert chosen is not None
    assert (chosen.proxy, chosen.source) == (given, "--proxy")
    chosen = choose_proxy(None, False, configured, environ)
    assert chosen is not None
    assert (chosen.proxy, chosen.source) == (configured, "config.toml")
    chosen = choose_proxy(None, False, None, environ)
    assert chosen is not None
    assert (chosen.proxy.host, chosen.source) == ("10.0.0.5", "ALL_PROXY")
    chosen = choose_proxy(None, False, None, {"HTTPS_PROXY": HTTP, "https_proxy": SOCKS})
    assert chosen is not None
    assert chosen.source == "https_proxy"
    assert choose_proxy(None, False, None, {}) is None


def test_an_environment_proxy_without_a_scheme_is_http() -> None:
    chosen = choose_proxy(None, False, None, {"HTTPS_PROXY": "proxy.corp.example:3128"})
    assert chosen is not None
    assert (chosen.proxy.kind, chosen.proxy.host, chosen.proxy.port) == (
        "http",
        "proxy.corp.example",
        3128,
    )


@pytest.mark.parametrize(
    ("no_proxy", "host", "through"),
    [
        ("", "149.154.167.50", True),
        ("", "127.0.0.1", False),  # a sandbox on this machine
        ("", "::1", False),
        ("*", "149.154.167.50", False),
        ("149.154.160.0/20", "149.154.167.50", False),
        ("149.154.167.50", "149.154.167.50", False),
        ("example.org, .telegram.org", "dc2.telegram.org", False),
        ("telegram.org", "telegram.org", False),
        ("telegram.org", "nottelegram.org", True),
        ("10.0.0.0/8", "149.154.167.50", True),
    ],
)
def test_no_proxy_and_loopback_keep_the_environment_s_proxy_away(
    no_proxy: str, host: str, through: bool
) -> None:
    chosen = choose_proxy(None, False, None, {"ALL_PROXY": SOCKS, "NO_PROXY": no_proxy})
    assert chosen is not None
    assert chosen.applies_to(host) is through


def test_a_proxy_chosen_for_tgtui_is_used_even_for_loopback() -> None:
    chosen = choose_proxy(parse_proxy(SOCKS), False, None, {"NO_PROXY": "*"})
    assert chosen is not None
    assert chosen.applies_to("127.0.0.1")


def test_a_bad_environment_proxy_is_passed_over_naming_the_variable_not_the_password() -> None:
    skipped: list[str] = []
    environ = {"ALL_PROXY": "socks5://me:hunter2@host:99999", "HTTPS_PROXY": HTTP}
    chosen = choose_proxy(None, False, None, environ, skipped)
    assert chosen is not None
    assert chosen.source == "HTTPS_PROXY"  # the next one
    assert len(skipped) == 1
    assert skipped[0].startswith("ALL_PROXY is not used: ")
    assert "hunter2" not in skipped[0]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("socks5://u:hunter2@1.2.3.4:1\u00b2", "port must be a number"),  # "1²": isdigit()
        ("tg://proxy?server=1.2.3.4&port=4\u2074&secret=" + "ab" * 16, "port must be a number"),
        ("socks5://u:hunter2@1.2.3.4:" + "9" * 5000, "too long"),
        ("socks5://u:hunter2@[1.2.3.4:80", "not a proxy address or link"),
    ],
)
def test_odd_input_is_one_clear_message_never_the_password(text: str, said: str) -> None:
    with pytest.raises(ProxyError) as caught:
        parse_proxy(text)
    assert said in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_what_people_paste_from_elsewhere() -> None:
    key = bytes(range(0xF0, 0x100))  # its base64 has "+" and "/"
    import base64

    pasted = base64.b64encode(key).decode()
    assert "+" in pasted
    link = f"tg://proxy?SERVER=1.2.3.4&Port=443&secret={pasted}"  # "+" unencoded
    assert parse_proxy(link).secret == key
    socks4a = parse_proxy("socks4a://10.0.0.5:1080")
    assert (socks4a.kind, socks4a.port) == ("socks4", 1080)


def test_config_toml_proxy(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "config", tmp_path / "data", tmp_path / "state", tmp_path / "c")
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(f'proxy = "{SOCKS}"\n')
    settings = load_settings(paths, environ={})
    assert settings.proxy == parse_proxy(SOCKS)
    paths.config_file.write_text('proxy = ""\n')
    assert load_settings(paths, environ={}).proxy is None
    paths.config_file.write_text('proxy = "socks5://me:hunter2@host"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(paths, environ={})
    assert "proxy" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_proxy_saved_from_the_app_is_read_back_and_kept_private(tmp_path: Path) -> None:
    from tgtui.config import save_proxy

    paths = Paths(tmp_path / "config", tmp_path / "data", tmp_path / "state", tmp_path / "c")
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text('theme = "nord"\n\n[keys]\nbackup = "x"\n')
    link = 'tg://socks?server=10.0.0.5&port=1080&user=me&pass=a"b\\\\c'
    save_proxy(paths.config_file, link)
    settings = load_settings(paths, environ={})
    assert settings.proxy == parse_proxy(link)
    assert settings.proxy is not None
    assert settings.proxy.password == 'a"b\\\\c'
    assert (settings.theme, dict(settings.keys)) == ("nord", {"backup": "x"})
    assert paths.config_file.stat().st_mode & 0o777 == 0o600
    save_proxy(paths.config_file, None)
    assert load_settings(paths, environ={}).proxy is None
    assert "proxy" not in paths.config_file.read_text()
