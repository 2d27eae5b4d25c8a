"""Rasa Open Source compatible parsing: a Rasa frontend switches by changing its URL."""

from fastapi import APIRouter, Request

from nlu.vocabulary import RASA_FALLBACK_INTENT

from .api import FastJSONResponse, answer
from .deps import ApiKey
from .schemas import ErrorResponse, RasaParseRequest, RasaParseResponse

router = APIRouter(tags=["rasa"], dependencies=[ApiKey],
                   responses={400: {"model": ErrorResponse}, 401: {"model": ErrorResponse},
                              413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}})


@router.post("/model/parse", response_model=RasaParseResponse,
             summary="Parse a message, Rasa Open Source response shape")
async def model_parse(body: RasaParseRequest, request: Request):
    """Like Rasa's FallbackClassifier, a fallback puts `nlu_fallback` on top of the ranking
    (with the threshold as its confidence); the real ranking follows."""
    engine, [(_, answered)] = await answer(request, [body.text], "model_parse")
    prediction = answered.prediction
    ranking = [{"name": r.intent, "confidence": r.confidence} for r in prediction.ranking]
    if prediction.intent is None:
        top = {"name": RASA_FALLBACK_INTENT, "confidence": engine.model.thresholds.threshold}
        ranking.insert(0, top)
    else:
        top = ranking[0]
    entities = [{"entity": e.type, "value": e.value, "start": e.start, "end": e.end,
                 "confidence_entity": 1.0, "extractor": "RegexEntityExtractor"}
                for e in prediction.entities]
    # As plain data, like the other parse routes (tests/api check it against the schema).
    return FastJSONResponse({"text": body.text, "intent": top, "entities": entities,
                             "intent_ranking": ranking})
