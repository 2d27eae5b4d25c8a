"""Writing labelled messages for other tools: Rasa nlu.yml, CSV, JSONL, the project's YAML."""

__all__ = ["export_dataset", "render_dataset", "write_text", "neutralize", "EXPORT_FORMATS",
           "NEUTRALIZED"]

import csv
import io
import json
from pathlib import Path

from ruamel.yaml import YAML

from ..errors import OutputError
from ..vocabulary import intent_label
from .dataset import REVIEW_ORIGIN

EXPORT_FORMATS = ("rasa", "csv", "jsonl", "yaml")
#: First characters a spreadsheet reads as a formula (OWASP's list): a CSV cell starting
#: with one gets a leading ``'`` (the readers take it off again).
NEUTRALIZED = ("=", "+", "-", "@", "\t", "\r")


def export_dataset(dataset, path, format):
    """Write ``dataset`` to ``path`` as ``rasa``, ``csv``, ``jsonl`` or ``yaml``.

    Out-of-scope examples become Rasa's ``out_of_scope`` intent in nlu.yml and an empty
    label in CSV/JSONL; each format reads back into the same examples.
    """
    write_text(path, render_dataset(dataset, format))


def write_text(path, text):
    """Write ``text`` to ``path`` as UTF-8; :class:`~nlu.errors.OutputError` (one line, the
    path and why) when it cannot be written."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None


def render_dataset(dataset, format):
    """The text :func:`export_dataset` writes. Examples of a review export (``origin``)
    stay marked as such in every format, so that training can tell them from its data."""
    writers = {"rasa": _rasa, "csv": _csv, "jsonl": _jsonl, "yaml": _project_yaml}
    if format not in writers:
        raise ValueError(f"unknown export format {format!r} (expected one of "
                         f"{', '.join(EXPORT_FORMATS)})")
    return writers[format](dataset)


def neutralize(cell):
    """A CSV cell a spreadsheet shows as text, never runs as a formula (a text that
    already starts with quotes before such a character gets one more, so that reading
    back takes exactly one off).

    >>> neutralize("=HYPERLINK(1)"), neutralize("-5 hari"), neutralize("paket")
    ("'=HYPERLINK(1)", "'-5 hari", 'paket')
    """
    if isinstance(cell, str) and cell.lstrip("'").startswith(NEUTRALIZED):
        return f"'{cell}"
    return cell


def _reviewed(examples):
    return bool(examples) and all(e.origin == REVIEW_ORIGIN for e in examples)


def _by_intent(dataset):
    groups = {}
    for example in dataset.examples:
        groups.setdefault(example.intent, []).append(example)
    return groups


def _rasa(dataset):
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in _by_intent(dataset).items():
        lines.append(f"- intent: {intent_label(intent)}")
        if _reviewed(examples):
            lines.append(f"  metadata: {{source: {REVIEW_ORIGIN}}}")
        lines.append("  examples: |")
        # Rasa reads [..](..) as entity annotations: keep brackets literal.
        lines += [f"    - {' '.join(e.text.split()).replace('[', '(').replace(']', ')')}"
                  for e in examples]
    return "\n".join(lines) + "\n"


def _csv(dataset):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    marked = any(e.origin for e in dataset.examples)
    writer.writerow(["text", "intent", "lang"] + (["source"] if marked else []))
    for e in dataset.examples:
        cells = [e.text, e.intent or "", e.lang or ""] + ([e.origin or ""] if marked else [])
        writer.writerow([neutralize(c) for c in cells])
    return buffer.getvalue()


def _jsonl(dataset):
    rows = (json.dumps({"text": e.text, "intent": e.intent, "lang": e.lang}
                       | ({"source": e.origin} if e.origin else {}), ensure_ascii=False)
            for e in dataset.examples)
    return "".join(row + "\n" for row in rows)


def _project_yaml(dataset):
    groups = _by_intent(dataset)
    intents = []
    for intent, examples in groups.items():
        if intent is None:
            continue
        spec = dataset.intents.get(intent)
        entry = {"id": intent}
        if spec is not None and spec.route:
            entry["route"] = spec.route
        entry["examples"] = _by_language(examples)
        intents.append(entry)
    doc = {"source": REVIEW_ORIGIN} if _reviewed(dataset.examples) else {}
    doc["intents"] = intents
    if None in groups:
        doc["out_of_scope"] = _by_language(groups[None])
    buffer = io.StringIO()
    yaml = YAML()
    yaml.width = 4096
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def _by_language(examples):
    if any(e.lang is None for e in examples):
        return [e.text for e in examples]
    by_lang = {}
    for e in examples:
        by_lang.setdefault(e.lang, []).append(e.text)
    return by_lang
