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
    """

    text: str
    intent: str | None
    confidence: float
    ranking: tuple
    fallback: str | None
    lang: str
    entities: tuple
    route: str | None = None

    def to_dict(self, with_route=True):
        data = asdict(self)
        if not with_route:
            data.pop("route")
        return data
