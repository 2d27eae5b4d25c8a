import json

import pytest

from nlu import Dataset, Example, IntentSpec, evaluate, train
from nlu.errors import NLUError
from nlu.vocabulary import OUT_OF_SCOPE

# Held-out messages the tiny model has not seen; the last one is deliberately mislabelled
# so that the report has a mistake to show.
TEST_SET = Dataset((
    Example("halo kak selamat siang", "greeting", "id"),
    Example("mau batalin order dong", "cancel_order", "mixed"),
    Example("where is my parcel", "track_order", "en"),
    Example("makasih kak", "thanks_goodbye", "id"),
    Example("resep rendang padang", None, "id"),
    Example("mau ngomong sama cs", "refund_return", "id"),
))


def strict_json(text):
    """json.loads that refuses NaN and Infinity, which are not JSON."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def report(fast_model):
    return evaluate(fast_model, TEST_SET)


def test_metrics(report, fast_model):
    m = report.metrics
    predictions = fast_model.predict(TEST_SET.texts)
    right = [p.intent == e.intent for p, e in zip(predictions, TEST_SET.examples)]
    assert right == [True, True, True, True, True, False]
    assert m["n_examples"] == 6
    assert m["n_in_scope"] == 5
    assert m["n_out_of_scope"] == 1
    assert m["accuracy"] == pytest.approx(5 / 6)
    assert m["in_scope_accuracy"] == pytest.approx(4 / 5)
    assert m["in_scope_top1_accuracy"] == pytest.approx(4 / 5)
    assert m["in_scope_false_reject"] == 0.0
    assert m["out_of_scope_recall"] == 1.0
    assert 0.0 < m["macro_f1"] < 1.0


def test_route_accuracy_when_routes_exist(report):
    # The mistake predicts contact_cs (live_chat) for refund_return (resolution_center).
    assert report.metrics["route_accuracy"] == pytest.approx(5 / 6)


def test_no_route_accuracy_without_routes():
    data = Dataset(tuple(Example(t, "greeting") for t in ("halo", "hai kak", "pagi", "hello"))
                   + tuple(Example(t, "thanks") for t in ("makasih", "thanks", "trims", "tq")))
    model = train(data, profile="fast")
    report = evaluate(model, data)
    assert "route_accuracy" not in report.metrics
    assert report.metrics["out_of_scope_recall"] is None  # nothing out of scope to recall


def test_routes_of_the_data_count_even_when_the_model_has_none():
    train_data = Dataset(tuple(Example(t, "greeting") for t in ("halo", "hai", "pagi"))
                         + tuple(Example(t, "thanks") for t in ("makasih", "trims", "tq")))
    test_data = Dataset(train_data.examples, {"greeting": IntentSpec("greeting", "answer")})
    report = evaluate(train(train_data, profile="fast"), test_data)
    assert "route_accuracy" in report.metrics


def test_to_frame(report):
    frame = report.to_frame()
    assert list(frame.columns) == ["precision", "recall", "f1", "support"]
    assert frame.index.name == "intent"
    assert OUT_OF_SCOPE in frame.index
    assert frame.loc["greeting", "recall"] == 1.0
    assert frame.loc["refund_return", "recall"] == 0.0
    assert int(frame.support.sum()) == 6
    frame.loc["greeting", "recall"] = -1  # a copy: the report is unchanged
    assert report.to_frame().loc["greeting", "recall"] == 1.0


def test_confusion_and_misclassified(report):
    assert report.confusion.loc["refund_return", "contact_cs"] == 1
    assert report.confusion.loc[OUT_OF_SCOPE, OUT_OF_SCOPE] == 1
    assert int(report.confusion.values.sum()) == 6
    assert report.misclassified[["text", "expected", "predicted"]].values.tolist() == [
        ["mau ngomong sama cs", "refund_return", "contact_cs"]]


def test_by_language(report):
    table = report.by_language
    assert sorted(table.index) == ["en", "id", "mixed"]
    assert table.loc["id", "n"] == 4
    assert table.loc["en", "accuracy"] == 1.0


def test_write_creates_the_report_files(report, tmp_path):
    out = report.write(tmp_path / "reports" / "fast")
    assert sorted(p.name for p in out.iterdir()) == ["confusion_matrix.png", "report.json",
                                                     "report.md"]
    data = strict_json((out / "report.json").read_text())
    assert data["metrics"] == report.metrics
    assert data["confusion_matrix"]["labels"] == list(report.confusion.columns)
    assert data["misclassified"][0]["fallback"] is None
    markdown = (out / "report.md").read_text()
    assert markdown.startswith("# Evaluation report")
    assert "| accuracy | 0.8333 |" in markdown
    assert "## Misclassified (1)" in markdown
    assert (out / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_into_an_unwritable_place(report, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NLUError, match="cannot write the report"):
        report.write(blocker / "report")


def test_evaluate_needs_examples(fast_model):
    with pytest.raises(NLUError, match="no examples to evaluate"):
        evaluate(fast_model, Dataset())


def test_thresholds_change_the_metrics_without_retraining(fast_model):
    strict = evaluate(fast_model.with_thresholds(threshold=1.0), TEST_SET)
    assert strict.metrics["in_scope_false_reject"] == 1.0
    assert strict.metrics["out_of_scope_recall"] == 1.0
    assert strict.metrics["in_scope_top1_accuracy"] == pytest.approx(4 / 5)


def test_a_label_the_model_does_not_know_is_a_data_error(fast_model):
    from nlu.errors import DataError

    data = Dataset((Example("halo kak", "greetingz", path="t.jsonl", line=3),))
    with pytest.raises(DataError) as error:
        evaluate(fast_model, data)
    assert [str(p) for p in error.value.problems] == [
        "t.jsonl:3: label 'greetingz' is not an intent of the model"]
    assert evaluate(fast_model, data, unknown_labels="wrong").metrics["accuracy"] == 0.0
