"""Scoring one partition of chat logs: a pandas DataFrame in, a DataFrame out.

The output keeps the input's other columns (a message id, a timestamp...), replaces the text
with its masked form (as the store masks it: personal data out, invoice numbers kept) and
adds what the model said; no raw personal value reaches it. Nothing here knows whether it
runs in this process or on a Dask worker.
"""

__all__ = ["score_frame", "output_columns", "output_types", "OUTPUT_COLUMNS"]

import json

import pandas as pd

from ..errors import DataError, Problem
from ..text.privacy import mask_text

#: The columns a scored partition adds, in order, after the input's other columns.
OUTPUT_COLUMNS = ("text", "intent", "confidence", "fallback", "route", "entities",
                  "model_version")
#: Suffix of an input column whose name is one of :data:`OUTPUT_COLUMNS` (an old model's
#: ``intent``, say): it is kept, renamed.
INPUT_SUFFIX = "_input"


def output_columns(input_columns, text_column):
    """``(renames, columns)``: how input columns are renamed to make room for the output's,
    and the output's columns in order."""
    carried = [c for c in input_columns if c != text_column]
    renames = {c: f"{c}{INPUT_SUFFIX}" for c in carried if c in OUTPUT_COLUMNS}
    return renames, [renames.get(c, c) for c in carried] + list(OUTPUT_COLUMNS)


def score_frame(frame, model, version, text_column="text", source="<input>", batch_size=1000):
    """Score the texts of ``frame`` with ``model`` (an :class:`~nlu.model.model.NLUModel`).

    Parameters
    ----------
    frame : pandas.DataFrame
        One partition of chat logs with a ``text_column``.
    version : str
        The artifact's version, written in every row.
    source : str
        Where the rows come from, for errors.
    batch_size : int
        Texts per model call (bounds the memory of one call).

    Raises
    ------
    DataError
        The text column is missing, or a text is empty or not a string.
    """
    if text_column not in frame.columns:
        raise DataError([Problem(source, None, f"missing text column {text_column!r} (columns: "
                                 f"{', '.join(map(str, frame.columns))})")])
    texts = frame[text_column]
    bad = ~texts.map(lambda t: isinstance(t, str) and bool(t.strip())).astype(bool)
    if bad.any():
        first = frame[bad].iloc[0].drop(text_column).to_dict()
        raise DataError([Problem(source, None, f"{int(bad.sum())} empty or missing texts in "
                                 f"column {text_column!r} (the first in the row {first})")])
    texts = texts.tolist()
    predictions = [p for start in range(0, len(texts), batch_size)
                   for p in model.predict(texts[start:start + batch_size])]
    renames, columns = output_columns(frame.columns, text_column)
    scored = frame.drop(columns=[text_column]).rename(columns=renames)
    added = pd.DataFrame({
        "text": [mask_text(t, keep_invoices=True) for t in texts],
        "intent": pd.array([p.intent for p in predictions], dtype="string"),
        "confidence": pd.array([p.confidence for p in predictions], dtype="float64"),
        "fallback": pd.array([p.fallback for p in predictions], dtype="string"),
        "route": pd.array([p.route for p in predictions], dtype="string"),
        "entities": [_entities_json(p.entities) for p in predictions],
    }, index=frame.index)
    added = added.astype({"text": "string", "entities": "string"})
    added["model_version"] = pd.array([version] * len(added), dtype="string")
    return pd.concat([scored, added], axis=1)[columns]


def _entities_json(entities):
    """``[{"type", "value"}]`` as JSON, personal values masked as in the text (a phone
    number becomes ``[PHONE]``); offsets are left out, the raw text being gone."""
    return json.dumps([{"type": e.type, "value": mask_text(e.value, keep_invoices=True)
                        if isinstance(e.value, str) else e.value} for e in entities],
                      ensure_ascii=False)


def output_types(input_types, text_column):
    """The output's ``{column: dtype}`` for an input with these ``{column: dtype}``."""
    renames, columns = output_columns(list(input_types), text_column)
    types = {renames.get(c, c): t for c, t in input_types.items() if c != text_column}
    types.update({"text": "string", "intent": "string", "confidence": "float64",
                  "fallback": "string", "route": "string", "entities": "string",
                  "model_version": "string"})
    return {c: types[c] for c in columns}
