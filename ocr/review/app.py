"""The review app: FastAPI with server-rendered pages, its error pages, and `serve` for the CLI."""

from __future__ import annotations

import copy
import logging
import math
import secrets
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ocr.exceptions import ConfigError, OcrError
from ocr.review import models  # noqa: F401 - registers the review tables before create_all
from ocr.review.errors import ReviewError
from ocr.review.security import (
    check_csrf,
    host_middleware,
    is_loopback,
    session_middleware,
    token_middleware,
)
from ocr.settings import Settings
from ocr.store import Store

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def review_token(settings: Settings | None) -> str:
    """The access token from settings (``review_token``, plain or SecretStr), empty if unset."""
    value = getattr(settings, "review_token", "") if settings is not None else ""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return str(value or "")


def _templates() -> Jinja2Templates:
    # Autoescape on for every template: OCR and reference text are untrusted input.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["inf"] = math.inf
    return Jinja2Templates(env=env)


def error_page(
    request: Request, status: int, title: str, message: str, extra: dict[str, Any] | None = None
) -> Response:
    """An HTML error page (or JSON for API clients) with a message that says what to do."""
    if "application/json" in request.headers.get(
        "accept", ""
    ) and "text/html" not in request.headers.get("accept", ""):
        from fastapi.responses import JSONResponse

        return JSONResponse({"error": title, "detail": message}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    context = {
        "status": status,
        "title": title,
        "message": message,
        "back": None,
        "csrf": getattr(request.state, "csrf", ""),
        "reviewer": "",
        **(extra or {}),
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _deny(request: Request, error: ReviewError) -> Response:
    titles = {400: "Wrong address", 401: "Access token needed"}
    return error_page(request, error.status, titles.get(error.status, "Refused"), str(error))


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReviewError)
    async def _review(request: Request, exc: ReviewError) -> Response:
        titles = {
            404: "Not found",
            409: "Saved by someone else",
            422: "Cannot do that",
            403: "Form expired",
            401: "Access token needed",
        }
        flag_id = request.path_params.get("flag_id")
        back = f"/flags/{flag_id}" if flag_id is not None and exc.status != 404 else None
        return error_page(
            request, exc.status, titles.get(exc.status, "Error"), str(exc), {"back": back}
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'input'}: "
            f"{e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
        return error_page(request, 422, "Malformed request", f"check the input ({fields})")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = (
            "no such page; go back to the queue" if exc.status_code == 404 else str(exc.detail)
        )
        return error_page(
            request,
            exc.status_code,
            "Not found" if exc.status_code == 404 else "Request refused",
            message,
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        log.warning("database error on %s: %s", request.url.path, exc)
        return error_page(
            request,
            503,
            "Database busy",
            "the results database is busy or unavailable (a batch may be writing); "
            "nothing was saved — try again in a moment",
        )

    @app.exception_handler(OcrError)
    async def _ocr(request: Request, exc: OcrError) -> Response:
        return error_page(request, 422, "Cannot process this item", str(exc))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:  # last resort, logged
        log.exception("review app error on %s", request.url.path)
        return error_page(
            request,
            500,
            "Internal error",
            "something went wrong on the server; the error is in its log",
        )


def create_app(db_url: str, output_dir: Path, settings: Settings | None = None) -> FastAPI:
    """The review app over the pipeline's database; images are served only from ``output_dir``."""
    from ocr.review.routes import router

    app = FastAPI(
        title="OCR review",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.store = Store(db_url)
    app.state.output_dir = Path(output_dir).resolve()
    app.state.settings = settings
    app.state.templates = _templates()
    app.state.csrf_secret = secrets.token_bytes(32)  # signs this server's form tokens
    token = review_token(settings)
    # Inner middleware: runs after the session one has set the CSRF token for the error page.
    guard = token_middleware(token, _deny) if token else host_middleware(_deny)
    app.middleware("http")(guard)
    app.middleware("http")(session_middleware)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    _install_handlers(app)
    return app


def check_bind(host: str, settings: Settings | None) -> None:
    """Refuse to listen beyond this machine without an access token."""
    if not is_loopback(host) and not review_token(settings):
        raise ConfigError(
            f"the review app would listen on {host}, reachable from other machines, "
            "without an access token; set review_token (OCR_REVIEW_TOKEN) or use "
            "--host 127.0.0.1"
        )


def serve(
    host: str, port: int, db_url: str, output_dir: Path, settings: Settings | None = None
) -> None:
    """Run the review app with uvicorn until interrupted (127.0.0.1 unless a token is set)."""
    import uvicorn

    check_bind(host, settings)
    Store(db_url, create=False).engine.dispose()  # DatabaseNotFoundError, not an empty one
    app = create_app(db_url, output_dir, settings)
    log.info("review app on http://%s:%d/queue (database %s)", host, port, db_url)
    uvicorn.run(
        app, host=host, port=port, log_level="info", server_header=False, log_config=log_config()
    )


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with the access token kept out of the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "ocr.review.security.RedactTokens"}
    config["handlers"]["access"]["filters"] = ["redact_tokens"]
    return config
