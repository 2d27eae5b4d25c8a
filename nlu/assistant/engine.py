"""The engine: a trained model with the help-desk domain around it, what a front end serves.

One object answers a message from end to end: the model's prediction, then the reply
(knowledge base, route and steps, conversation fallback).
"""

__all__ = ["Engine"]

from dataclasses import dataclass
from pathlib import Path

from ..model.artifacts import load_model, read_manifest, resolve_artifact
from .conversation import ConversationState
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
        path = resolve_artifact(model_dir)  # one-line errors: a loop, a NUL byte...
        model = load_model(path)
        responder = load_responder(domain_dir, model.intent_routes)
        return cls(model, responder, path.name, path, read_manifest(path))

    def predict(self, texts):
        """One :class:`~nlu.model.prediction.Prediction` per text, in order."""
        return self.model.predict(texts)

    def respond(self, prediction, state=ConversationState()):
        """``(Reply, new ConversationState)`` for a prediction (see :class:`Responder`)."""
        return self.responder.respond(prediction, state)
