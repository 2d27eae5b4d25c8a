"""Scoring one partition: the input's columns carried, the text masked, the model's answer."""

import json

import pandas as pd
import pytest

from nlu.errors import DataError
from nlu.scoring.partition import OUTPUT_COLUMNS, output_types, score_frame

PHONE = "0812-3456-7890"
INVOICE = "INV/20261103/MPL/3456789012"


def logs():
    return pd.DataFrame({
        "message_id": ["a1", "a2", "a3"],
        "sent_at": pd.to_datetime(["2026-11-01 10:00", "2026-11-01 10:01", "2026-11-02 08:00"]),
        "text": [f"batalin pesanan {INVOICE} dong, telp {PHONE}", "halo kak",
                 "resep nasi goreng yang enak"],
        "intent": ["old_cancel", "old_greeting", None],  # an older model's answer
    }, index=[10, 11, 12])


def values(series):
    """A column's values with every kind of missing value as None."""
    return [None if pd.isna(v) else v for v in series]


def test_a_partition_keeps_its_columns_and_gets_the_models_answer(fast_model):
    frame = logs()

    scored = score_frame(frame, fast_model, "v7", batch_size=2)

    assert list(scored.columns) == ["message_id", "sent_at", "intent_input", *OUTPUT_COLUMNS]
    assert list(scored.index) == [10, 11, 12]
    assert scored["message_id"].tolist() == ["a1", "a2", "a3"]
    assert scored["sent_at"].equals(frame["sent_at"])
    assert values(scored["intent_input"]) == ["old_cancel", "old_greeting", None]
    predictions = fast_model.predict(frame["text"].tolist())
    assert values(scored["intent"]) == [p.intent for p in predictions]
    assert values(scored["fallback"]) == [p.fallback for p in predictions]
    assert scored["confidence"].tolist() == [p.confidence for p in predictions]
    assert scored["route"].tolist()[:2] == ["invoice_chat", "answer"]
    assert scored["model_version"].tolist() == ["v7"] * 3
    assert {c: str(t) for c, t in scored.dtypes.items()} == {
        c: str(t) for c, t in output_types(dict(frame.dtypes), "text").items()}


def test_no_raw_personal_value_reaches_the_output(fast_model):
    scored = score_frame(logs(), fast_model, "v7")

    first = scored.iloc[0]
    assert PHONE not in first["text"] and "[PHONE]" in first["text"]
    assert INVOICE in first["text"]  # kept for CS leads, as the store keeps it
    entities = json.loads(first["entities"])
    assert {"type": "invoice", "value": INVOICE} in entities
    assert {"type": "phone", "value": "[PHONE]"} in entities
    assert "81234567890" not in scored.to_json(date_format="iso")


@pytest.mark.parametrize("texts, message", [
    (["halo", "  "], "1 empty or missing texts in column 'text' (the first in the row "
                     "{'message_id': 'b'})"),
    (["halo", None], "1 empty or missing texts in column 'text'"),
])
def test_an_empty_text_is_an_error_naming_its_row(fast_model, texts, message):
    frame = pd.DataFrame({"message_id": ["a", "b"], "text": texts})
    with pytest.raises(DataError, match="logs.csv: " + message.replace("(", r"\(")
                       .replace(")", r"\)").replace("{", r"\{").replace("}", r"\}")):
        score_frame(frame, fast_model, "v7", source="logs.csv")


def test_a_missing_text_column_is_an_error(fast_model):
    with pytest.raises(DataError, match=r"logs.csv: missing text column 'body' \(columns: "
                                        "message_id, text\\)"):
        score_frame(logs()[["message_id", "text"]], fast_model, "v7", "body", "logs.csv")


def test_an_empty_partition_has_the_output_columns(fast_model):
    scored = score_frame(logs().iloc[:0], fast_model, "v7")
    assert len(scored) == 0
    assert list(scored.columns) == ["message_id", "sent_at", "intent_input", *OUTPUT_COLUMNS]
