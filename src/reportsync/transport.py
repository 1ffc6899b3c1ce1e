"""The HTTP session the client sends through, and plain reasons for everything that can fail."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from reportsync import __version__
from reportsync.constants import RESTART_HEADER
from reportsync.errors import ApiError, TransportError
from reportsync.retry import Failure

Timeout = tuple[float, float]


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


def read_json(resp: requests.Response, method: str, path: str, ambiguous: bool = False) -> Any:
    """The decoded body of a 2xx response; None when empty; TransportError when not JSON."""
    if not resp.content.strip():
        return None
    try:
        return resp.json()
    except ValueError:
        kind = resp.headers.get("Content-Type") or "none"
        reason = f"the response was not JSON (content-type {kind}, HTTP {resp.status_code})"
        raise TransportError(method, path, reason, ambiguous=ambiguous) from None


def api_error(
    resp: requests.Response, method: str, path: str, *, ambiguous: bool = False, note: str = ""
) -> ApiError:
    """An ApiError from the v4 error envelope, or from the HTTP reason when there is none."""
    err = _envelope(resp)
    code = str(err.get("code") or "")
    message = str(err.get("message") or "") or resp.reason or f"HTTP {resp.status_code}"
    raw = err.get("details")
    details = tuple(_detail(d) for d in raw if d) if isinstance(raw, list) else ()
    return ApiError(method, path, resp.status_code, code, message + note, details, ambiguous=ambiguous)


def _envelope(resp: requests.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return dict(data["error"])
    if isinstance(data, dict) and ("code" in data or "message" in data):
        return data
    return {}


def _detail(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        return (str(item.get("field") or ""), str(item.get("message") or ""))
    return ("", str(item))


def malformed(
    resp: requests.Response, method: str, path: str, what: str, ambiguous: bool = False
) -> ApiError:
    """A 2xx answer whose JSON is not what the contract describes."""
    return ApiError(method, path, resp.status_code, "malformed_response", what, (), ambiguous=ambiguous)


def parse_page(resp: requests.Response, path: str) -> tuple[list[dict[str, Any]], bool, str | None]:
    """(items, has_more, next_cursor) of one list page; a bare JSON list is the whole listing."""
    data = read_json(resp, "GET", path)
    if isinstance(data, list):
        page, has_more, cursor = data, False, None
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        page, has_more = data["data"], bool(data.get("has_more"))
        cursor = data.get("next_cursor") if isinstance(data.get("next_cursor"), str) else None
    else:
        raise malformed(resp, "GET", path, "the listing has no data list")
    for item in page:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise malformed(resp, "GET", path, "a listed item has no id")
    return page, has_more, cursor


def restarted(resp: requests.Response) -> bool:
    """Whether the server restarted the pagination (the cursor item vanished)."""
    return resp.headers.get(RESTART_HEADER, "").strip().lower() == "true"


def is_404(outcome: requests.Response | Failure) -> TypeGuard[requests.Response]:
    return isinstance(outcome, requests.Response) and outcome.status_code == 404


def maybe_applied(outcome: requests.Response | Failure) -> bool:
    """Whether a failed attempt may still have taken effect on the server."""
    if isinstance(outcome, Failure):
        return outcome.sent
    return outcome.status_code >= 500
