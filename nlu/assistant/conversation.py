"""The state of one conversation, kept by the caller between turns.

The library never stores it: :meth:`Responder.respond` takes the state and returns the new
one, and the caller stores it per session (as :meth:`ConversationState.to_dict`, plain JSON).
"""

__all__ = ["ConversationState", "Question", "MAX_MISSES", "MIN_LANGUAGE_WORDS",
           "MIN_LANGUAGE_MARKERS",
           "REMEMBERED_ENTITIES", "SLOTS", "session_language", "remember"]

from dataclasses import dataclass, field, replace

from ..errors import UnknownLabel
from ..vocabulary import REPLY_LANGUAGES
from .replies import reply_language
from .slots import longest_duration

#: The miss that hands the conversation over to live chat.
MAX_MISSES = 2

#: A message sets the conversation's language when it has at least this many words, and
#: this many marker words of the language it would be answered in; shorter or unclear ones
#: ("ok", "wkwkwk", "thx kak", "ok thanks") keep the language the conversation had.
MIN_LANGUAGE_WORDS = 3
MIN_LANGUAGE_MARKERS = 2

#: What a conversation remembers of the entities its customer wrote (the latest of each):
#: the order and the parcel identify what the conversation is about; amounts and durations
#: are the facts the rules use. Phone numbers are personal data and are not kept.
REMEMBERED_ENTITIES = ("invoice", "resi", "amount", "duration")

#: What the bot may ask for before a route's steps: the order (its invoice number), and for
#: a seller that does not respond, the days since the complaint.
SLOTS = ("order", "days")


@dataclass(frozen=True)
class Question:
    """What the bot asked in its last turn, which the next message may answer.

    A clarification offers ``candidates`` (``((intent, confidence), ...)``, best first); a
    question for the route's details names the ``intent`` waiting for them (recognized
    with ``confidence``) and the ``slots`` asked (``"order"``: the invoice number,
    ``"days"``: days since the complaint). Both keep the ``days`` since the complaint known
    when asking (None: not said).
    """

    candidates: tuple = ()
    intent: str | None = None
    slots: tuple = ()
    confidence: float = 0.0
    days: float | None = None

    @property
    def intents(self):
        return tuple(intent for intent, _ in self.candidates)

    def to_dict(self):
        return {"candidates": [list(c) for c in self.candidates], "intent": self.intent,
                "slots": list(self.slots), "confidence": self.confidence, "days": self.days}

    @classmethod
    def from_dict(cls, data):
        """The question stored by :meth:`to_dict`; None for missing or malformed data."""
        if not isinstance(data, dict):
            return None
        candidates = data.get("candidates")
        candidates = tuple((c[0], float(c[1])) for c in candidates
                           if isinstance(c, list) and len(c) == 2 and isinstance(c[0], str)
                           and _number(c[1])) if isinstance(candidates, list) else ()
        intent = data.get("intent") if isinstance(data.get("intent"), str) else None
        slots = tuple(s for s in _strings(data.get("slots")) if s in SLOTS)
        confidence = float(data["confidence"]) if _number(data.get("confidence")) else 0.0
        days = data["days"] if _number(data.get("days")) else None
        if not candidates and not (intent and slots):
            return None
        return cls(candidates, intent, slots, confidence, days)


@dataclass(frozen=True)
class ConversationState:
    """What the bot remembers of one conversation.

    Attributes
    ----------
    misses : int
        Consecutive messages the bot could not place.
    lang : str or None
        The conversation's reply language (``id`` or ``en``), None before the first message.
    entities : dict
        The latest invoice, resi, amount and duration the customer wrote.
    last_intent : str or None
        The last intent the bot acted on.
    served : tuple of str
        Intents already answered with their route and steps: the same complaint again is a
        sign of frustration.
    asked : tuple of str
        Slots already asked for in this conversation (each is asked once).
    complaint : bool or None
        For a seller that does not respond: whether the customer said a complaint was
        filed (False: only a chat), None while unsaid.
    question : Question or None
        What the last turn asked.
    choice : str or None
        For this turn only, the intent of the suggestion the customer clicked
        (:meth:`choose`); never stored.
    """

    misses: int = 0
    lang: str | None = None
    entities: dict = field(default_factory=dict)
    last_intent: str | None = None
    served: tuple = ()
    asked: tuple = ()
    complaint: bool | None = None
    question: Question | None = None
    choice: str | None = None

    def choose(self, intent, intents):
        """This state with the customer's click on the suggestion for ``intent``.

        Raises
        ------
        UnknownLabel
            ``intent`` is not one of ``intents`` (the model's).
        """
        if intent is None:
            return self
        if intent not in intents:
            raise UnknownLabel(f"unknown intent {intent!r}: a suggestion's intent is one of "
                               f"{', '.join(sorted(intents))}")
        return replace(self, choice=intent)

    def to_dict(self):
        """Plain data for the store (the click of this turn is not part of it)."""
        return {"misses": self.misses, "lang": self.lang, "entities": dict(self.entities),
                "last_intent": self.last_intent, "served": list(self.served),
                "asked": list(self.asked), "complaint": self.complaint,
                "question": self.question.to_dict() if self.question else None}

    @classmethod
    def from_dict(cls, data):
        """The state stored by :meth:`to_dict`. A new conversation for None or data that is
        not a mapping; a field with a bad value is reset, the others are kept."""
        if not isinstance(data, dict):
            return cls()
        misses = data.get("misses", 0)
        lang = data.get("lang")
        entities = data.get("entities")
        last = data.get("last_intent")
        complaint = data.get("complaint")
        return cls(
            misses=misses if type(misses) is int and misses >= 0 else 0,
            lang=lang if lang in REPLY_LANGUAGES else None,
            entities={k: v for k, v in entities.items()
                      if k in REMEMBERED_ENTITIES and (isinstance(v, str) or _number(v))}
            if isinstance(entities, dict) else {},
            last_intent=last if isinstance(last, str) else None,
            served=_strings(data.get("served")),
            asked=tuple(s for s in _strings(data.get("asked")) if s in SLOTS),
            complaint=complaint if isinstance(complaint, bool) else None,
            question=Question.from_dict(data.get("question")),
        )


def session_language(previous, lang, markers, words):
    """The reply language of a conversation after a message.

    Parameters
    ----------
    previous : str or None
        The conversation's language so far.
    lang : str
        The message's language (``id``, ``en`` or ``mixed``).
    markers : tuple of int
        ``(Indonesian, English)`` marker words in the message.
    words : int
        Words in the message.

    >>> session_language("id", "en", (0, 1), 1), session_language("id", "en", (0, 3), 4)
    ('id', 'en')
    """
    answer_in = reply_language(lang)
    evidence = markers[1] if answer_in == "en" else markers[0]
    if previous is None or (words >= MIN_LANGUAGE_WORDS and evidence >= MIN_LANGUAGE_MARKERS):
        return answer_in
    return previous


def remember(memory, entities):
    """``memory`` (``{type: value}``) updated with a message's entities: the message's
    invoice, resi and amount replace the remembered ones, its longest duration too.

    >>> from nlu.text.entities import Entity
    >>> remember({"invoice": "INV/1"}, [Entity("duration", 2, 0, 6), Entity("duration", 5, 9, 15)])
    {'invoice': 'INV/1', 'duration': 5}
    """
    updated = dict(memory)
    for kind in REMEMBERED_ENTITIES:
        value = longest_duration(entities) if kind == "duration" else \
            next((e.value for e in entities if e.type == kind), None)
        if value is not None:
            updated[kind] = value
    return updated


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _strings(value):
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
