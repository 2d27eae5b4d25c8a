"""The prediction and chat endpoints for chatbot frontends."""

import asyncio

import pydantic_core
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from nlu.assistant.conversation import ConversationState
from nlu.errors import TooLarge
from nlu.feedback.records import (
    new_message_id,
    prediction_record,
    stored_session_id,
    stored_texts,
)

from .deps import ApiKey, state_of
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


class FastJSONResponse(JSONResponse):
    """JSON written by pydantic-core: a fifth of the standard library's time for an
    answer (the texts are valid Unicode: the request models refuse lone surrogates)."""

    def render(self, content):
        return pydantic_core.to_json(content)


async def answer(request, texts, endpoint, states=None, session_id=None):
    """Answer ``texts`` through the batcher (predictions and replies, on its worker
    thread); store each prediction before answering (a message id a client gets is in the
    database); return ``(engine, [(message_id, Answer)])``. ``session_id`` is the stored
    one (:func:`~nlu.feedback.records.stored_session_id`)."""
    state = state_of(request)
    chars = sum(map(len, texts))
    if chars > state.settings.max_request_chars:
        raise TooLarge(f"the texts have {chars} characters in all; at most "
                       f"{state.settings.max_request_chars} per request (NLU_MAX_REQUEST_CHARS)")
    engine = state.engine
    answers = await state.batcher.parse(engine, texts, states)
    results = [(new_message_id(), answered) for answered in answers]
    single = len(answers) == 1
    # The text of a single message goes to the access log too (invoice numbers masked):
    # both forms in one pass; without the log the record masks its own.
    stored, logged = (stored_texts(answers[0].prediction.text)
                      if single and state.settings.access_log else (None, None))
    if state.settings.record_predictions:
        await state.recorder.record([
            prediction_record(answered.prediction, message_id, engine.version, endpoint,
                              session_id, text=stored) for message_id, answered in results])
    for answered in answers:
        state.metrics.observe_prediction(answered.prediction)
    if single:
        p = answers[0].prediction
        request.state.log = {"intent": p.intent, "route": p.route, "fallback": p.fallback,
                             "text": logged}
    return engine, results


def _parse_result(message_id, answered):
    """A :class:`ParseResponse` as plain data. The parse routes return it as JSON as it is:
    validating the response model again would cost more than the rest of the route
    (`nlu benchmark http`); tests/api check every field against the schema."""
    data = answered.prediction.to_dict()
    del data["margin"]
    data.update(message_id=message_id, steps=list(answered.reply.steps),
                reply=answered.reply.text)
    return data


@router.post("/parse", response_model=ParseResponse, summary="Classify one message")
async def parse(body: ParseRequest, request: Request):
    """The prediction (as `nlu predict`) with the route, its steps, a reply and an id."""
    _, [(message_id, answered)] = await answer(request, [body.text], "parse")
    return FastJSONResponse(_parse_result(message_id, answered))


@router.post("/parse/batch", response_model=BatchResponse, summary="Classify 1 to 256 messages")
async def parse_batch(body: BatchRequest, request: Request):
    _, results = await answer(request, body.texts, "parse_batch")
    return FastJSONResponse({"results": [_parse_result(i, a) for i, a in results]})


@router.post("/chat", response_model=ChatResponse, summary="One turn of a conversation")
async def chat(body: ChatRequest, request: Request):
    """Reply to a customer as one turn of the conversation `session_id`.

    The conversation keeps its language, the order and details named so far, and what the
    bot asked; the bot asks which intent is meant when unsure (`suggestions`), asks for
    the order once, and hands over to live chat (`handoff`) an angry customer or after
    two consecutive misses.
    """
    state = state_of(request)
    store, ttl = state.store, state.settings.session_ttl_seconds
    # A session id made of a phone number or an email is stored as a keyed hash.
    session_id = stored_session_id(body.session_id, state.privacy_key)
    stored = await asyncio.to_thread(store.load_session, session_id)
    conversation = ConversationState.from_dict(stored).choose(body.intent,
                                                              state.engine.model.labels)
    _, [(message_id, answered)] = await answer(request, [body.text], "chat",
                                               [conversation], session_id)
    reply, prediction = answered.reply, answered.prediction
    await asyncio.to_thread(store.save_session, session_id, answered.state.to_dict(), ttl)
    request.state.log["handoff"] = reply.handoff
    parsed = prediction.to_dict()
    # Plain data, as the parse routes answer (tests/api check it against ChatResponse).
    return FastJSONResponse({
        "message_id": message_id, "reply": reply.text, "lang": reply.lang,
        "intent": reply.intent, "confidence": reply.confidence, "route": reply.route,
        "route_name": reply.route_name, "steps": reply.steps, "kb_article": reply.kb_article,
        "suggestions": reply.suggestions, "awaiting": reply.awaiting, "handoff": reply.handoff,
        "frustrated": reply.frustrated, "urgent": reply.urgent, "fallback": reply.fallback,
        "ranking": parsed["ranking"], "entities": parsed["entities"],
        "margin": parsed["margin"]})
