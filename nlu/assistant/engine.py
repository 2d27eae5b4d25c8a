"""The engine: a trained model with the help-desk domain around it, what a front end serves.

One object answers messages from end to end, a batch at a time (:meth:`Engine.parse`): the
model's predictions, then the replies (knowledge base, route and steps, conversation
fallback) and each conversation's new state.
"""

__all__ = ["Engine", "Answer"]

from dataclasses import dataclass
from pathlib import Path

from ..model.artifacts import load_model, read_manifest, resolve_artifact
from .responder import load_responder


@dataclass(frozen=True)
class Answer:
    """The whole answer to one message: what the model said, the reply, and the
    conversation's state after it (to store for the next turn; None for a message
    answered outside a conversation)."""

    prediction: object
    reply: object
    state: object


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

    def parse(self, texts, states=None):
        """One :class:`Answer` per text, in order: the batch is predicted in one model call
        and searched in the knowledge base in one call.

        ``states`` holds each message's :class:`~nlu.assistant.conversation.ConversationState`
        (None, or a None item: the message is answered on its own, as in a one-off parse).
        """
        predictions = self.model.predict(texts)
        replies = self.responder.respond_many(predictions, states)
        return [Answer(p, reply, state) for p, (reply, state) in zip(predictions, replies)]

    def predict(self, texts):
        """One :class:`~nlu.model.prediction.Prediction` per text, in order."""
        return self.model.predict(texts)

    def respond(self, prediction, state=None):
        """``(Reply, new ConversationState)`` for a prediction; without a state, the reply
        to the message alone and None (see :meth:`Responder.respond`)."""
        return self.responder.respond(prediction, state)
