"""The prediction routes' usual request, answered without FastAPI's request machinery.

A FastAPI route costs a request about 0.25 ms of the interpreter (routing, its
middlewares, dependency solving, body parsing and validation): more than the fast
profile's prediction, on the one core a server process has (`nlu benchmark http`).
"""

import inspect

from starlette.requests import ClientDisconnect, Request

from .deps import ApiKeyCheck

__all__ = ["PredictionLane"]


class PredictionLane:
    """Pure ASGI middleware, the innermost: a ``POST`` of a JSON body to one of ``routes``
    whose body validates goes straight to the route's endpoint, after the route's API key
    check. Anything else, a body that does not validate included, goes on to FastAPI with
    the body as it came, so every error keeps FastAPI's own answer; the endpoint and the
    check are the route's, so a served request is answered as FastAPI would answer it.

    An error raised by the check or the endpoint is answered by the app's exception
    handler for it, as Starlette's ExceptionMiddleware would; any other exception goes up
    to the server-error middleware.
    """

    def __init__(self, app, routes):
        self.app = app
        self._routes = {}
        for route in routes:
            if not all(isinstance(d.dependency, ApiKeyCheck) for d in route.dependencies):
                raise ValueError(f"{route.path}: the prediction lane runs API key checks "
                                 "only")
            body = inspect.signature(route.endpoint).parameters["body"].annotation
            self._routes[route.path] = (route, body, [d.dependency for d in route.dependencies])

    async def __call__(self, scope, receive, send):
        served = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if served is None or scope["method"] != "POST" or not _json_content(scope):
            return await self.app(scope, receive, send)
        route, body_model, checks = served
        scope["route"], scope["endpoint"] = route, route.endpoint  # for the log and metrics
        request = Request(scope, receive)
        try:
            try:
                raw = await request.body()
            except ClientDisconnect:  # FastAPI's answer for it, logged as FastAPI logs it
                return await self.app(scope, receive, send)
            try:
                body = body_model.model_validate_json(raw)
            except ValueError:
                return await self.app(scope, _replay(raw, receive), send)
            for check in checks:
                await check(request)
            response = await route.endpoint(body, request)  # a Response: no response model
        except Exception as exc:
            handler = _handler(scope["app"].exception_handlers, exc)
            if handler is None:
                raise
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def _json_content(scope):
    """Whether the request says its body is JSON (``application/json``, any parameters)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False


def _replay(body, receive):
    """A ``receive`` that gives ``body`` (read already) once, then the client's messages."""
    given = False

    async def replayed():
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _handler(handlers, exc):
    """The app's handler for ``exc``, as Starlette's ExceptionMiddleware finds it (the
    handler of ``Exception`` belongs to the server-error middleware)."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None
