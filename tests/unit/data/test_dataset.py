"""The Dataset object and the checks across examples (``validate``)."""

import pytest

from nlu.data.dataset import Dataset, Example, IntentSpec, prefer_labels, validate


def example(text, intent, line, path="data.yaml", fmt="yaml", **kwargs):
    return Example(text, intent, path=path, line=line, source_format=fmt, **kwargs)


def messages(problems):
    return [str(p) for p in problems]


def test_a_clean_dataset_has_no_problems():
    data = Dataset(
        (example("halo kak", "greeting", 3), example("batalin pesanan", "cancel_order", 4),
         example("cuaca hari ini", None, 5)),
        {"greeting": IntentSpec("greeting", "answer"),
         "cancel_order": IntentSpec("cancel_order", "invoice_chat")},
    )
    assert validate(data) == []


def test_duplicate_after_normalization_names_the_first_occurrence():
    data = Dataset((example("batalin pesanan", "cancel_order", 17),
                    example("Batalin   pesanan!!", "cancel_order", 42)))
    (problem,) = validate(data)
    assert str(problem) == ("data.yaml:42: intent 'cancel_order': duplicate example "
                            "'Batalin   pesanan!!' (first at data.yaml:17)")
    assert problem.severity == "error"


def test_slang_spellings_of_the_same_message_are_duplicates():
    data = Dataset((example("paket blm nyampe", "item_not_received", 1),
                    example("paket belum sampai", "item_not_received", 2)))
    assert messages(validate(data)) == [
        "data.yaml:2: intent 'item_not_received': duplicate example 'paket belum sampai' "
        "(first at data.yaml:1)"
    ]


def test_same_text_in_two_intents():
    data = Dataset((example("mau refund", "refund_return", 3),
                    example("mau refund", "cancel_order", 9)))
    assert messages(validate(data)) == [
        "data.yaml:9: intent 'cancel_order': example 'mau refund' is also labelled "
        "intent 'refund_return' at data.yaml:3"
    ]


def test_same_text_in_an_intent_and_out_of_scope():
    data = Dataset((example("halo", "greeting", 3), example("halo", None, 30)))
    assert messages(validate(data)) == [
        "data.yaml:30: out-of-scope: example 'halo' is also labelled intent 'greeting' at "
        "data.yaml:3"
    ]


def test_duplicates_outside_the_project_yaml_are_warnings():
    data = Dataset((example("halo", "greeting", 2, path="a.csv", fmt="csv"),
                    example("HALO", "greeting", 3, path="a.csv", fmt="csv")))
    (problem,) = validate(data)
    assert problem.severity == "warning"
    assert str(problem) == "a.csv:3: intent 'greeting': duplicate example 'HALO' (first at a.csv:2)"


def test_empty_text():
    assert messages(validate(Dataset((example("   ", "greeting", 7),)))) == [
        "data.yaml:7: empty text"
    ]


def test_unknown_language():
    data = Dataset((example("halo", "greeting", 2, lang="jv"),))
    assert messages(validate(data)) == [
        "data.yaml:2: unknown language 'jv' (expected one of id, en, mixed)"
    ]


def test_unknown_route_on_an_example():
    data = Dataset((example("halo", "greeting", 2, path="a.csv", fmt="csv", route="email"),))
    assert messages(validate(data)) == ["a.csv:2: unknown route 'email'"]


def test_label_not_in_the_declared_taxonomy():
    data = Dataset((example("halo", "greeting", 4), example("cek ongkir", "shipping_cost", 2,
                                                             path="extra.csv", fmt="csv")),
                   {"greeting": IntentSpec("greeting", "answer")})
    assert messages(validate(data)) == [
        "extra.csv:2: label 'shipping_cost' is not an intent of the taxonomy declared by the data"
    ]


def test_any_label_is_accepted_when_no_taxonomy_is_declared():
    data = Dataset((example("cek ongkir", "shipping_cost", 2, path="a.csv", fmt="csv"),))
    assert validate(data) == []


def test_intent_without_examples():
    data = Dataset((example("halo", "greeting", 4),),
                   {"greeting": IntentSpec("greeting", path="data.yaml", line=3),
                    "thanks_goodbye": IntentSpec("thanks_goodbye", path="data.yaml", line=9)})
    assert messages(validate(data)) == ["data.yaml:9: intent 'thanks_goodbye' has no examples"]
    assert validate(data, require_examples=False) == []


def test_problems_without_a_line_name_the_file_only():
    data = Dataset((example("halo", "greeting", None, path="x.parquet", fmt="parquet",
                            lang="xx"),))
    assert messages(validate(data)) == [
        "x.parquet: unknown language 'xx' (expected one of id, en, mixed)"
    ]


def test_properties_and_merge():
    first = Dataset((example("halo", "greeting", 3), example("cuaca", None, 4)),
                    {"greeting": IntentSpec("greeting", "answer")})
    second = Dataset((example("batalin", "cancel_order", 1, path="b.csv", fmt="csv"),),
                     {"cancel_order": IntentSpec("cancel_order")})
    merged = first.merge(second)
    assert len(merged) == 3
    assert merged.texts == ["halo", "cuaca", "batalin"]
    assert merged.labels == ["greeting", None, "cancel_order"]
    assert set(merged.intents) == {"greeting", "cancel_order"}
    # Only intents with a route appear in routes.
    assert merged.intent_routes == {"greeting": "answer"}
    assert len(first) == 2  # merge does not modify its operands


def test_to_frame():
    data = Dataset((example("halo", "greeting", 3, lang="id"),
                    example("cuaca", None, 4, lang="id", route="live_chat")),
                   {"greeting": IntentSpec("greeting", "answer")})
    frame = data.to_frame()
    assert list(frame.columns) == ["text", "intent", "lang", "route", "source"]
    assert frame.text.tolist() == ["halo", "cuaca"]
    assert frame.intent.tolist()[0] == "greeting"
    assert frame.intent.isna().tolist() == [False, True]  # out of scope
    # The declared intent's route fills in when the example has none.
    assert frame.route.tolist() == ["answer", "live_chat"]
    assert frame.source.tolist() == ["data.yaml:3", "data.yaml:4"]


def test_example_location():
    assert Example("x", "a", path="f.csv", line=3).location == "f.csv:3"
    assert Example("x", "a", path="f.parquet").location == "f.parquet"


@pytest.mark.parametrize("cls", [Example, IntentSpec, Dataset])
def test_dataset_objects_are_frozen(cls):
    obj = {Example: Example("x", "a"), IntentSpec: IntentSpec("a"), Dataset: Dataset()}[cls]
    with pytest.raises(AttributeError):
        obj.text = "y"


# -- review labels against training data --------------------------------------------------

def review(text, intent, line, path="reviewed.yaml"):
    return Example(text, intent, path=path, line=line, source_format="yaml", origin="review")


def test_a_review_label_contradicting_the_training_data_is_an_error_at_the_review():
    data = Dataset((example("paket blm nyampe", "item_not_received", 2089,
                            path="data/intents_id.yaml"),
                    review("Paket belum sampai", "track_order", 12)))
    (problem,) = validate(data)
    assert str(problem) == (
        "reviewed.yaml:12: intent 'track_order': reviewed example 'Paket belum sampai' is "
        "also labelled intent 'item_not_received' at data/intents_id.yaml:2089 (fix one, or "
        "say which wins: prefer reviewed or training)")
    assert problem.severity == "error"
    # Whichever file comes first, the problem is at the review's line.
    (again,) = validate(Dataset(tuple(reversed(data.examples))))
    assert str(again) == str(problem)


def test_a_review_repeating_a_training_example_is_a_warning():
    data = Dataset((example("halo kak", "greeting", 3, path="data/intents_id.yaml"),
                    review("halo kak", "greeting", 5)))
    (problem,) = validate(data)
    assert problem.severity == "warning" and "duplicate example" in str(problem)


def test_prefer_settles_review_contradictions_either_way():
    training = example("asdfghjkl", "greeting", 7, path="data/intents_id.yaml")
    reviewed = review("asdfghjkl", None, 3)
    other = example("halo", "greeting", 8, path="data/intents_id.yaml")
    data = Dataset((training, other, reviewed))
    kept, warnings = prefer_labels(data, "reviewed")
    assert kept.examples == (other, reviewed) and validate(kept) == []
    assert messages(warnings) == [
        "data/intents_id.yaml:7: intent 'greeting': example 'asdfghjkl' dropped: "
        "reviewed.yaml:3 labels it out-of-scope (prefer reviewed)"]
    kept, warnings = prefer_labels(data, "training")
    assert kept.examples == (training, other)
    assert messages(warnings) == [
        "reviewed.yaml:3: out-of-scope: example 'asdfghjkl' dropped: data/intents_id.yaml:7 "
        "labels it intent 'greeting' (prefer training)"]
    with pytest.raises(ValueError, match="prefer must be one of reviewed, training"):
        prefer_labels(data, "latest")


def test_prefer_leaves_contradictions_between_training_files_alone():
    first = example("halo", "greeting", 1, path="a.csv", fmt="csv")
    second = example("halo", "thanks_goodbye", 1, path="b.csv", fmt="csv")
    kept, warnings = prefer_labels(Dataset((first, second)), "reviewed")
    assert kept.examples == (first, second) and warnings == []
    assert [p.severity for p in validate(kept)] == ["warning"]
