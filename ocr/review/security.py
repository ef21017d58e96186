"""The review app's guards: access token, CSRF (signed token, origin), safe paths, loopback."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ocr.review.errors import NotFoundError, ReviewError

CSRF_COOKIE = "ocr_review_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
TOKEN_COOKIE = "ocr_review_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
REPORT_TYPES = {**IMAGE_TYPES, ".html": "text/html; charset=utf-8"}
# The pipeline's reports carry their own inline styles; they run no script.
REPORT_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}
HEADERS = {
    # No inline script or style anywhere: injected markup could not run even if it got through.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer a browser's POST says "Origin: null", and
    # the CSRF check needs the real origin; other sites still get no Referer.
    "Referrer-Policy": "same-origin",
}
_TOKEN_PARAM = re.compile(r"([?&]token=)[^&\s\"]*")

Next = Callable[[Request], Awaitable[Response]]


class CsrfError(ReviewError):
    status = 403
    message = (
        "the form's security token is missing or out of date; reload the page and try "
        "again (cookies must be enabled)"
    )


class TokenError(ReviewError):
    status = 401
    message = (
        "this review server needs its access token: open the link with ?token=… you were given"
    )


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the app on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name could resolve anywhere


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def sign(secret: bytes, nonce: str) -> str:
    """The form token of a browser's CSRF nonce: an HMAC with the server's secret, so a token
    the client makes up (or copies from its own cookie) is refused."""
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()


def own_origin(request: Request) -> str:
    """scheme://host[:port] of this server, as the browser addressed it."""
    return f"{request.url.scheme}://{request.url.netloc}"


def _same_origin(request: Request) -> bool:
    """Whether the request says it comes from a page of this server: its Origin, or without
    one its Referer (browsers send one of them with every form POST)."""
    mine = own_origin(request)
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == mine
    referer = request.headers.get("referer", "")
    return referer == mine or referer.startswith(mine + "/")


async def check_csrf(request: Request) -> None:
    """Every state-changing request comes from this server's own pages (Origin or Referer) and
    carries the form token signed for its browser's cookie, in a field or header."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise CsrfError(
            "the request does not come from this review page (its Origin or Referer "
            "is another site's, or missing); open the page and submit it from there"
        )
    nonce = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()  # cached by Starlette: the endpoint reads the same form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    secret: bytes = request.app.state.csrf_secret
    if not nonce or not _same(sign(secret, nonce), sent):
        raise CsrfError


async def session_middleware(request: Request, call_next: Next) -> Response:
    """Give each browser a CSRF nonce (cookie) whose signed token the pages repeat, and set the
    security headers."""
    nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    request.state.csrf = sign(request.app.state.csrf_secret, nonce)
    response = await call_next(request)
    if request.cookies.get(CSRF_COOKIE) != nonce:
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict")
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class RedactTokens(logging.Filter):
    """Keeps the access token out of the server's access log (its request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = _redact(str(record.msg))
        return True


def _redact(text: str) -> str:
    return _TOKEN_PARAM.sub(r"\1***", text)


class HostError(ReviewError):
    status = 400
    message = (
        "this review server answers only to its loopback address; open it as "
        "http://127.0.0.1:<port>/ (or set review_token to serve it to other machines)"
    )


def host_middleware(
    deny: Callable[[Request, ReviewError], Response],
) -> Callable[[Request, Next], Awaitable[Response]]:
    """Without a token, answer only requests addressed to a loopback name: a web page cannot
    then reach the app through DNS rebinding (its requests would carry the attacker's host)."""

    async def middleware(request: Request, call_next: Next) -> Response:
        host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        if not is_loopback(host):
            return deny(request, HostError())
        return await call_next(request)

    return middleware


def token_middleware(
    token: str, deny: Callable[[Request, ReviewError], Response]
) -> Callable[[Request, Next], Awaitable[Response]]:
    """Require the access token (query once, then a cookie; or a Bearer header) on every request."""

    async def middleware(request: Request, call_next: Next) -> Response:
        offered = request.query_params.get("token", "")
        if _same(offered, token):  # drop it from the URL, keep it in an HttpOnly cookie
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if _same(request.cookies.get(TOKEN_COOKIE, ""), token) or _same(bearer, token):
            return await call_next(request)
        return deny(request, TokenError())  # middleware errors bypass the app's handlers

    return middleware


def safe_file(root: Path, relative: str, *, types: dict[str, str] = IMAGE_TYPES) -> Path:
    """A file of one of ``types`` under ``root``; anything else (absolute, ``..``, links out,
    other types) is 404."""
    refused = NotFoundError("no such file")
    if (
        not relative
        or "\x00" in relative
        or "\\" in relative
        or relative.startswith("/")
        or PurePosixPath(relative).is_absolute()
        or ".." in PurePosixPath(relative).parts
    ):
        raise refused
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or path.suffix.lower() not in types or not path.is_file():
        raise refused
    return path


def file_url(root: Path, stored: str | None) -> str | None:
    """The /files/ URL of a path the pipeline stored, if it lies under the output folder."""
    if not stored:
        return None
    path, base = Path(stored).resolve(), root.resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return "/files/" + quote(path.relative_to(base).as_posix())
