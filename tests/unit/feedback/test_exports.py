"""Review exports: training formats marked as a review's, annotation tools' JSON."""

import json
import uuid

import pytest

from nlu import load_dataset
from nlu.feedback.exports import REVIEW_EXPORT_FORMATS, export_reviewed

from .samples import row


@pytest.fixture
def queue(store, make_queue):
    store.add_predictions([
        row("a", intent="track_order", margin=0.1, text="=HYPERLINK(\"x\") paket dmn"),
        row("b", intent=None, fallback="low_confidence", text="asdfghjkl"),
        row("c", intent="greeting", margin=0.1, text="mau retur"),
    ])
    queue = make_queue(store)
    queue.decide("a", "track_order", "Sari")
    queue.decide("b", None, "Sari")
    queue.decide("c", "refund_return", "Sari")
    queue.decide("c", "contact_cs", "Budi")  # a disagreement
    return queue


@pytest.mark.parametrize("format", ["yaml", "rasa", "csv", "jsonl"])
def test_training_formats_read_back_as_review_examples(queue, format, tmp_path):
    rendered = export_reviewed(queue, format)
    path = tmp_path / rendered.filename
    path.write_text(rendered.text, encoding="utf-8")
    dataset = load_dataset(path, require_examples=False)
    assert {(e.text, e.intent) for e in dataset.examples} == {
        ('=HYPERLINK("x") paket dmn', "track_order"), ("asdfghjkl", None)}
    assert {e.origin for e in dataset.examples} == {"review"}
    assert rendered.count == 2 and len(rendered.warnings) == 1  # c is held back
    if format == "csv":
        assert "'=HYPERLINK" in rendered.text  # a spreadsheet shows it, never runs it


def test_argilla_records(queue):
    records = json.loads(export_reviewed(queue, "argilla").text)
    assert [r["id"] for r in records] == ["a", "b", "c"]
    b, c = records[1], records[2]
    assert b["fields"] == {"text": "asdfghjkl"}
    assert b["suggestions"] == {"intent": {"value": "out_of_scope", "score": b["suggestions"][
        "intent"]["score"], "agent": "v1"}}
    assert b["responses"]["intent"] == [{"value": "out_of_scope", "user_id": str(
        uuid.uuid5(uuid.UUID("6f1c2b1e-6e51-4c0e-9a4f-2d7c0b1f5e11"), "Sari"))}]
    assert [r["value"] for r in c["responses"]["intent"]] == ["refund_return", "contact_cs"]
    assert c["metadata"]["disagreement"] is True and c["metadata"]["reviewers"] == [
        "Sari", "Budi"]
    assert b["metadata"]["fallback"] == "low_confidence" and b["metadata"]["route"] == "none"


def test_label_studio_tasks(queue):
    tasks = json.loads(export_reviewed(queue, "label-studio").text)
    task = tasks[2]
    assert task["data"]["text"] == "mau retur" and task["data"]["reviewers"] == ["Sari", "Budi"]
    choice = lambda label: [{"from_name": "intent", "to_name": "text", "type": "choices",  # noqa: E731
                             "value": {"choices": [label]}}]
    assert task["predictions"] == [{"model_version": "v1", "score": task["predictions"][0][
        "score"], "result": choice("greeting")}]
    assert task["annotations"] == [{"result": choice("refund_return")},
                                   {"result": choice("contact_cs")}]
    assert tasks[1]["predictions"][0]["result"] == choice("out_of_scope")


def test_every_format_has_a_media_type_and_a_name(queue):
    for format in REVIEW_EXPORT_FORMATS:
        rendered = export_reviewed(queue, format)
        assert rendered.filename.startswith("reviewed.") and "/" in rendered.media_type
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export_reviewed(queue, "xml")
