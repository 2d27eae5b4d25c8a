"""What a prediction says about one message."""

__all__ = ["Prediction", "RankedIntent"]

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RankedIntent:
    intent: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    """The intent of one message, or why there is none.

    ``intent`` is None when the model falls back; ``ranking`` keeps the real top intents
    all the same, and ``fallback`` says why: ``low_confidence``, ``ambiguous`` or
    ``out_of_scope``. ``route`` is the intent's route when the model's data defines routes.
    ``margin`` is how far the top intent is ahead of the second (what the ambiguity
    margin is compared with).
    """

    text: str
    intent: str | None
    confidence: float
    ranking: tuple
    fallback: str | None
    lang: str
    entities: tuple
    route: str | None = None
    margin: float = 0.0

    def to_dict(self, with_route=True):
        """The fields as plain data, as ``dataclasses.asdict`` gives them, built directly:
        ``asdict`` recurses and deep-copies, ~0.1 ms a prediction on a serving path."""
        data = {"text": self.text, "intent": self.intent, "confidence": self.confidence,
                "ranking": tuple({"intent": r.intent, "confidence": r.confidence}
                                 for r in self.ranking),
                "fallback": self.fallback, "lang": self.lang,
                "entities": tuple(asdict(e) for e in self.entities)}
        if with_route:
            data["route"] = self.route
        data["margin"] = self.margin
        return data
