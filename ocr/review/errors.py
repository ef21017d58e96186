"""Review errors, on the library's one base (OcrError); the app maps them to HTTP statuses."""

from __future__ import annotations

from ocr.exceptions import ExitCode, OcrError


class ReviewError(OcrError):
    """Base of the review app's errors; ``status`` is the HTTP status the app answers with."""

    exit_code = ExitCode.bad_args
    status = 400
    message = "the review request cannot be carried out"


class NotFoundError(ReviewError):
    status = 404
    message = "no such item; it may belong to a run that was deleted — go back to the queue"


class InvalidDecisionError(ReviewError):
    status = 422
    message = "this decision is not valid for this item; check the action and the text"


class StaleItemError(ReviewError):
    """Someone saved the item after this page was loaded (optimistic version check failed)."""

    status = 409
    message = (
        "someone else saved this item after you opened it; nothing was overwritten — "
        "reload it to see their decision"
    )
