"""Settings from the environment: the key checked and never shown, the URL safe for it."""

from __future__ import annotations

import pytest

from reportsync.constants import DEFAULT_API_URL
from reportsync.errors import ConfigError
from reportsync.settings import Settings, load_settings

KEY = "test_sk_very_secret_value_123"


def test_defaults_to_the_public_api() -> None:
    settings = load_settings({"QONVERSION_SECRET_KEY": KEY})
    assert settings == Settings(DEFAULT_API_URL, KEY)


@pytest.mark.parametrize("key", ["sk_live_abc", "test_sk_abc", "  sk_padded\n"])
def test_accepts_secret_keys(key: str) -> None:
    assert load_settings({"QONVERSION_SECRET_KEY": key}).key == key.strip()


@pytest.mark.parametrize("env", [{}, {"QONVERSION_SECRET_KEY": ""}, {"QONVERSION_SECRET_KEY": " "}])
def test_missing_key_says_what_to_do(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert str(caught.value) == (
        "QONVERSION_SECRET_KEY is not set: export your project's secret key "
        "(sk_… or test_sk_…) or use --emulator"
    )


@pytest.mark.parametrize("key", ["pk_public_sdk_key_987", "SK_upper_987", "987"])
def test_non_secret_key_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"QONVERSION_SECRET_KEY": key})
    message = str(caught.value)
    assert key not in message and "987" not in message
    assert "sk_" in message and f"{len(key)} characters" in message


def test_key_with_inner_space_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"QONVERSION_SECRET_KEY": "sk_abc def_987"})
    assert "987" not in str(caught.value)


def test_key_env_name_is_configurable() -> None:
    assert load_settings({"OTHER_KEY": KEY}, key_env="OTHER_KEY").key == KEY
    with pytest.raises(ConfigError, match=r"^OTHER_KEY is not set"):
        load_settings({"QONVERSION_SECRET_KEY": KEY}, key_env="OTHER_KEY")


def test_repr_and_str_never_show_the_key() -> None:
    settings = load_settings({"QONVERSION_SECRET_KEY": KEY})
    assert KEY not in repr(settings) and KEY not in str(settings)
    assert DEFAULT_API_URL in repr(settings)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.example.com/v4/", "https://api.example.com/v4"),
        ("https://api.example.com:8443/v4", "https://api.example.com:8443/v4"),
        ("http://127.0.0.1:8080/v4", "http://127.0.0.1:8080/v4"),
        ("http://127.9.9.9/v4", "http://127.9.9.9/v4"),
        ("http://localhost:9000/v4/", "http://localhost:9000/v4"),
        ("http://[::1]:9000/v4", "http://[::1]:9000/v4"),
    ],
)
def test_url_accepted(raw: str, expected: str) -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": raw}
    assert load_settings(env).api_url == expected


@pytest.mark.parametrize(
    "raw", ["http://api.example.com/v4", "http://10.0.0.1/v4", "http://localhost.example.com"]
)
def test_plain_http_to_a_remote_host_is_refused(raw: str) -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": raw}
    with pytest.raises(ConfigError, match="clear text"):
        load_settings(env)


@pytest.mark.parametrize(
    "raw",
    [
        "api.example.com/v4",
        "https://",
        "https://api.example.com:99999/v4",
        "https://api.example.com:port/v4",
        "ftp://api.example.com/v4",
        "https://api.example.com/v4?x=1",
        "https://api example.com/v4",
    ],
)
def test_malformed_url_is_refused(raw: str) -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": raw}
    with pytest.raises(ConfigError, match="QONVERSION_API_URL"):
        load_settings(env)


def test_url_with_credentials_is_refused_without_echoing_them() -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": "https://me:hunter2@api.example.com"}
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert "hunter2" not in str(caught.value)


def test_url_errors_never_contain_the_key() -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": "http://evil.example.com"}
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert KEY not in str(caught.value)
