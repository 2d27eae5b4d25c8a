"""Dependencies shared by the routes: the app's state, and the token checks."""

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import APIKeyHeader
from starlette.requests import HTTPConnection

from .limits import check_rate


def state_of(request):
    """The app's :class:`~serve.app.ServerState`. The prediction routes call this
    themselves: the prediction lane (serve/lane.py) calls their endpoints with the body and
    the request only."""
    return request.app.state.nlu


# ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, two thread
# hops per request. It must not block.
async def get_state(request: Request):
    return state_of(request)


def _bearer(authorization):
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


class ApiKeyCheck(APIKeyHeader):
    """Parse and chat need a key (header ``X-API-Key``) only when ``NLU_API_KEYS`` lists
    some; with ``NLU_RATE_LIMIT`` set, each client (its key, or else its address) has a
    rate. A security scheme, so the OpenAPI schema and /docs show the key; it reads the
    header from the request itself, so that the prediction lane (serve/lane.py) can run it
    without FastAPI's dependency solving."""

    def __init__(self):
        super().__init__(name="X-API-Key", scheme_name="APIKey", auto_error=False,
                         description="Needed when the server sets NLU_API_KEYS.")

    async def __call__(self, request: HTTPConnection):
        state = state_of(request)
        x_api_key = request.headers.get("x-api-key")
        keys = state.settings.api_keys
        if keys and not any(hmac.compare_digest((x_api_key or "").encode(), k.encode())
                            for k in keys):
            raise HTTPException(401, "missing or wrong API key (header X-API-Key)")
        if state.rate_limits is not None:
            address = request.client.host if request.client else "unknown"
            check_rate(state.rate_limits, f"key:{x_api_key}" if keys else f"address:{address}")


def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None):
    """The admin token, compared in constant time."""
    expected = request.app.state.nlu.settings.admin_token
    token = _bearer(authorization)
    if token is None:
        raise HTTPException(401, "missing admin token (header Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(403, "wrong admin token")


REVIEW_COOKIE = "nlu_review_token"


def require_reviewer(request: Request, authorization: Annotated[str | None, Header()] = None):
    """A CS lead's token or the admin token, from the header or the review page's cookie.

    Returns the reviewer's name ("admin" for the admin token).
    """
    token = _bearer(authorization) or request.cookies.get(REVIEW_COOKIE)
    if not token:
        raise HTTPException(401, "missing token (header Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
    name = reviewer_name(request.app.state.nlu, token)
    if name is None:
        raise HTTPException(403, "wrong token")
    return name


def require_admin_reviewer(reviewer: Annotated[str, Depends(require_reviewer)]):
    """The admin token, from the header or the review page's cookie (lead management)."""
    if reviewer != "admin":
        raise HTTPException(403, "only the admin token manages leads")


def reviewer_name(state, token):
    """Who holds ``token``: "admin", a lead's name, or None."""
    admin = state.settings.admin_token
    if admin and hmac.compare_digest(token.encode(), admin.encode()):
        return "admin"
    return state.store.lead_for_token(token)


State = Annotated[object, Depends(get_state)]
Reviewer = Annotated[str, Depends(require_reviewer)]
ApiKey = Depends(ApiKeyCheck())
Admin = Depends(require_admin)
AdminReviewer = Depends(require_admin_reviewer)
