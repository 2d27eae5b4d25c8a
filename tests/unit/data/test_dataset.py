"""The Dataset object and the checks across examples (``validate``)."""

import pytest

from nlu.data.dataset import Dataset, Example, IntentSpec, validate


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
