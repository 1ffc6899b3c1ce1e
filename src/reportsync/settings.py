"""The API settings: base URL and secret key, read from the environment and checked once."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from reportsync.constants import DEFAULT_API_URL, KEY_ENV, KEY_PREFIXES, URL_ENV
from reportsync.errors import ConfigError

TIMEOUT_ENV = "QONVERSION_TIMEOUT"
DEFAULT_TIMEOUT = 30.0  # seconds for one whole attempt: sending, waiting, reading the full answer
MAX_TIMEOUT = 3600.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the API lives and the key to call it with; the key never shows in repr or str."""

    api_url: str
    key: str = field(repr=False)


def load_settings(env: Mapping[str, str], key_env: str = KEY_ENV) -> Settings:
    """Settings from environment variables, or ConfigError with a sentence saying what to fix."""
    key = _key(env, key_env)
    raw_url = env.get(URL_ENV) or DEFAULT_API_URL
    if key.lower() in raw_url.lower():
        # Quoting it, resolving it or saving it in a plan file would all publish the key.
        raise ConfigError(
            f"{URL_ENV} contains the secret key: set it to the API's base URL only "
            f"(e.g. {DEFAULT_API_URL}) and the key in {key_env}"
        )
    return Settings(api_url=check_api_url(raw_url), key=key)


def load_timeout(env: Mapping[str, str], flag: float | None = None) -> float:
    """Seconds one HTTP attempt may take in all: --timeout, else QONVERSION_TIMEOUT, else 30.

    ConfigError when the value is not a number of seconds in (0, 3600]."""
    if flag is not None:
        return _seconds(str(flag), "--timeout")
    raw = (env.get(TIMEOUT_ENV) or "").strip()
    return _seconds(raw, TIMEOUT_ENV) if raw else DEFAULT_TIMEOUT


def _seconds(raw: str, source: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:  # NaN fails this too
        bound = f"above 0 and at most {MAX_TIMEOUT:g}"
        raise ConfigError(f"{source} {raw[:40]!r} must be a number of seconds {bound}")
    return value


def _key(env: Mapping[str, str], key_env: str) -> str:
    key = (env.get(key_env) or "").strip()
    if not key:
        raise ConfigError(
            f"{key_env} is not set: export your project's secret key (sk_… or test_sk_…) or use --emulator"
        )
    # Never echo the value: a mistyped secret is still a secret.
    if not key.startswith(KEY_PREFIXES):
        raise ConfigError(
            f"{key_env} does not look like a secret key ({len(key)} characters, expected to start "
            "with sk_ or test_sk_): use the project's secret key, not its public SDK key"
        )
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise ConfigError(
            f"{key_env} contains spaces or control characters ({len(key)} characters): "
            "copy the secret key again without extra characters"
        )
    return key


def check_api_url(raw: str) -> str:
    """The base URL without a trailing slash; refuses URLs that would expose the key."""
    url = raw.strip().rstrip("/")
    parts = _split(url)
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return url
    if parts.scheme == "http":
        raise ConfigError(
            f"{URL_ENV} {url!r} uses http:// for a non-local host: the secret key would travel "
            "in clear text; use https:// (http:// is allowed only for 127.0.0.1, ::1 or localhost)"
        )
    raise ConfigError(f"{URL_ENV} {url!r} must start with https://")


def _split(url: str) -> SplitResult:
    bad = f"{URL_ENV} {_shown(url)!r} is not a valid URL (expected e.g. {DEFAULT_API_URL})"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise ConfigError(bad) from None
    if not parts.scheme or not parts.hostname or any(c.isspace() for c in url):
        raise ConfigError(bad)
    if parts.query or parts.fragment:
        raise ConfigError(f"{URL_ENV} {_shown(url)!r} must not contain a query or fragment")
    if parts.username is not None or parts.password is not None:
        # requests would send these as Basic auth in place of the Bearer key.
        raise ConfigError(f"{URL_ENV} must not contain a user name or password")
    return parts


def _shown(url: str) -> str:
    """The URL as messages may show it: any user:password part masked."""
    return re.sub(r"//[^/]*@", "//***@", url, count=1)


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the only hosts plain http may reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
