"""The one place where library errors become HTTP statuses.

Routes let :class:`nlu.errors.NLUError` propagate; the handler answers with the status of
the closest class in :data:`STATUS` and ``{"detail": message}``.
"""

from fastapi import Request
from fastapi.responses import JSONResponse

from nlu.errors import (
    ArtifactError,
    Conflict,
    DataError,
    EmbeddingModelError,
    InvalidName,
    NLUError,
    NotFound,
    RateLimited,
    StoreError,
    TooLarge,
    Unavailable,
    UnknownLabel,
)

#: Library error -> HTTP status; a subclass takes its closest listed ancestor's status.
STATUS = {
    DataError: 422,
    UnknownLabel: 422,
    InvalidName: 422,
    NotFound: 404,
    Conflict: 409,
    # A reload refused: the artifact (or its encoder) is unusable, the old one keeps serving.
    ArtifactError: 409,
    EmbeddingModelError: 409,
    # The database cannot take or give data (down, read-only, deleted, behind), or refused
    # one record: nothing was stored, the client is told.
    StoreError: 503,
    Unavailable: 503,
    TooLarge: 413,
    RateLimited: 429,
    NLUError: 500,
}


def status_of(exc):
    """The status of a library error (its class or nearest listed base class)."""
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)


async def library_error(request: Request, exc: NLUError):
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after else None
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc), headers=headers)
