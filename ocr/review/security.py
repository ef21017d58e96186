"""The review app's guards: access token, CSRF double-submit check, safe file paths, loopback test."""

from __future__ import annotations

import hmac
import ipaddress
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
HEADERS = {
    # No inline script or style anywhere: injected markup could not run even if it got through.
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self'; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

Next = Callable[[Request], Awaitable[Response]]


class CsrfError(ReviewError):
    status = 403
    message = ("the form's security token is missing or out of date; reload the page and try "
               "again (cookies must be enabled)")


class TokenError(ReviewError):
    status = 401
    message = "this review server needs its access token: open the link with ?token=… you were given"


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


async def check_csrf(request: Request) -> None:
    """Every state-changing request repeats the session's cookie token in a field or header."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()  # cached by Starlette: the endpoint reads the same form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not _same(cookie, sent):
        raise CsrfError


async def session_middleware(request: Request, call_next: Next) -> Response:
    """Give each browser a CSRF token (cookie) the templates repeat, and set security headers."""
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    request.state.csrf = token
    response = await call_next(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class HostError(ReviewError):
    status = 400
    message = ("this review server answers only to its loopback address; open it as "
               "http://127.0.0.1:<port>/ (or set review_token to serve it to other machines)")


def host_middleware(deny: Callable[[Request, ReviewError], Response]
                    ) -> Callable[[Request, Next], Awaitable[Response]]:
    """Without a token, answer only requests addressed to a loopback name: a web page cannot
    then reach the app through DNS rebinding (its requests would carry the attacker's host)."""

    async def middleware(request: Request, call_next: Next) -> Response:
        host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        if not is_loopback(host):
            return deny(request, HostError())
        return await call_next(request)

    return middleware


def token_middleware(token: str, deny: Callable[[Request, ReviewError], Response]
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


def safe_file(root: Path, relative: str) -> Path:
    """An image file under ``root``; anything else (absolute, ``..``, links out, other types) is 404."""
    refused = NotFoundError("no such image")
    if (not relative or "\x00" in relative or "\\" in relative or relative.startswith("/")
            or PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts):
        raise refused
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or path.suffix.lower() not in IMAGE_TYPES or not path.is_file():
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
