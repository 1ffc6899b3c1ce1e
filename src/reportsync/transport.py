"""The HTTP seam: the one pooled session, sending one attempt, and a plain reason for every failure."""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from reportsync import __version__
from reportsync.settings import is_loopback
from reportsync.watchdog import WatchedAdapter, watching

# (connect seconds, seconds for the whole attempt: sending, waiting and reading the full answer)
Timeout = tuple[float, float]
MAX_BODY_BYTES = 16 * 1024 * 1024  # decoded; a page of 100 reports is well under 1 MiB
_CHUNK = 64 * 1024
_NO_PROXY = {"http": None, "https": None, "all": None}


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


def new_session(pool_size: int) -> requests.Session:
    """One pooled, thread-shareable session per API host; urllib3's own retries off (the client
    decides). The key travels with each request (`send`'s auth), so projects with different keys share
    the session."""
    session = requests.Session()
    adapter = WatchedAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": f"reportsync/{__version__}", "Accept": "application/json"})
    # The proxy is chosen once per API host (choose_proxy) and the key is sent by `send`: requests' own
    # look-ups of proxies and ~/.netrc in the environment, on every request, are off. What else it took
    # from the environment, the CA bundle, is read here as requests reads it.
    session.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    body: Any,
    headers: dict[str, str],
    timeout: Timeout,
    auth: BearerAuth | None = None,
    proxy: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    max_body: int = MAX_BODY_BYTES,
) -> requests.Response | Failure:
    """One HTTP attempt within `timeout[1]` seconds overall: the response (any status, body read
    whole, at most `max_body` bytes once decoded), or why there was none. `proxy`: the proxy URL
    to go through, None for a direct connection (the environment's proxy settings are not read here)."""
    deadline = clock() + timeout[1]
    with watching(timeout[1]) as watch:
        outcome = _attempt(
            session, method, url, body, headers, timeout, auth, proxy, deadline, clock, max_body
        )
    if isinstance(outcome, Failure) and watch.expired:
        outcome = _late(timeout[1])
    return _named(outcome, proxy) if isinstance(outcome, Failure) else outcome


def _attempt(
    session: requests.Session,
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str],
    timeout: Timeout,
    auth: BearerAuth | None,
    proxy: str | None,
    deadline: float,
    clock: Callable[[], float],
    max_body: int,
) -> requests.Response | Failure:
    proxies: Mapping[str, str | None] = {"http": proxy, "https": proxy} if proxy else _NO_PROXY
    try:
        resp = session.request(
            method,
            url,
            json=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
            auth=auth,  # never None when a key is set, so that ~/.netrc never replaces it
            proxies=dict(proxies),  # type: ignore[arg-type]  # None disables a proxy for a scheme
        )
    except requests.RequestException as exc:
        return classify(exc, url, timeout)
    return _read_whole(resp, url, timeout, deadline, clock, max_body)


def _read_whole(
    resp: requests.Response,
    url: str,
    timeout: Timeout,
    deadline: float,
    clock: Callable[[], float],
    max_body: int,
) -> requests.Response | Failure:
    """The response with its body read (bounded by `deadline` and `max_body`), or why it could not be."""
    try:
        resp._content = read_body(resp, deadline, max_body, clock)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        resp.close()  # a half-read connection must not go back to the pool
        if isinstance(exc, requests.RequestException):
            return classify(exc, url, timeout)
        return Failure("the connection broke while the response was being read", True, True)
    except _Overrun as over:
        resp.close()
        return over.failure
    except _Late:
        resp.close()
        return _late(timeout[1])
    resp.raw.release_conn()
    return resp


def _late(seconds: float) -> Failure:
    """The one failure of an attempt that outlived its deadline, however the time was spent."""
    return Failure(f"timed out after {seconds:g} s waiting for a complete response (--timeout)", True, True)


class _Late(Exception):
    """The attempt's deadline passed while its body was being read."""


class _Overrun(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def read_body(resp: requests.Response, deadline: float, max_body: int, clock: Callable[[], float]) -> bytes:
    """The decoded body, read in pieces so that neither the clock nor the size can run away."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise _Overrun(_too_large(f"{int(declared):,} bytes declared", max_body))
    body = bytearray()
    while True:
        if clock() > deadline:
            raise _Late
        piece = resp.raw.read1(_CHUNK, decode_content=True)
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > max_body:
            raise _Overrun(_too_large("more than that received", max_body))


def _too_large(seen: str, max_body: int) -> Failure:
    limit = f"{max_body // (1024 * 1024)} MiB" if max_body >= 1024 * 1024 else f"{max_body:,} bytes"
    return Failure(f"the response body is larger than the {limit} limit ({seen}, decompressed)", True, False)


def _named(failure: Failure, proxy: str | None) -> Failure:
    if proxy is None:
        return failure
    return Failure(f"{failure.reason} (through proxy {proxy_label(proxy)})", failure.sent, failure.transient)


def proxy_label(proxy: str) -> str:
    """A proxy URL as messages may show it: scheme, host and port, never a user or password."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}"


def choose_proxy(url: str, env: Mapping[str, str]) -> str | None:
    """The proxy for `url` from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY in `env` (either case);
    None for a loopback host, which is never proxied: the key would leave the machine."""
    parts = urlsplit(url)
    if is_loopback(parts.hostname or ""):
        return None
    no_proxy = _env(env, "no_proxy")
    if no_proxy and requests.utils.should_bypass_proxies(url, no_proxy=no_proxy):
        return None
    return _env(env, f"{parts.scheme}_proxy") or _env(env, "all_proxy") or None


def _env(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or env.get(name.upper()) or "").strip()


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
        return _late(timeout[1])
    if isinstance(exc, requests.exceptions.SSLError) or _has(chain, (ssl.SSLError,)):
        return Failure(_tls_reason(chain, host), False, False)
    if _has(chain, (urllib3.exceptions.NameResolutionError, socket.gaierror)):
        hostname = urlsplit(url).hostname
        return Failure(f"could not resolve host {hostname} — is the API URL right?", False, False)
    if _has(chain, (ConnectionRefusedError,)):
        return Failure(f"connection refused by {host} — is the API URL right?", False, True)
    if isinstance(exc, requests.exceptions.ProxyError):
        return Failure(f"could not reach {host}: the proxy refused or failed", False, True)
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
