"""Feedback from frontends and agents on a prediction: POST /v1/feedback."""

import asyncio
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from nlu.feedback.records import check_label, stored_text
from nlu.vocabulary import OUT_OF_SCOPE, ROUTES, intent_from_label

from .deps import ApiKey, State
from .schemas import ErrorResponse

router = APIRouter(prefix="/v1", tags=["feedback"], dependencies=[ApiKey])


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1", "source": "customer",
         "comment": "tidak membantu"},
        {"message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1", "source": "agent",
         "correct_intent": "refund_return", "correct_route": "resolution_center"},
        {"message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1", "source": "agent",
         "correct_intent": OUT_OF_SCOPE}]})
    message_id: str = Field(min_length=1, max_length=32)
    source: Literal["customer", "agent"]
    correct_intent: str | None = Field(None, max_length=64, description=(
        f"the right intent, or {OUT_OF_SCOPE!r} when the message has none"))
    correct_route: Literal[ROUTES] | None = None
    comment: str | None = Field(None, max_length=2000)


class FeedbackResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 17, "message_id": "5f0c7e0e9d8b4a53b1c1f0a6f9e2d7c1"}]})
    id: int
    message_id: str


@router.post("/feedback", response_model=FeedbackResponse, status_code=201,
             summary="Report that a prediction did not help, or what it should have been",
             responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse},
                        401: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
                        503: {"model": ErrorResponse}})
async def add_feedback(body: FeedbackRequest, state: State):
    given = body.correct_intent is not None
    intent = intent_from_label(body.correct_intent) if given else None
    check_label(intent, state.engine.model.labels, "correct_intent")
    comment = stored_text(body.comment) if body.comment else None
    # Every message id ever answered is in the database already: one lookup, then 404.
    feedback_id = await asyncio.to_thread(state.store.add_feedback, body.message_id,
                                          body.source, intent, body.correct_route, comment,
                                          given and intent is None)
    return FeedbackResponse(id=feedback_id, message_id=body.message_id)
