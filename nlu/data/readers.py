"""Reading labelled messages from the project's YAML, Rasa nlu.yml, CSV, JSONL and Parquet."""

__all__ = ["load_dataset", "read_file", "iter_texts", "TABLE_SUFFIXES"]

import csv
import json
import re
from pathlib import Path

from ..errors import DataError, Problem
from ..vocabulary import LANGUAGES, ROUTES, intent_from_label
from .dataset import REVIEW_ORIGIN, Dataset, Example, IntentSpec, prefer_labels, validate
from .writers import NEUTRALIZED
from .yamlfile import line_of, read_yaml

TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
_YAML_SUFFIXES = (".yaml", ".yml")
_TOP_KEYS = {"version", "source", "routes", "intents", "out_of_scope"}
#: What the ``source`` key (YAML), the ``source`` column (tables) or an intent's
#: ``metadata: {source: ...}`` (Rasa) may say; "review" marks a review export.
_SOURCES = ("training", REVIEW_ORIGIN)
_INTENT_KEYS = {"id", "route", "description", "examples"}
_RASA_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def load_dataset(paths, *, text_column="text", label_column="intent", require_examples=True,
                 prefer=None):
    """Read and combine data files, check them, and return one :class:`Dataset`.

    Parameters
    ----------
    paths : path or list of paths
        ``.yaml``/``.yml`` (the project's format or Rasa's nlu.yml), ``.csv``, ``.jsonl``
        or ``.parquet``.
    text_column, label_column : str
        Columns of table files. An empty or null label marks an out-of-scope example.
    require_examples : bool
        Whether every declared intent must have examples.
    prefer : {"reviewed", "training"} or None
        Which label wins when a review export contradicts a training example (see
        :func:`nlu.data.dataset.prefer_labels`); None: a contradiction is an error.

    Raises
    ------
    DataError
        Listing every problem found, each as ``path:line: message``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise DataError([Problem("<arguments>", None, "no data file given")])
    dataset, problems = Dataset(), []
    for path in paths:
        part, found = read_file(path, text_column=text_column, label_column=label_column)
        dataset = dataset.merge(part)
        problems += found
    if prefer is not None:
        dataset, dropped = prefer_labels(dataset, prefer)
        problems += dropped
    problems += validate(dataset, require_examples=require_examples)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(errors)
    warnings = tuple(p for p in problems if p.severity != "error")
    return Dataset(dataset.examples, dataset.intents, dataset.warnings + warnings)


def read_file(path, *, text_column="text", label_column="intent"):
    """Parse one file into ``(Dataset, problems)`` without cross-file checks."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        return Dataset(), [Problem(name, None, "no such file")]
    suffix = path.suffix.lower()
    try:
        if suffix in _YAML_SUFFIXES:
            return _read_yaml(path)
        if suffix in TABLE_SUFFIXES:
            return _read_table(path, text_column, label_column)
    except (OSError, UnicodeDecodeError) as exc:
        return Dataset(), [Problem(name, None, f"cannot read file: {exc}")]
    expected = ", ".join(_YAML_SUFFIXES + TABLE_SUFFIXES)
    return Dataset(), [Problem(name, None, f"unknown file type {suffix!r} (expected {expected})")]


def iter_texts(path, *, text_column="text", batch_size=1000):
    """Yield lists of texts from a large .jsonl or .csv file without loading it whole.

    Raises
    ------
    DataError
        On a missing column, bad JSON or empty text, naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError([Problem(str(path), None, "no such file")])
    if path.suffix.lower() not in (".jsonl", ".csv"):
        raise DataError([Problem(str(path), None, "expected a .jsonl or .csv file")])
    batch = []
    try:
        for line, row in _rows(path):
            if isinstance(row, Problem):
                raise DataError([row])
            text = row.get(text_column) if isinstance(row, dict) else None
            if not isinstance(text, str):
                raise DataError([Problem(str(path), line,
                                         f"missing text column {text_column!r}")])
            if not text.strip():
                raise DataError([Problem(str(path), line, "empty text")])
            batch.append(text)
            if len(batch) == batch_size:
                yield batch
                batch = []
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError([Problem(str(path), None, f"cannot read file: {exc}")]) from None
    if batch:
        yield batch


# -- YAML ------------------------------------------------------------------------------------


def _read_yaml(path):
    name = str(path)
    doc, problems = read_yaml(path)
    if problems:
        return Dataset(), problems
    if not isinstance(doc, dict):
        return Dataset(), [Problem(name, 1, "expected a mapping with 'intents' or 'nlu'")]
    if "nlu" in doc:
        return _read_rasa(name, doc)
    return _read_project(name, doc)


def _read_project(name, doc):
    problems = [Problem(name, line_of(doc, key=k), f"unknown key {k!r} (expected one of "
                        f"{', '.join(sorted(_TOP_KEYS))})") for k in doc if k not in _TOP_KEYS]
    origin, bad = _origin(name, doc.get("source"), line_of(doc, key="source"))
    problems += bad
    routes = doc.get("routes", ROUTES)
    if "routes" in doc and not _is_list_of_str(routes):
        problems.append(Problem(name, line_of(doc, key="routes"), "'routes' must be a list of names"))
        routes = ROUTES
    intents, examples = {}, []
    items = doc.get("intents") or []
    if not isinstance(items, list):
        problems.append(Problem(name, line_of(doc, key="intents"), "'intents' must be a list"))
        items = []
    for index, item in enumerate(items):
        line = line_of(items, index=index)
        if not isinstance(item, dict):
            problems.append(Problem(name, line, "an intent must be a mapping with id and examples"))
            continue
        for key in item:
            if key not in _INTENT_KEYS:
                problems.append(Problem(name, line_of(item, key=key), f"unknown key {key!r} in "
                                        f"intent (expected one of {', '.join(sorted(_INTENT_KEYS))})"))
        intent_id = item.get("id")
        if not isinstance(intent_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", intent_id):
            problems.append(Problem(name, line, f"intent id {intent_id!r} must be snake_case ASCII"))
            continue
        if intent_id in intents:
            first = intents[intent_id]
            problems.append(Problem(name, line, f"intent {intent_id!r} is declared twice "
                                    f"(first at line {first.line})"))
            continue
        route = item.get("route")
        if route is not None and route not in routes:
            problems.append(Problem(name, line_of(item, key="route"), f"intent {intent_id!r}: "
                                    f"unknown route {route!r} (expected one of {', '.join(routes)})"))
        intents[intent_id] = IntentSpec(intent_id, route if isinstance(route, str) else None,
                                        str(item.get("description") or ""), name, line)
        found, bad = _read_examples(name, item, "examples", intent_id, origin)
        examples += found
        problems += bad
    if "out_of_scope" in doc:
        found, bad = _read_examples(name, doc, "out_of_scope", None, origin)
        examples += found
        problems += bad
    return Dataset(tuple(examples), intents), problems


def _origin(name, source, line):
    """The examples' origin from a file's ``source`` ("review" for a review export)."""
    if source is None or source == "training":
        return None, []
    if source == REVIEW_ORIGIN:
        return REVIEW_ORIGIN, []
    return None, [Problem(name, line, f"unknown source {source!r} (expected one of "
                          f"{', '.join(_SOURCES)})")]


def _read_examples(name, parent, key, intent, origin=None):
    """Examples as a list, or a mapping ``{lang: [texts]}``; each keeps its own line."""
    node = parent.get(key)
    where = line_of(parent, key=key)
    owner = f"intent {intent!r}" if intent else "out_of_scope"
    if node is None:
        return [], []
    groups = node.items() if isinstance(node, dict) else [(None, node)]
    examples, problems = [], []
    for lang, texts in groups:
        if lang is not None and lang not in LANGUAGES:
            problems.append(Problem(name, line_of(node, key=lang), f"{owner}: unknown language "
                                    f"{lang!r} (expected one of {', '.join(LANGUAGES)})"))
            continue
        if not isinstance(texts, list):
            problems.append(Problem(name, where, f"{owner}: examples must be a list of texts"))
            continue
        for index, text in enumerate(texts):
            line = line_of(texts, index=index)
            if not isinstance(text, str):
                problems.append(Problem(name, line, f"{owner}: example must be text, got {text!r}"))
            elif not text.strip():
                problems.append(Problem(name, line, f"{owner}: empty text"))
            else:
                examples.append(Example(str(text), intent, lang, None, name, line, "yaml",
                                        origin=origin))
    return examples, problems


def _read_rasa(name, doc):
    examples, problems = [], []
    items = doc.get("nlu") or []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes and lookup tables do not label messages
        intent = str(item["intent"])
        label = intent_from_label(intent)
        metadata = item.get("metadata")
        origin, bad = _origin(name, metadata.get("source") if isinstance(metadata, dict)
                              else None, line_of(item, key="metadata"))
        problems += bad
        block = item.get("examples")
        start = line_of(item, key="examples") or line_of(items, index=index) or 0
        if not isinstance(block, str):
            problems.append(Problem(name, start, f"intent {intent!r}: 'examples' must be a "
                                    "block of '- text' lines"))
            continue
        # A literal block starts on the line after its key.
        for offset, raw in enumerate(block.splitlines(), start=1):
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                problems.append(Problem(name, start + offset, f"intent {intent!r}: expected "
                                        f"'- example', got {stripped!r}"))
                continue
            text = _RASA_ANNOTATION.sub(r"\1", stripped[2:]).strip()
            if not text:
                problems.append(Problem(name, start + offset, f"intent {intent!r}: empty text"))
                continue
            examples.append(Example(text, label, None, None, name, start + offset, "rasa",
                                    origin=origin))
    return Dataset(tuple(examples)), problems


def _is_list_of_str(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# -- tables ----------------------------------------------------------------------------------


def _rows(path):
    """Yield ``(line, row dict or Problem)`` for .jsonl and .csv files."""
    name = str(path)
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield number, Problem(name, number, f"invalid JSON: {exc.msg}")
                    continue
                if not isinstance(row, dict):
                    yield number, Problem(name, number, "expected a JSON object")
                    continue
                yield number, row
        return
    # utf-8-sig: spreadsheet programs start "CSV UTF-8" files with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            yield reader.line_num, Problem(name, reader.line_num, f"unreadable CSV: {exc}")


def _parquet_rows(path):
    import pandas as pd

    frame = pd.read_parquet(path)
    # Parquet has no lines: report the row number, counting the first row as 1.
    for number, row in enumerate(frame.to_dict(orient="records"), start=1):
        yield number, row


def _read_table(path, text_column, label_column):
    name = str(path)
    if path.suffix.lower() == ".parquet":
        try:
            rows = list(_parquet_rows(path))
        except Exception as exc:  # pyarrow raises many types for a damaged file
            return Dataset(), [Problem(name, None, f"unreadable Parquet file: {exc}")]
    else:
        rows = list(_rows(path))
    examples, problems = [], []
    if not rows:
        return Dataset(), [Problem(name, None, "no rows")]
    columns = next((set(r) for _, r in rows if isinstance(r, dict)), set())
    missing = [c for c in (text_column, label_column) if c not in columns]
    if missing and path.suffix.lower() != ".jsonl":
        found = ", ".join(sorted(map(str, columns))) or "none"
        return Dataset(), [Problem(name, 1, f"missing column {c!r} (found: {found})")
                           for c in missing]
    for line, row in rows:
        if isinstance(row, Problem):
            problems.append(row)
            continue
        if text_column not in row:
            problems.append(Problem(name, line, f"missing column {text_column!r}"))
            continue
        if label_column not in row:
            problems.append(Problem(name, line, f"missing column {label_column!r}"))
            continue
        text, label = row[text_column], intent_from_label(row[label_column])
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(name, line, "empty text"))
            continue
        lang, route = _optional(row.get("lang")), _optional(row.get("route"))
        # A table's "source" column often says where a row came from (a dataset, a
        # channel): only "review" marks a review export's row.
        origin = REVIEW_ORIGIN if _optional(row.get("source")) == REVIEW_ORIGIN else None
        if path.suffix.lower() == ".csv":
            text = _unneutralized(text)
        flags = frozenset(str(k) for k, v in row.items() if v is True
                          or (isinstance(v, str) and v.strip().lower() == "true"))
        examples.append(Example(text, label, lang, route, name, line,
                                path.suffix.lower().lstrip("."), flags, origin=origin))
    return Dataset(tuple(examples)), problems


def _optional(value):
    return value if isinstance(value, str) and value.strip() else None


def _unneutralized(text):
    """A text as it was before :mod:`nlu.data.writers` neutralized it for spreadsheets
    (a leading ``'`` before ``= + - @``, tab or carriage return)."""
    if text.startswith("'") and text.lstrip("'").startswith(NEUTRALIZED):
        return text[1:]
    return text
