"""The product's words, defined once: routes, languages, fallback reasons, "no intent".

In Python, a message with no intent has ``intent=None``, and no route ``route=None``. Where
such a value must be written as text (a training label, a table cell, a query filter, a
form value, a metric label, an exported file), "no intent" is written :data:`OUT_OF_SCOPE`
(:func:`intent_label`, read back by :func:`intent_from_label`) and an absent route or
fallback reason :data:`NONE` (:func:`route_label`).

>>> intent_label(None), intent_from_label("oos"), intent_from_label("cancel_order")
('out_of_scope', None, 'cancel_order')
"""

__all__ = [
    "ROUTES", "LANGUAGES", "REPLY_LANGUAGES", "FALLBACK_REASONS", "OUT_OF_SCOPE",
    "OUT_OF_SCOPE_ALIASES", "NONE", "RASA_FALLBACK_INTENT", "intent_label",
    "intent_from_label", "route_label",
]

#: Where the bot sends a customer (../shared/spec/taxonomy.md).
ROUTES = ("answer", "invoice_chat", "live_chat", "resolution_center")

#: The model profiles: e5 sentence embeddings with TF-IDF, or TF-IDF alone (faster).
PROFILES = ("accurate", "fast")

#: Languages of a message: Indonesian, English, or code-mixed.
LANGUAGES = ("id", "en", "mixed")

#: Languages every text shown to customers exists in.
REPLY_LANGUAGES = ("id", "en")

#: Why a prediction has no intent.
FALLBACK_REASONS = ("low_confidence", "ambiguous", "out_of_scope")

#: "No intent", written as text; also the label of out-of-scope training examples.
OUT_OF_SCOPE = "out_of_scope"

#: Labels other tools use for out-of-scope examples: empty, and CLINC150's ``oos``.
OUT_OF_SCOPE_ALIASES = frozenset({"", OUT_OF_SCOPE, "oos"})

#: An absent route or fallback reason, written as text.
NONE = "none"

#: The intent Rasa's FallbackClassifier puts on top of the ranking (Rasa's own word).
RASA_FALLBACK_INTENT = "nlu_fallback"


def intent_label(intent):
    """The text form of an intent: the id, or :data:`OUT_OF_SCOPE` for None (or NaN)."""
    return OUT_OF_SCOPE if _missing(intent) else intent


def intent_from_label(label):
    """An intent id from its text form; None for out of scope (any of its spellings)."""
    if _missing(label):
        return None
    label = str(label).strip()
    return None if label in OUT_OF_SCOPE_ALIASES else label


def route_label(route):
    """The text form of a route (or a fallback reason): its name, or :data:`NONE` for None."""
    return NONE if _missing(route) else route


def _missing(value):
    """None, or the NaN pandas writes in its place."""
    return value is None or (isinstance(value, float) and value != value)
