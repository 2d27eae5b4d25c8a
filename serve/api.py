"""The prediction and chat endpoints for chatbot frontends."""

import asyncio

from fastapi import APIRouter, Request

from nlu.assistant.conversation import ConversationState
from nlu.feedback.records import new_message_id, prediction_record

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
    """Predict ``texts`` through the batcher; record each; return ``(engine, [(id, p)])``."""
    engine = state.engine
    predictions = await state.batcher.predict(engine, texts)
    results = []
    for prediction in predictions:
        message_id = new_message_id()
        state.recorder.add(prediction_record(prediction, message_id, engine.version, endpoint,
                                             session_id))
        state.metrics.observe_prediction(prediction)
        results.append((message_id, prediction))
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
    """Reply to a customer as one turn of the conversation `session_id`.

    The conversation keeps its language, the order and details named so far, and what the
    bot asked; the bot asks which intent is meant when unsure (`suggestions`), asks for
    the order once, and hands over to live chat (`handoff`) an angry customer or after
    two consecutive misses.
    """
    store, ttl = state.store, state.settings.session_ttl_seconds
    stored = await asyncio.to_thread(store.load_session, body.session_id)
    conversation = ConversationState.from_dict(stored).choose(body.intent,
                                                              state.engine.model.labels)
    engine, [(message_id, prediction)] = await predict(state, request, [body.text], "chat",
                                                       body.session_id)
    reply, conversation = engine.respond(prediction, conversation)
    await asyncio.to_thread(store.save_session, body.session_id, conversation.to_dict(), ttl)
    request.state.log["handoff"] = reply.handoff
    parsed = prediction.to_dict()
    return ChatResponse(
        message_id=message_id, reply=reply.text, lang=reply.lang, intent=reply.intent,
        confidence=reply.confidence, route=reply.route, route_name=reply.route_name,
        steps=list(reply.steps), kb_article=reply.kb_article,
        suggestions=list(reply.suggestions), awaiting=list(reply.awaiting), handoff=reply.handoff,
        frustrated=reply.frustrated, urgent=reply.urgent, fallback=reply.fallback,
        ranking=parsed["ranking"], entities=parsed["entities"], margin=parsed["margin"])

