"""The help-desk domain around a model: knowledge base, routes and replies, from one folder."""

__all__ = ["load_responder", "DOMAIN_FILES"]

from pathlib import Path

from .conversation import Responder, load_replies
from .errors import DataError, Problem
from .knowledge import load_knowledge_base
from .router import load_router

DOMAIN_FILES = {"knowledge": "kb/articles.yaml", "routes": "routes.yaml",
                "replies": "replies.yaml"}


def load_responder(directory, intent_routes):
    """Read ``kb/articles.yaml``, ``routes.yaml`` and ``replies.yaml`` from ``directory``.

    ``intent_routes`` is the model's ``{intent: route}``. Checks that every intent routed
    to ``answer`` has an article and every intent has a name for suggestion buttons.

    Raises
    ------
    DataError
        Every problem in the three files, each as ``path:line: message``.
    """
    directory = Path(directory)
    paths = {key: directory / name for key, name in DOMAIN_FILES.items()}
    parts, problems = {}, []
    loaders = {"knowledge": load_knowledge_base, "replies": load_replies,
               "routes": lambda path: load_router(path, intent_routes)}
    for key, load in loaders.items():
        try:
            parts[key] = load(paths[key])
        except DataError as exc:
            problems += exc.problems
    if "knowledge" in parts:
        problems += [Problem(str(paths["knowledge"]), None, f"no article for intent {intent!r}, "
                             "which is routed to 'answer'")
                     for intent, route in intent_routes.items()
                     if route == "answer" and parts["knowledge"].for_intent(intent) is None]
    if "replies" in parts:
        problems += [Problem(str(paths["replies"]), None, f"intent_names: no name for {intent!r}")
                     for intent in intent_routes if intent not in parts["replies"].intent_names]
    if problems:
        raise DataError(problems)
    return Responder(parts["knowledge"], parts["routes"], parts["replies"])
