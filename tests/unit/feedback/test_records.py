"""What is stored of a prediction, and the check of labels people give."""

import pytest

from nlu.errors import UnknownLabel
from nlu.feedback.records import check_label, new_message_id, prediction_record


def test_the_record_masks_personal_data_and_keeps_the_invoice(fast_model):
    [prediction] = fast_model.predict(["batalin INV/20261103/MPL/3456789012, wa 0812-3456-7890"])
    record = prediction_record(prediction, "m1", "v1", "parse", "s1")
    assert record["text"] == "batalin INV/20261103/MPL/3456789012, wa [PHONE]"
    assert (record["message_id"], record["model_version"], record["endpoint"],
            record["session_id"]) == ("m1", "v1", "parse", "s1")
    assert record["top_intent"] == prediction.ranking[0].intent
    assert record["margin"] == prediction.margin > 0
    assert "entities" not in record


def test_message_ids_are_unique_hex():
    ids = {new_message_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_labels_must_be_intents_of_the_model_or_none():
    check_label(None, {"greeting"})
    check_label("greeting", {"greeting"})
    with pytest.raises(UnknownLabel, match=r"correct_intent 'pizza' is not an intent of the "
                                           r"model \(known: a, greeting\)"):
        check_label("pizza", {"greeting", "a"}, "correct_intent")
