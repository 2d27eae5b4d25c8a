"""What is stored of a prediction and of what people say about it, decided here for every
front end: the prediction's row, and the check of a label a person gives."""

__all__ = ["prediction_record", "new_message_id", "check_label"]

import uuid

from ..errors import UnknownLabel
from ..text.privacy import mask_text
from .tables import utcnow


def new_message_id():
    """A new id for a predicted message (32 hex characters)."""
    return uuid.uuid4().hex


def prediction_record(prediction, message_id, model_version, endpoint, session_id=None):
    """The stored form of a :class:`~nlu.model.prediction.Prediction`.

    The text is masked (personal data out, invoice numbers kept for CS leads); entity
    values are not stored.
    """
    ranking = [{"intent": r.intent, "confidence": r.confidence} for r in prediction.ranking]
    return {
        "message_id": message_id,
        "created_at": utcnow(),
        "session_id": session_id,
        "model_version": model_version,
        "endpoint": endpoint,
        "text": mask_text(prediction.text, keep_invoices=True),
        "lang": prediction.lang,
        "intent": prediction.intent,
        "top_intent": ranking[0]["intent"],
        "confidence": prediction.confidence,
        "margin": prediction.margin,
        "ranking": ranking,
        "route": prediction.route,
        "fallback": prediction.fallback,
    }


def check_label(label, labels, what="label"):
    """Raise :class:`~nlu.errors.UnknownLabel` unless ``label`` is None (out of scope) or
    one of ``labels`` (the served model's intents)."""
    if label is not None and label not in labels:
        raise UnknownLabel(f"{what} {label!r} is not an intent of the model (known: "
                           f"{', '.join(sorted(labels))})")
