"""The HTTP seam: the one pooled session, sending one attempt, and a plain reason for every failure."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from reportsync import __version__

Timeout = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Failure:
    """No HTTP answer: a plain reason, whether the request may have reached the server,
    and whether trying again could help."""

    reason: str
    sent: bool
    transient: bool


class BearerAuth(requests.auth.AuthBase):
    """Adds the key on every request; set as session auth so ~/.netrc never replaces it."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


def new_session(key: str, pool_size: int) -> requests.Session:
    """One pooled, thread-shareable session; urllib3's own retries off (the client decides)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": f"reportsync/{__version__}", "Accept": "application/json"})
    session.auth = BearerAuth(key)
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    body: Any,
    headers: dict[str, str],
    timeout: Timeout,
) -> requests.Response | Failure:
    """One HTTP attempt: the response (any status), or why there was none."""
    try:
        return session.request(
            method, url, json=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        failure = classify(exc, url, timeout)
    return failure


WITHHELD = "the answer contained the secret key and was withheld whole (is the API URL right?)"


def holds_key(resp: requests.Response, key: str) -> bool:
    """True when the answer (body, reason phrase or any header) holds the key, in any letter case."""
    if not key:
        return False
    heads = " ".join(f"{name}: {value}" for name, value in resp.headers.items())
    texts = (resp.content.decode("utf-8", "replace"), str(resp.reason or ""), heads)
    return any(key.lower() in text.lower() for text in texts)


def host_label(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def classify(exc: requests.RequestException, url: str, timeout: Timeout) -> Failure:
    """A plain reason for a requests exception; never its text, which may carry the request."""
    host = host_label(url)
    chain = list(_chain(exc))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure(f"timed out after {timeout[0]:g} s connecting to {host}", False, True)
    if isinstance(exc, requests.exceptions.ReadTimeout) or _has(chain, _READ_TIMEOUTS):
        return Failure(f"timed out after {timeout[1]:g} s waiting for a response", True, True)
    if isinstance(exc, requests.exceptions.SSLError) or _has(chain, (ssl.SSLError,)):
        return Failure(_tls_reason(chain, host), False, False)
    if _has(chain, (urllib3.exceptions.NameResolutionError, socket.gaierror)):
        hostname = urlsplit(url).hostname
        return Failure(f"could not resolve host {hostname} — is the API URL right?", False, False)
    if _has(chain, (ConnectionRefusedError,)):
        return Failure(f"connection refused by {host} — is the API URL right?", False, True)
    if isinstance(exc, requests.exceptions.ProxyError):
        return Failure(f"could not reach {host} through the configured proxy", False, True)
    if _has(chain, (urllib3.exceptions.NewConnectionError,)):
        return Failure(f"could not connect to {host}", False, True)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return Failure("the connection broke while the response was being read", True, True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return Failure("the server closed the connection without a response", True, True)
    return Failure(f"the request could not be sent ({type(exc).__name__})", True, False)


_READ_TIMEOUTS = (urllib3.exceptions.ReadTimeoutError, socket.timeout)


def _tls_reason(chain: list[BaseException], host: str) -> str:
    if _has(chain, (ssl.SSLCertVerificationError,)) or any(
        "CERTIFICATE_VERIFY_FAILED" in str(e) for e in chain
    ):
        return (
            f"TLS certificate verification failed for {host} — the server's certificate is not "
            "trusted (set REQUESTS_CA_BUNDLE for a private CA)"
        )
    return f"the TLS handshake with {host} failed"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (args, .reason, __cause__, __context__)."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo and len(seen) < 50:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*current.args, getattr(current, "reason", None), current.__cause__]
        todo.extend(e for e in [*linked, current.__context__] if isinstance(e, BaseException))


def _has(chain: list[BaseException], kinds: tuple[type[BaseException], ...]) -> bool:
    return any(isinstance(e, kinds) for e in chain)
