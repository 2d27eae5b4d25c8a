"""The review workflow for CS leads: the queue API, decisions and their history, summary,
insights, agreement, exports, leads (admin), and the /review page."""

import asyncio
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from nlu.data.readers import load_dataset
from nlu.feedback.exports import REVIEW_EXPORT_FORMATS, export_reviewed
from nlu.feedback.grouping import TextCache
from nlu.feedback.insights import insights as review_insights
from nlu.feedback.insights import summary, training_report
from nlu.feedback.queue import REVIEW_STATUSES, ReviewQueue
from nlu.feedback.store import LEAD_NAME_PATTERN, RESERVED_LEAD_NAMES, check_lead_name
from nlu.vocabulary import FALLBACK_REASONS, LANGUAGES, NONE, OUT_OF_SCOPE

from . import review_docs as docs
from .deps import REVIEW_COOKIE, AdminReviewer, Reviewer, State, reviewer_name
from .page import templates
from .schemas import ErrorResponse

_AUTH = {401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}}
api = APIRouter(prefix="/v1/review", tags=["review"], responses=_AUTH)
pages = APIRouter(prefix="/review", include_in_schema=False)
#: How many messages one bulk decision or undo may cover.
MAX_BULK = 2000


@dataclass
class ReviewCache:
    """What the review routes work out once and keep (``ServerState.review_cache``)."""

    #: Normalized texts and their vectors, from one read of the queue to the next.
    texts: TextCache = field(default_factory=TextCache)
    #: The training data when last read: ``(file key, report or None, error or None)``,
    #: the key ``(path, mtime, size)``; one tuple, replaced whole (threads read it).
    training: tuple[tuple, dict | None, str | None] | None = None


def _queue(state):
    engine, settings = state.engine, state.settings
    return ReviewQueue(state.store, engine.model.labels, engine.model.intent_routes,
                       double_rate=settings.review_double_rate, model_version=engine.version,
                       texts=state.review_cache.texts)


def _iso_date(value):
    # Only YYYY-MM-DD: pydantic would also take a number as a Unix time.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Label = Annotated[str | None, Field(max_length=64, description="an intent, or null for out "
                                                               "of scope")]


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal[REVIEW_STATUSES] | None = Field(
        None, description="pending (for you), confirmed, relabelled, reviewed (either), or "
                          "disagreement; absent: any")
    q: str | None = Field(None, max_length=200, description="text search (case-insensitive)")
    intent: str | None = Field(None, max_length=64,
                               description=f"predicted intent, or {OUT_OF_SCOPE!r}")
    route: str | None = Field(None, max_length=32, description=f"predicted route, or {NONE!r}")
    lang: Literal[LANGUAGES] | None = None
    fallback: Literal[FALLBACK_REASONS + (NONE,)] | None = Field(
        None, description=f"why the bot fell back, or {NONE!r} for answered messages")
    min_confidence: float | None = Field(None, ge=0, le=1)
    max_confidence: float | None = Field(None, ge=0, le=1)
    date_from: IsoDate | None = None
    date_to: IsoDate | None = Field(None, description="inclusive")
    reviewer: str | None = Field(None, max_length=128, description="decided by this reviewer")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)

    def query(self):
        values = self.model_dump(exclude={"date_from", "date_to"})
        for key in ("q", "intent", "route", "reviewer"):
            values[key] = values[key] or None
        values["since"] = datetime.combine(self.date_from, time()) if self.date_from else None
        values["until"] = datetime.combine(self.date_to, time.max) if self.date_to else None
        return values


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"label": "refund_return"}, {"label": None}]})
    label: Label = Field(..., description="the right intent, or null for out of scope")
    resolve: bool = Field(False, description="settle the reviewers' disagreement")


class BulkDecision(Decision):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message_ids": ["5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1", "9a1d2c3b4e5f60718293a4b5c6d7e8f9"],
         "label": "refund_return"}]})
    message_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=MAX_BULK)


class Undo(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message_ids": ["5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1"]}]})
    message_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        min_length=1, max_length=MAX_BULK)


# What nlu.feedback.store.check_lead_name accepts, said in the schema (which clients and
# schemathesis read). The library decides, in its words (a 422 naming the rule).
NewLeadName = Annotated[str, PathParam(json_schema_extra={
    "maxLength": 64, "pattern": LEAD_NAME_PATTERN})]
LeadName = Annotated[str, PathParam(max_length=64)]


@api.get("", summary="The review queue, most urgent first", responses=docs.example(docs.QUEUE))
async def list_queue(state: State, reviewer: Reviewer, filters: Filters = Query()) -> dict:
    """Groups of near-duplicate messages: feedback first, then by uncertainty times
    frequency with diversity, with a random sample of confident answers kept in. Texts are
    masked. A double-review message another reviewer decided stays pending for you, and
    their label is not shown (blind)."""
    page = await asyncio.to_thread(_queue(state).list, reviewer, **filters.query())
    return {"items": page.items, "total": page.total, "messages": page.messages,
            "truncated": page.truncated, "limit": filters.limit, "offset": filters.offset}


@api.get("/stats", summary="How much is reviewed and how often the bot was wrong",
         responses=docs.example(docs.STATS))
async def stats(state: State, reviewer: Reviewer) -> dict:
    """Answers (wrong intent, misrouted) are counted apart from fallbacks (rightly out of
    scope, or missed); `sure_precision` is measured on the random sample of confident
    answers."""
    return await asyncio.to_thread(summary, _queue(state))


@api.get("/insights", summary="Confused intents, misroutes and fallbacks per day, "
         "recurring out-of-scope topics, agreement, training-data gaps",
         responses=docs.example(docs.INSIGHTS))
async def insights(state: State, reviewer: Reviewer) -> dict:
    return await asyncio.to_thread(_insights, state)


def _insights(state):
    training, error = _training_data(state)
    return {**review_insights(_queue(state), training), "training_error": error}


def _training_data(state):
    """What the training data (``NLU_TRAINING_DATA``) lacks, worked out again only when
    the file changes: ``(training_report or None, error message or None)``."""
    path = state.settings.training_data
    try:
        stat = path.stat()
    except OSError:
        return None, f"{path}: no training data there (set NLU_TRAINING_DATA)"
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = state.review_cache.training
    if cached is None or cached[0] != key:
        try:
            cached = (key, training_report(load_dataset(path)), None)
        except Exception as exc:  # a DataError lists every problem: show the first
            cached = (key, None, str(exc).splitlines()[0])
        state.review_cache.training = cached
    return cached[1], cached[2]


@api.get("/agreement", summary="Cohen's kappa per reviewer pair on the blind double reviews",
         responses=docs.example(docs.AGREEMENT))
async def agreement(state: State, reviewer: Reviewer) -> dict:
    pairs = await asyncio.to_thread(_queue(state).agreement)
    return {"pairs": pairs, "double_rate": state.settings.review_double_rate}


@api.get("/export", summary="Reviewed messages as training data or for annotation tools",
         response_class=Response, responses={200: {"content": {
             "application/yaml": {}, "text/csv": {}, "application/jsonl": {},
             "application/json": {}}}})
async def export(state: State, reviewer: Reviewer,
                 format: Literal[REVIEW_EXPORT_FORMATS] = "yaml"):
    """`yaml`, `rasa`, `csv`, `jsonl`: a file `nlu train --data` accepts (`nlu train --data
    data/intents_id.yaml --data reviewed.yaml`), marked as a review's; messages whose
    reviewers disagree are held back. `argilla`, `label-studio`: their import JSON, with the
    model's prediction and each reviewer's label. CSV cells starting with `= + - @` are
    prefixed with `'` so that no spreadsheet runs them."""
    rendered = await asyncio.to_thread(export_reviewed, _queue(state), format)
    return Response(rendered.text, media_type=rendered.media_type, headers={
        "Content-Disposition": f'attachment; filename="{rendered.filename}"',
        "X-Held-Back": str(len(rendered.warnings))})


@api.get("/leads", summary="The CS leads (admin token)", dependencies=[AdminReviewer],
         responses=docs.example(docs.LEADS))
async def list_leads(state: State) -> dict:
    return {"leads": await asyncio.to_thread(state.store.list_leads),
            "reserved": sorted(RESERVED_LEAD_NAMES)}


@api.post("/leads/{name}", summary="Create a CS lead and return their token (admin token)",
          status_code=201, dependencies=[AdminReviewer],
          responses={409: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})
async def add_lead(name: NewLeadName, state: State) -> dict:
    """The token is shown once (only its hash is stored). Names are unique whatever their
    case; `admin` and a few other names are reserved."""
    name = check_lead_name(name)  # the name as stored: stripped
    token = await asyncio.to_thread(state.store.add_lead, name)
    return {"name": name, "token": token}


@api.post("/leads/{name}/revoke", summary="Revoke a lead's token (admin token)",
          dependencies=[AdminReviewer], responses={404: {"model": ErrorResponse}})
async def revoke_lead(name: LeadName, state: State) -> dict:
    """The token stops working at once; the lead's decisions stay in the history."""
    await asyncio.to_thread(state.store.revoke_lead, name)
    return {"name": name, "revoked": True}


@api.post("/leads/{name}/rotate", summary="Give a lead a new token (admin token)",
          dependencies=[AdminReviewer], responses={404: {"model": ErrorResponse}})
async def rotate_lead(name: LeadName, state: State) -> dict:
    return {"name": name, "token": await asyncio.to_thread(state.store.rotate_lead, name)}


@api.post("/bulk", summary="The same decision on several messages (a group, a selection)",
          responses={**docs.example(docs.BULK), 404: {"model": ErrorResponse},
                     422: {"model": ErrorResponse}})
async def decide_many(body: BulkDecision, state: State, reviewer: Reviewer) -> dict:
    """All or none: an unknown message id or label refuses the whole request."""
    results = await asyncio.to_thread(_queue(state).decide_many, body.message_ids, body.label,
                                      reviewer, body.resolve)
    return {"decisions": results}


@api.post("/undo", summary="Undo your latest decision on each message",
          responses={404: {"model": ErrorResponse}})
async def undo(body: Undo, state: State, reviewer: Reviewer) -> dict:
    return {"undone": await asyncio.to_thread(_queue(state).undo_many, body.message_ids,
                                              reviewer)}


@api.get("/{message_id}/history", summary="Every decision on a message (the audit trail)",
         responses={**docs.example(docs.HISTORY), 404: {"model": ErrorResponse}})
async def message_history(message_id: str, state: State, reviewer: Reviewer) -> dict:
    """Who decided, when, from which label to which, with which model serving; undone
    decisions included. Until you have decided a double-review message, the other
    reviewer's decision is hidden (counted in `hidden`)."""
    return await asyncio.to_thread(_queue(state).history, message_id, reviewer)


@api.post("/{message_id}", summary="Record a lead's decision on a message",
          responses={**docs.example(docs.DECISION), 404: {"model": ErrorResponse},
                     422: {"model": ErrorResponse}})
async def decide(message_id: str, body: Decision, state: State, reviewer: Reviewer) -> dict:
    """Every decision is kept; the latest counts. When another reviewer labelled the
    message differently, `others` says who and what, and the message is listed under
    `status=disagreement` until someone decides it with `resolve: true`."""
    return await asyncio.to_thread(_queue(state).decide, message_id, body.label, reviewer,
                                   body.resolve)


# -- the page ------------------------------------------------------------------------------

SHORTCUTS = (("1 2 3", "take the 1st, 2nd or 3rd suggestion (on a fallback: press twice)"),
             ("o", "out of scope"), ("a", "take the agent's correction"),
             ("j / k", "next / previous message"), ("x", "select for a bulk decision"),
             ("u", "undo your last decision"), ("h", "show the history"))


@pages.get("", response_class=HTMLResponse)
async def review_page(request: Request, state: State):
    token = request.cookies.get(REVIEW_COOKIE)
    reviewer = await asyncio.to_thread(reviewer_name, state, token) if token else None
    if reviewer is None:
        return templates.TemplateResponse(request, "review_login.html",
                                          {"error": "signed out" if token else None})
    model = state.engine.model
    config = {"reviewer": reviewer, "intents": list(model.labels),
              "routes": sorted(set(model.intent_routes.values())), "languages": LANGUAGES,
              "fallbacks": FALLBACK_REASONS, "statuses": REVIEW_STATUSES,
              "formats": REVIEW_EXPORT_FORMATS, "admin": reviewer == "admin"}
    # The page's script reads `config` (as JSON); the template reads the same values.
    return templates.TemplateResponse(request, "review.html", {
        **config, "config": config, "shortcuts": SHORTCUTS, "oos": OUT_OF_SCOPE,
        "no_route": NONE})


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


router = APIRouter()
router.include_router(api)
router.include_router(pages)
__all__ = ["router"]
