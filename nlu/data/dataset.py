"""Labelled messages, the intents they belong to, and the checks across them."""

__all__ = ["Example", "IntentSpec", "Dataset", "validate", "prefer_labels", "PREFER",
           "REVIEW_ORIGIN"]

from collections import Counter
from dataclasses import dataclass, field

from ..errors import Problem
from ..text.normalize import Normalizer
from ..vocabulary import LANGUAGES, ROUTES, intent_label

#: The ``origin`` of examples exported from the review queue (a lead's decision).
REVIEW_ORIGIN = "review"
#: Which side wins when a review label contradicts a training example.
PREFER = ("reviewed", "training")


@dataclass(frozen=True)
class Example:
    """One labelled message; ``intent`` is None for an out-of-scope message."""

    text: str
    intent: str | None
    lang: str | None = None
    route: str | None = None
    path: str | None = None
    line: int | None = None
    #: "yaml" for the project's own format; duplicates there are errors, elsewhere warnings.
    source_format: str | None = field(default=None, compare=False)
    #: The other columns of a table row that are true (e.g. ``sure``): report subsets.
    flags: frozenset = field(default=frozenset(), compare=False)
    #: :data:`REVIEW_ORIGIN` for a review export's examples; None for training data.
    origin: str | None = field(default=None, compare=False)

    @property
    def location(self):
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)


@dataclass(frozen=True)
class IntentSpec:
    """An intent declared by a data file: its id, route and description."""

    id: str
    route: str | None = None
    description: str = ""
    path: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Dataset:
    """Examples from one or more files, with the intents the files declare (if any)."""

    examples: tuple = ()
    intents: dict = field(default_factory=dict)
    #: Problems that did not stop loading (see :class:`nlu.errors.Problem`).
    warnings: tuple = ()

    def __len__(self):
        return len(self.examples)

    @property
    def texts(self):
        return [e.text for e in self.examples]

    @property
    def labels(self):
        """Intent ids, None for out-of-scope examples."""
        return [e.intent for e in self.examples]

    @property
    def intent_routes(self):
        """``{intent: route}`` for the declared intents that have a route."""
        return {i.id: i.route for i in self.intents.values() if i.route}

    def merge(self, other):
        """Return a dataset with the examples and intents of both."""
        intents = dict(self.intents)
        for intent_id, spec in other.intents.items():
            # A file that only names an intent does not erase its route or description.
            known = intents.get(intent_id)
            if known is None or spec.route or spec.description:
                intents[intent_id] = spec
        return Dataset(self.examples + other.examples, intents, self.warnings + other.warnings)

    def to_frame(self):
        """The examples as a DataFrame: text, intent, lang, route, source."""
        import pandas as pd

        routes = self.intent_routes
        return pd.DataFrame(
            {
                "text": self.texts,
                "intent": self.labels,
                "lang": [e.lang for e in self.examples],
                "route": [e.route or routes.get(e.intent) for e in self.examples],
                "source": [e.location for e in self.examples],
            }
        )


    def summary(self):
        """Examples per intent (out of scope as ``out_of_scope``) and language: a DataFrame
        with one row per intent, one column per language and a ``total``."""
        frame = self.to_frame()
        table = (frame.assign(intent=frame.intent.map(intent_label),
                              lang=frame.lang.fillna("unknown"))
                 .groupby(["intent", "lang"]).size().unstack(fill_value=0))
        table["total"] = table.sum(axis=1)
        return table


def validate(dataset, *, require_examples=True):
    """Return the problems that span examples: duplicates, unknown labels, empty intents.

    Duplicates after normalization are errors within one file of the project's YAML, which
    people write by hand, and warnings otherwise (public datasets hold a few; a review
    export may repeat a training example). A review label that contradicts a training
    example is an error (settle it with :func:`prefer_labels`).

    Parameters
    ----------
    dataset : Dataset
    require_examples : bool
        Report a declared intent that has no example (training data must have them;
        test data need not cover every intent).
    """
    problems = []
    normalize = Normalizer()
    seen = {}
    declared = dataset.intents
    for example in dataset.examples:
        where = dict(path=example.path, line=example.line)
        if not example.text.strip():
            problems.append(Problem(**where, message="empty text"))
            continue
        if example.lang is not None and example.lang not in LANGUAGES:
            problems.append(
                Problem(**where, message=f"unknown language {example.lang!r} "
                        f"(expected one of {', '.join(LANGUAGES)})")
            )
        if declared and example.intent is not None and example.intent not in declared:
            problems.append(
                Problem(**where, message=f"label {example.intent!r} is not an intent of the "
                        "taxonomy declared by the data")
            )
        if example.route is not None and example.route not in ROUTES:
            problems.append(Problem(**where, message=f"unknown route {example.route!r}"))
        key = normalize(example.text)
        first = seen.setdefault(key, example)
        if first is not example:
            problems.append(_repeated(first, example))
    if require_examples:
        counts = Counter(dataset.labels)
        for intent in declared.values():
            if counts[intent.id] == 0:
                problems.append(Problem(intent.path or "<data>", intent.line,
                                        f"intent {intent.id!r} has no examples"))
    return problems


def _repeated(first, example):
    """The problem of ``example`` repeating the text of ``first`` (same or other label).

    A review label that contradicts a training example is an error, reported at the
    review's line: training on both labels teaches the model neither.
    """
    if first.intent != example.intent and _is_review(first) != _is_review(example):
        review, training = (first, example) if _is_review(first) else (example, first)
        return Problem(review.path, review.line,
                       f"{_name(review.intent)}: reviewed example {review.text!r} is also "
                       f"labelled {_name(training.intent)} at {training.location} (fix one, "
                       f"or say which wins: prefer {' or '.join(PREFER)})")
    if first.intent == example.intent:
        message = (f"{_name(example.intent)}: duplicate example {example.text!r} "
                   f"(first at {first.location})")
    else:
        message = (f"{_name(example.intent)}: example {example.text!r} is also labelled "
                   f"{_name(first.intent)} at {first.location}")
    strict = (example.source_format == first.source_format == "yaml"
              and example.path == first.path)
    return Problem(example.path, example.line, message, "error" if strict else "warning")


def prefer_labels(dataset, prefer):
    """Settle contradictions between review labels and training examples.

    For a text (after normalization) labelled differently by a review export and by the
    training data, keep the examples of the side ``prefer`` names (``"reviewed"`` or
    ``"training"``) and drop the others. Returns ``(dataset, warnings)``: one warning per
    dropped example, at its location.
    """
    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {', '.join(PREFER)}, not {prefer!r}")
    normalize = Normalizer()
    by_text = {}
    for example in dataset.examples:
        by_text.setdefault(normalize(example.text), []).append(example)
    dropped, warnings = set(), []
    for examples in by_text.values():
        sides = {_is_review(e) for e in examples}
        if len({e.intent for e in examples}) < 2 or len(sides) < 2:
            continue
        winners = [e for e in examples if _is_review(e) == (prefer == "reviewed")]
        for loser in examples:
            if _is_review(loser) != (prefer == "reviewed") and loser.intent != winners[0].intent:
                dropped.add(id(loser))
                warnings.append(Problem(
                    loser.path, loser.line, f"{_name(loser.intent)}: example {loser.text!r} "
                    f"dropped: {winners[0].location} labels it {_name(winners[0].intent)} "
                    f"(prefer {prefer})", "warning"))
    kept = tuple(e for e in dataset.examples if id(e) not in dropped)
    return Dataset(kept, dataset.intents, dataset.warnings), warnings


def _is_review(example):
    return example.origin == REVIEW_ORIGIN


def _name(intent):
    return "out-of-scope" if intent is None else f"intent {intent!r}"

