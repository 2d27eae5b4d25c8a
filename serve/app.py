"""The app factory: ``create_app(settings)``; uvicorn uses ``serve.app:create_app`` (factory)."""

import asyncio
import logging
import secrets
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from nlu.assistant.engine import Engine
from nlu.errors import NLUError
from nlu.feedback.records import stored_text
from nlu.feedback.store import Store
from nlu.vocabulary import OUT_OF_SCOPE

from . import api, docs, feedback, ops, page, rasa, review
from .engine import Batcher, cancel, load_engine
from .follow import SharedModel
from .errors import library_error
from .lane import PredictionLane
from .limits import BodyLimit, TokenBuckets
from .metrics import Metrics
from .recorder import Recorder
from .schemas import ErrorResponse
from .security import SecurityHeaders
from .settings import Settings, get_settings

access_log = logging.getLogger("nlu.access")
error_log = logging.getLogger("nlu.serve")
#: The pages' scripts, styles and images, served at /static (the pages' CSP allows no other).
STATIC_DIR = Path(__file__).parent / "static"

DESCRIPTION = """Bilingual (Indonesian + English) help-desk NLU for a marketplace.

* `/v1/parse`, `/v1/parse/batch`: intent, confidence, ranking, fallback, entities, route,
  steps and a reply.
* `/v1/chat`: one conversation turn; the conversation (its language, order, questions and
  misses) is kept per `session_id`.
* `/model/parse`: the Rasa Open Source response shape.
"""


@dataclass
class ServerState:
    """What the routes share; ``engine`` is replaced whole on reload. ``privacy_key`` keys
    the hash of session ids that carry personal data."""

    settings: Settings
    engine: Engine
    store: Store
    batcher: Batcher
    recorder: Recorder
    metrics: Metrics
    privacy_key: str
    rate_limits: TokenBuckets | None = None
    #: With several workers: the artifact they all serve (serve/follow.py).
    shared_model: SharedModel | None = None
    #: What the review routes work out once and keep: the training data's report (while
    #: the file does not change), normalized texts and their vectors (TextCache).
    review_cache: review.ReviewCache = field(default_factory=review.ReviewCache)


def create_app(settings=None):
    """Build the FastAPI app; the model and the store are opened in its lifespan."""
    settings = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app):
        shared_model = (SharedModel(settings.served_model_file, settings.follow_seconds)
                         if settings.served_model_file else None)
        engine = (shared_model.first_engine(settings) if shared_model
                  else load_engine(settings.model_dir, settings.domain_dir))
        store = Store(settings.database_url)
        if settings.migrate_on_start:
            store.migrate()
        batcher = Batcher(settings.batch_window_ms / 1000, settings.batch_max_size,
                          settings.batch_max_chars, on_batch=metrics.observe_batch)
        recorder = Recorder(store, metrics)
        # `nlu serve` sets one key for all workers and keeps it across restarts; an app
        # started otherwise (tests) hashes with a key of its own.
        privacy_key = settings.privacy_key or secrets.token_hex(32)
        rate_limits = (TokenBuckets(settings.rate_limit, settings.rate_burst)
                       if settings.rate_limit else None)
        app.state.nlu = state = ServerState(settings, engine, store, batcher, recorder,
                                            metrics, privacy_key, rate_limits, shared_model)
        await batcher.start()
        await recorder.start()
        following = asyncio.create_task(shared_model.follow(state)) if shared_model else None
        try:
            yield
        finally:
            await cancel(following)
            await recorder.stop()
            await batcher.stop()
            store.dispose()

    # /docs and /redoc are serve/docs.py's: the same pages, with their files served here.
    app = FastAPI(title="Tokopedia Care NLU", version="1", description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None,
                  # OpenTelemetry's spans and metrics off: /metrics (Prometheus) and the
                  # access log tell the same, and the check costs every request.
                  telemetry={"tracing": False, "metrics": False}, responses={
                      400: {"model": ErrorResponse,
                            "description": "the body is not valid JSON or UTF-8"},
                      503: {"model": ErrorResponse,
                            "description": "the database cannot be written or read (down, "
                                           "read-only, deleted): nothing was stored"}})
    for module in (api, feedback, rasa, review, ops, page, docs):
        app.include_router(module.router)
    app.mount(docs.ASSETS_PATH, docs.assets(), name="docs-assets")
    # The pages' scripts and styles are files of their own: no inline script for a CSP.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The innermost middleware: every other one (CORS included) sees the lane's answers.
    app.add_middleware(PredictionLane, routes=[
        route for module in (api, rasa) for route in module.router.routes
        if route.endpoint in (api.parse, api.parse_batch, rasa.model_parse)])
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["*"])
    app.openapi = lambda: _openapi_with_intents(app)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NLUError, library_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # The documentation pages set a policy of their own (serve/docs.py).
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog, metrics=metrics, enabled=settings.access_log)
    return app


# Fields that take an intent id: the schema lists the served model's intents (and the
# other words each accepts).
_INTENT_FIELDS = (("FeedbackRequest", "correct_intent", (OUT_OF_SCOPE,)),
                  ("Decision", "label", ()), ("BulkDecision", "label", ()),
                  ("ChatRequest", "intent", ()))


def _openapi_with_intents(app):
    """The OpenAPI schema, with the intents of the model being served (they change on
    reload, so the schema is rebuilt each time) and the API key required only when the
    server has keys."""
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    state = getattr(app.state, "nlu", None)
    if state is not None:
        components = schema.get("components", {}).get("schemas", {})
        for model, name, extra in _INTENT_FIELDS:
            prop = components.get(model, {}).get("properties", {}).get(name, {})
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string":
                    option["enum"] = list(state.engine.model.labels) + list(extra)
        if not state.settings.api_keys:
            # Without NLU_API_KEYS the X-API-Key scheme is optional ({}: no key at all).
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    if "security" in operation:
                        operation["security"] = [{}, *operation["security"]]
    return schema


async def _validation_error(request: Request, exc: RequestValidationError):
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
              for e in exc.errors()]
    # A body that is not JSON at all: 400, as the OpenAPI schema says (422 is for JSON
    # whose fields are wrong).
    if any(e["type"] == "json_invalid" for e in errors):
        return JSONResponse({"detail": errors}, status_code=400)
    # 413 for a message text over the limit; any other bad field is a 422.
    too_long = any(e["type"] == "string_too_long" and e["loc"][:2] in (["body", "text"],
                                                                       ["body", "texts"])
                   for e in errors)
    return JSONResponse({"detail": errors}, status_code=413 if too_long else 422)


async def _unexpected_error(request: Request, exc: Exception):
    error_log.exception("unexpected error on %s %s", request.method,
                        stored_text(request.url.path, keep_invoices=False))
    return JSONResponse({"detail": "internal error; the incident was logged"}, status_code=500)


class AccessLog:
    """Pure ASGI middleware: one JSON line per request, and the request metrics.

    A route adds fields to its line in ``request.state.log``, texts masked already
    (:func:`serve.api.answer`). Paths are sanitized and masked (phones, emails,
    invoices...) here: a path can carry what a client put in it. The masked forms of up to
    :data:`PATHS_KEPT` distinct paths are kept (a server sees few), all forgotten when
    full.
    """

    PATHS_KEPT = 1024

    def __init__(self, app, metrics, enabled=True):
        self.app = app
        self.metrics = metrics
        self.enabled = enabled
        self._paths = {}

    def _logged_path(self, path):
        logged = self._paths.get(path)
        if logged is None:
            if len(self._paths) >= self.PATHS_KEPT:
                self._paths.clear()
            logged = self._paths[path] = stored_text(path, keep_invoices=False)
        return logged

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_and_watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            endpoint = getattr(route, "path", "unmatched")
            self.metrics.observe_request(endpoint, scope["method"], status, seconds)
            if self.enabled:
                fields = scope.get("state", {}).get("log") or {}
                # pydantic-core: a third of json.dumps' time; the texts are clean already.
                access_log.info(pydantic_core.to_json({
                    "ts": round(time.time(), 3), "method": scope["method"],
                    "path": self._logged_path(scope["path"]), "status": status,
                    "latency_ms": round(seconds * 1000, 2), **fields}).decode())
