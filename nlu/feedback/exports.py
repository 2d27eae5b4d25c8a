"""Reviewed messages in the formats that training and annotation tools read.

Training data (``yaml``, ``rasa``, ``csv``, ``jsonl``) comes from
:meth:`ReviewQueue.reviewed_dataset`: one example per distinct text, the label that counts,
messages whose reviewers disagree held back, every example marked as a review's so that
``nlu train`` refuses a label that contradicts its training data.

For annotation tools every reviewed message is a record with the model's prediction as a
suggestion and each reviewer's standing label as an answer:

* ``argilla``: a JSON list of records as ``argilla.Record.from_dict`` reads them (Argilla
  2): ``fields.text``, ``suggestions.intent`` (value, score, agent), ``responses.intent``
  (one per reviewer, ``user_id`` derived from the reviewer's name), ``metadata``;
* ``label-studio``: a JSON list of tasks (Label Studio's import format): ``data.text``
  (with the reviewers' names in ``data.reviewers``, in the order of the annotations),
  ``predictions`` and ``annotations`` with a ``choices`` result from ``intent`` to
  ``text``.

Labels are intent ids, and ``out_of_scope`` for no intent.
"""

__all__ = ["export_reviewed", "Export", "REVIEW_EXPORT_FORMATS"]

import json
import uuid
from dataclasses import dataclass

from ..data.writers import EXPORT_FORMATS, render_dataset
from ..vocabulary import intent_label, route_label
from .decisions import standing_labels

REVIEW_EXPORT_FORMATS = ("yaml", "rasa", "csv", "jsonl", "argilla", "label-studio")
_MEDIA = {"yaml": "application/yaml", "rasa": "application/yaml", "csv": "text/csv",
          "jsonl": "application/jsonl", "argilla": "application/json",
          "label-studio": "application/json"}
_SUFFIX = {"yaml": "yaml", "rasa": "yml", "csv": "csv", "jsonl": "jsonl",
           "argilla": "argilla.json", "label-studio": "label-studio.json"}
#: Argilla wants a user id (a UUID) per response: the same reviewer always gets the same.
_REVIEWERS = uuid.UUID("6f1c2b1e-6e51-4c0e-9a4f-2d7c0b1f5e11")
QUESTION = "intent"


@dataclass(frozen=True)
class Export:
    """A rendered export: its text, media type, file name, record count and warnings."""

    text: str
    media_type: str
    filename: str
    count: int
    warnings: tuple = ()


def export_reviewed(queue, format):
    """Render the reviewed messages of ``queue`` (a ReviewQueue) as ``format``."""
    if format not in REVIEW_EXPORT_FORMATS:
        raise ValueError(f"unknown export format {format!r} (expected one of "
                         f"{', '.join(REVIEW_EXPORT_FORMATS)})")
    filename = f"reviewed.{_SUFFIX[format]}"
    if format in EXPORT_FORMATS:
        dataset = queue.reviewed_dataset()
        return Export(render_dataset(dataset, format), _MEDIA[format], filename,
                      len(dataset), dataset.warnings)
    rows = queue.reviewed()
    with queue.store.connect() as connection:
        answers = standing_labels(connection, [r["message_id"] for r in rows]) if rows else {}
    render = _argilla if format == "argilla" else _label_studio
    records = [render(row, answers.get(row["message_id"], [])) for row in rows]
    return Export(json.dumps(records, ensure_ascii=False, indent=1, default=str) + "\n",
                  _MEDIA[format], filename, len(records))


def _metadata(row):
    return {"message_id": row["message_id"], "lang": row["lang"],
            "route": route_label(row["route"]), "fallback": route_label(row["fallback"]),
            "model_version": row["model_version"], "created_at": row["created_at"].isoformat(),
            "disagreement": row["disagreement"]}


def _guess(row):
    """The model's answer: its intent, or out of scope when it fell back."""
    return intent_label(row["intent"])


def _argilla(row, answers):
    return {
        "id": row["message_id"],
        "fields": {"text": row["text"]},
        "metadata": _metadata(row) | {"reviewers": [a["reviewer"] for a in answers]},
        "suggestions": {QUESTION: {"value": _guess(row), "score": row["confidence"],
                                   "agent": row["model_version"]}},
        "responses": {QUESTION: [{"value": intent_label(a["label"]),
                                  "user_id": str(uuid.uuid5(_REVIEWERS, a["reviewer"]))}
                                 for a in answers]},
        "vectors": {},
    }


def _choice(label):
    return [{"from_name": QUESTION, "to_name": "text", "type": "choices",
             "value": {"choices": [label]}}]


def _label_studio(row, answers):
    return {
        "data": {"text": row["text"], **_metadata(row),
                 "reviewers": [a["reviewer"] for a in answers]},
        "predictions": [{"model_version": row["model_version"], "score": row["confidence"],
                         "result": _choice(_guess(row))}],
        "annotations": [{"result": _choice(intent_label(a["label"]))} for a in answers],
    }
