"""The engine: a trained model with the help-desk domain around it, what a front end serves.

One object answers a message from end to end: the model's prediction, then the reply
(knowledge base, route and steps, conversation fallback).
"""

__all__ = ["Engine"]

from dataclasses import dataclass
from pathlib import Path

from ..errors import ArtifactError
from ..model.artifacts import load_model, read_manifest
from .responder import load_responder


@dataclass(frozen=True)
class Engine:
    """A loaded model with its responder; replaced whole on reload, never mutated.

    ``version`` is the artifact's folder name; ``manifest`` its manifest.json.
    """

    model: object
    responder: object
    version: str
    path: Path
    manifest: dict

    @classmethod
    def load(cls, model_dir, domain_dir):
        """Load and check an artifact and the domain files of ``domain_dir``.

        Raises
        ------
        ArtifactError
            The artifact is missing, corrupt, incompatible, or the path is unusable.
        DataError
            A domain file is invalid (every problem listed).
        """
        try:
            path = Path(model_dir).resolve()
            model = load_model(path)
        except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the OS
            raise ArtifactError(f"{model_dir!r}: not a usable path: {exc}") from None
        responder = load_responder(domain_dir, model.intent_routes)
        return cls(model, responder, path.name, path, read_manifest(path))

    def predict(self, texts):
        """One :class:`~nlu.model.prediction.Prediction` per text, in order."""
        return self.model.predict(texts)

    def respond(self, prediction, state=None):
        """``(Reply, new ConversationState)`` for a prediction; without a state, the reply
        to the message alone and None (see :meth:`Responder.respond`)."""
        return self.responder.respond(prediction, state)
