"""The review workflow for CS leads: the queue API, decisions, summary, export, and /review."""

import asyncio
import re
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from nlu.data.writers import export_dataset
from nlu.feedback.queue import REVIEW_STATUSES, ReviewQueue
from nlu.vocabulary import LANGUAGES, NONE, OUT_OF_SCOPE, intent_from_label

from .deps import REVIEW_COOKIE, Reviewer, State, reviewer_name
from .page import templates
from .schemas import ErrorResponse

_AUTH = {401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}}
api = APIRouter(prefix="/v1/review", tags=["review"], responses=_AUTH)
pages = APIRouter(prefix="/review", include_in_schema=False)


def _queue(state):
    model = state.engine.model
    return ReviewQueue(state.store, model.labels, model.intent_routes)


def _iso_date(value):
    # Only YYYY-MM-DD: pydantic would also take a number as a Unix time.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal[REVIEW_STATUSES] | None = None
    intent: str | None = Field(None, max_length=64,
                               description=f"predicted intent, or {OUT_OF_SCOPE!r}")
    route: str | None = Field(None, max_length=32, description=f"predicted route, or {NONE!r}")
    lang: Literal[LANGUAGES] | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = Field(None, description="inclusive")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)

    def query(self):
        return dict(status=self.status, intent=self.intent or None, route=self.route or None,
                    lang=self.lang, limit=self.limit, offset=self.offset,
                    since=datetime.combine(self.date_from, time()) if self.date_from else None,
                    until=datetime.combine(self.date_to, time.max) if self.date_to else None)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"label": "refund_return"}, {"label": None}]})
    label: str | None = Field(..., max_length=64,
                              description="the right intent, or null for out of scope")


_QUEUE_EXAMPLE = {"items": [{
    "message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1", "created_at": "2026-11-27T09:12:03",
    "text": "refund blm masuk, hubungi [PHONE]", "lang": "id", "intent": "payment_issue",
    "top_intent": "payment_issue", "route": "live_chat", "confidence": 0.61, "margin": 0.22,
    "fallback": None, "ranking": [{"intent": "payment_issue", "confidence": 0.61},
                                  {"intent": "refund_return", "confidence": 0.39}],
    "priority": "feedback", "status": "pending", "label": None, "reviewer": None,
    "reviewed_at": None,
    "feedback": [{"source": "agent", "correct_intent": "refund_return",
                  "correct_route": "resolution_center", "comment": None,
                  "created_at": "2026-11-27T09:15:40"}]}],
    "total": 1, "limit": 50, "offset": 0}
_STATS_EXAMPLE = {
    "predictions": 1250, "feedback": 31, "reviewed": 84, "pending": 112, "misclassified": 9,
    "misrouted": 6,
    "confused_pairs": [{"predicted": "payment_issue", "correct": "refund_return", "count": 4}],
    "misroutes_by_route": [{"predicted_route": "live_chat",
                            "correct_route": "resolution_center", "count": 4}],
    "misroutes_per_day": [{"day": "2026-11-27", "route": "live_chat", "count": 4}],
    "per_intent": {"refund_return": {"reviewed": 12, "correct": 8, "accuracy": 0.6667}}}


def _example(value):
    return {200: {"content": {"application/json": {"example": value}}}}


@api.get("", summary="The review queue, most urgent first", responses=_example(_QUEUE_EXAMPLE))
async def list_queue(state: State, reviewer: Reviewer,
                     filters: Filters = Query()) -> dict:
    """Feedback first, then fallbacks, then low-margin predictions, then a random sample of
    confident ones. Texts are masked."""
    items, total = await asyncio.to_thread(_queue(state).list, **filters.query())
    return {"items": items, "total": total, "limit": filters.limit, "offset": filters.offset}


@api.get("/stats", summary="Misroutes and per-intent accuracy on reviewed messages",
         responses=_example(_STATS_EXAMPLE))
async def stats(state: State, reviewer: Reviewer) -> dict:
    return await asyncio.to_thread(_queue(state).stats)


@api.get("/export", summary="Reviewed messages as training data (yaml or csv)",
         response_class=Response,
         responses={200: {"content": {"application/yaml": {}, "text/csv": {}}}})
async def export(state: State, reviewer: Reviewer,
                 format: Literal["yaml", "csv"] = "yaml"):
    """A file `nlu train --data` accepts: `nlu train --data data/intents_id.yaml --data
    reviewed.yaml`."""
    dataset = await asyncio.to_thread(_queue(state).reviewed_dataset)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"reviewed.{format}"
        export_dataset(dataset, path, format)
        content = path.read_text(encoding="utf-8")
    media = "text/csv" if format == "csv" else "application/yaml"
    return Response(content, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="reviewed.{format}"'})


@api.post("/{message_id}", summary="Record a lead's decision on a message",
          responses={**_example({"message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1",
                                 "label": "refund_return", "out_of_scope": False,
                                 "reviewer": "rina", "created_at": "2026-11-27T10:02:11"}),
                     404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
async def decide(message_id: str, body: Decision, state: State, reviewer: Reviewer) -> dict:
    return await _decide(state, message_id, body.label, reviewer)


async def _decide(state, message_id, label, reviewer):
    values = await asyncio.to_thread(_queue(state).decide, message_id, label, reviewer)
    return {"message_id": message_id, **values}


# -- the page ------------------------------------------------------------------------------


@pages.get("", response_class=HTMLResponse)
async def review_page(request: Request, state: State):
    token = request.cookies.get(REVIEW_COOKIE)
    reviewer = await asyncio.to_thread(reviewer_name, state, token) if token else None
    if reviewer is None:
        return templates.TemplateResponse(request, "review_login.html",
                                          {"error": "signed out" if token else None})
    try:
        filters = Filters(**{k: v for k, v in request.query_params.items() if v})
    except ValueError as exc:
        filters, error = Filters(), f"bad filter: {exc}"
    else:
        error = None
    queue = _queue(state)
    items, total = await asyncio.to_thread(queue.list, **filters.query())
    summary = await asyncio.to_thread(queue.stats)
    query = {k: v for k, v in filters.model_dump(exclude_none=True).items()
             if k not in ("limit", "offset")}
    return templates.TemplateResponse(request, "review.html", {
        "reviewer": reviewer, "items": items, "total": total, "summary": summary,
        "filters": filters, "query": urlencode(query), "error": error,
        "intents": state.engine.model.labels,
        "routes": sorted(set(queue.intent_routes.values())),
        "statuses": REVIEW_STATUSES, "oos": OUT_OF_SCOPE, "no_route": NONE})


@pages.post("/login")
async def login(state: State, token: str = Form(..., max_length=256)):
    if await asyncio.to_thread(reviewer_name, state, token.strip()) is None:
        return RedirectResponse("/review?failed=1", status_code=303)
    response = RedirectResponse("/review", status_code=303)
    response.set_cookie(REVIEW_COOKIE, token.strip(), httponly=True, samesite="strict",
                        max_age=12 * 3600)
    return response


@pages.post("/logout")
async def logout():
    response = RedirectResponse("/review", status_code=303)
    response.delete_cookie(REVIEW_COOKIE)
    return response


@pages.post("/decide/{message_id}")
async def decide_from_page(message_id: str, state: State, reviewer: Reviewer,
                           label: str = Form(..., max_length=64),
                           back: str = Form("", max_length=2000)):
    await _decide(state, message_id, intent_from_label(label), reviewer)
    # Back to the same filtered view (only a query string, never another site).
    return RedirectResponse("/review" + (f"?{back}" if back and "//" not in back else ""),
                            status_code=303)


router = APIRouter()
router.include_router(api)
router.include_router(pages)
__all__ = ["router"]
