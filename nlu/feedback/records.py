"""What is stored of a prediction and of what people say about it, decided here for every
front end: the prediction's row, the text any database and log can hold (sanitized and
masked), the session id as stored, and the check of a label a person gives."""

__all__ = ["prediction_record", "new_message_id", "check_label", "clean_text", "stored_text",
           "stored_texts", "stored_session_id"]

import hashlib
import hmac
import os
import re
import time

from ..errors import UnknownLabel
from ..text.privacy import carries_personal_data, mask_text, mask_text_twice
from .tables import utcnow

# C0 and C1 control characters but tab, newline and carriage return: PostgreSQL refuses
# NUL in text, and the others garble logs and the review page.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A surrogate left alone ("\ud800" from JSON) cannot be encoded as UTF-8 by any driver.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text):
    """``text`` as every database and log can hold it: control characters (NUL...) become
    spaces, lone surrogates the replacement character U+FFFD.

    >>> clean_text("paket\\x00blm nyampe")
    'paket blm nyampe'
    >>> clean_text("\\ud800") == "\\ufffd"
    True
    """
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))


def stored_text(text, keep_invoices=True):
    """What is written of a customer's text (a message, a comment) in the database or a log:
    sanitized (:func:`clean_text`), then personal data masked (invoice numbers kept unless
    ``keep_invoices`` is false: CS leads need them, logs do not)."""
    return mask_text(clean_text(text), keep_invoices=keep_invoices)


def stored_texts(text):
    """``(stored_text(text), stored_text(text, keep_invoices=False))`` in one pass: what
    the database keeps of a message and what a log shows of it."""
    return mask_text_twice(clean_text(text))


def stored_session_id(session_id, key):
    """The session id as stored: itself, or when it carries personal data (a frontend that
    uses the customer's phone number or email as the id) a keyed hash, ``anon-`` and 32
    hex digits: the conversation keeps one id and the number is nowhere in the database.

    ``key`` (bytes or str) is the server's secret: without it the hash of a phone number
    could be found by trying every number.
    """
    if session_id is None or not carries_personal_data(clean_text(session_id)):
        return session_id
    key = key.encode() if isinstance(key, str) else key
    return "anon-" + hmac.new(key, session_id.encode("utf-8", "surrogatepass"),
                              hashlib.sha256).hexdigest()[:32]


def new_message_id():
    """A new id for a predicted message: a version 7 UUID (RFC 9562) in 32 hex characters,
    its first 48 bits the time in milliseconds, 74 random bits after.

    Ids in creation order go to the end of the database's index of them: a commit of 32
    rows writes a page or two of it, not 32 pages all over a random index (what
    ``python -m benchmarks.recorder --stored 100000`` compares)."""
    milliseconds = time.time_ns() // 1_000_000 & (1 << 48) - 1
    value = milliseconds << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # the version
    value = value & ~(0x3 << 62) | 0x2 << 62  # the variant
    return f"{value:032x}"


def prediction_record(prediction, message_id, model_version, endpoint, session_id=None,
                      text=None):
    """The stored form of a :class:`~nlu.model.prediction.Prediction`.

    The text is sanitized and masked (:func:`stored_text`: personal data out, invoice
    numbers kept for CS leads; ``text`` when the caller has it already); entity values are
    not stored. ``session_id`` is the one :func:`stored_session_id` gives.
    """
    ranking = [{"intent": r.intent, "confidence": r.confidence} for r in prediction.ranking]
    return {
        "message_id": message_id,
        "created_at": utcnow(),
        "session_id": session_id,
        "model_version": model_version,
        "endpoint": endpoint,
        "text": stored_text(prediction.text) if text is None else text,
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
