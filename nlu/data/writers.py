"""Writing labelled messages for other tools: Rasa nlu.yml, CSV, JSONL, the project's YAML."""

__all__ = ["export_dataset", "EXPORT_FORMATS"]

import csv
import io
import json
from pathlib import Path

from ruamel.yaml import YAML

from ..errors import OutputError
from ..vocabulary import intent_label

EXPORT_FORMATS = ("rasa", "csv", "jsonl", "yaml")


def export_dataset(dataset, path, format):
    """Write ``dataset`` to ``path`` as ``rasa``, ``csv``, ``jsonl`` or ``yaml``.

    Out-of-scope examples become Rasa's ``out_of_scope`` intent in nlu.yml and an empty
    label in CSV/JSONL; each format reads back into the same examples.
    """
    writers = {"rasa": _rasa, "csv": _csv, "jsonl": _jsonl, "yaml": _project_yaml}
    if format not in writers:
        raise ValueError(f"unknown export format {format!r} (expected one of "
                       f"{', '.join(EXPORT_FORMATS)})")
    text = writers[format](dataset)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from exc


def _by_intent(dataset):
    groups = {}
    for example in dataset.examples:
        groups.setdefault(example.intent, []).append(example)
    return groups


def _rasa(dataset):
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in _by_intent(dataset).items():
        lines.append(f"- intent: {intent_label(intent)}")
        lines.append("  examples: |")
        # Rasa reads [..](..) as entity annotations: keep brackets literal.
        lines += [f"    - {' '.join(e.text.split()).replace('[', '(').replace(']', ')')}"
                  for e in examples]
    return "\n".join(lines) + "\n"


def _csv(dataset):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "intent", "lang"])
    for e in dataset.examples:
        writer.writerow([e.text, e.intent or "", e.lang or ""])
    return buffer.getvalue()


def _jsonl(dataset):
    rows = (json.dumps({"text": e.text, "intent": e.intent, "lang": e.lang}, ensure_ascii=False)
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
    doc = {"intents": intents}
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
