"""The prediction and chat endpoints for chatbot frontends."""

import asyncio

from fastapi import APIRouter, Request

from nlu.assistant.conversation import ConversationState
from nlu.feedback.records import new_message_id, prediction_record, stored_session_id

from .deps import ApiKey, State
from .schemas import (
    BatchRequest,
    BatchResponse,
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    ParseRequest,
    ParseResponse,
)

router = APIRouter(prefix="/v1", tags=["parse"], dependencies=[ApiKey],
                   responses={400: {"model": ErrorResponse}, 401: {"model": ErrorResponse},
                              413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})


async def predict(state, request, texts, endpoint, session_id=None):
    """Predict ``texts`` through the batcher; store each before answering (a message id a
    client gets is in the database); return ``(engine, [(id, p)])``. ``session_id`` is the
    stored one (:func:`~nlu.feedback.records.stored_session_id`)."""
    engine = state.engine
    predictions = await state.batcher.predict(engine, texts)
    results = [(new_message_id(), prediction) for prediction in predictions]
    await state.recorder.record([prediction_record(p, message_id, engine.version, endpoint,
                                                   session_id) for message_id, p in results])
    for prediction in predictions:
        state.metrics.observe_prediction(prediction)
    if len(predictions) == 1:
        p = predictions[0]
        request.state.log = {"intent": p.intent, "route": p.route, "fallback": p.fallback,
                             "text": p.text}
    return engine, results


def _parse_response(engine, message_id, prediction):
    reply, _ = engine.respond(prediction)
    return ParseResponse(**prediction.to_dict(), message_id=message_id, steps=list(reply.steps),
                         reply=reply.text)


@router.post("/parse", response_model=ParseResponse, summary="Classify one message")
async def parse(body: ParseRequest, state: State, request: Request):
    """The prediction (as `nlu predict`) with the route, its steps, a reply and an id."""
    engine, [(message_id, prediction)] = await predict(state, request, [body.text], "parse")
    return _parse_response(engine, message_id, prediction)


@router.post("/parse/batch", response_model=BatchResponse, summary="Classify 1 to 256 messages")
async def parse_batch(body: BatchRequest, state: State, request: Request):
    engine, results = await predict(state, request, body.texts, "parse_batch")
    return BatchResponse(results=[_parse_response(engine, i, p) for i, p in results])


@router.post("/chat", response_model=ChatResponse, summary="One turn of a conversation")
async def chat(body: ChatRequest, state: State, request: Request):
    """Reply to a customer; after two consecutive misses the chat is handed to live chat."""
    store, ttl = state.store, state.settings.session_ttl_seconds
    # A session id made of a phone number or an email is stored as a keyed hash.
    session_id = stored_session_id(body.session_id, state.privacy_key)
    stored = await asyncio.to_thread(store.load_session, session_id)
    engine, [(message_id, prediction)] = await predict(state, request, [body.text], "chat",
                                                       session_id)
    reply, conversation = engine.respond(prediction, ConversationState.from_dict(stored))
    await asyncio.to_thread(store.save_session, session_id, conversation.to_dict(), ttl)
    request.state.log["handoff"] = reply.handoff
    return ChatResponse(
        message_id=message_id, reply=reply.text, lang=reply.lang, intent=reply.intent,
        confidence=reply.confidence, route=reply.route, steps=list(reply.steps),
        kb_article=reply.kb_article, suggestions=list(reply.suggestions),
        handoff=reply.handoff, urgent=reply.urgent, fallback=reply.fallback)

