"""What is stored of a prediction, and the check of labels people give."""

import time
import uuid

import pytest

from nlu.errors import UnknownLabel
from nlu.feedback.records import (
    check_label,
    clean_text,
    new_message_id,
    prediction_record,
    stored_session_id,
    stored_text,
)


def test_the_record_masks_personal_data_and_keeps_the_invoice(fast_model):
    [prediction] = fast_model.predict(["batalin INV/20261103/MPL/3456789012, wa 0812-3456-7890"])
    record = prediction_record(prediction, "m1", "v1", "parse", "s1")
    assert record["text"] == "batalin INV/20261103/MPL/3456789012, wa [PHONE]"
    assert (record["message_id"], record["model_version"], record["endpoint"],
            record["session_id"]) == ("m1", "v1", "parse", "s1")
    assert record["top_intent"] == prediction.ranking[0].intent
    assert record["margin"] == prediction.margin > 0
    assert "entities" not in record


def test_message_ids_are_unique_version_7_uuids_in_creation_order():
    ids = [new_message_id() for _ in range(100)]
    assert len(set(ids)) == 100 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert all(uuid.UUID(hex=i).version == 7 and uuid.UUID(hex=i).variant == uuid.RFC_4122
               for i in ids)
    before = time.time_ns() // 1_000_000
    time.sleep(0.002)
    later = new_message_id()
    assert int(later[:12], 16) > before and later > ids[0]  # ordered by the millisecond


def test_labels_must_be_intents_of_the_model_or_none():
    check_label(None, {"greeting"})
    check_label("greeting", {"greeting"})
    with pytest.raises(UnknownLabel, match=r"correct_intent 'pizza' is not an intent of the "
                                           r"model \(known: a, greeting\)"):
        check_label("pizza", {"greeting", "a"}, "correct_intent")


@pytest.mark.parametrize("raw, clean", [
    ("paket\x00blm nyampe", "paket blm nyampe"),  # PostgreSQL refuses NUL in text
    ("\x1b[31mmerah\x1b[0m", " [31mmerah [0m"),  # no terminal escapes into logs
    ("a\x7fb\x85c", "a b c"),
    ("baris satu\nbaris dua\ttab\r", "baris satu\nbaris dua\ttab\r"),
    ("halo \ud800 kak \udfff", "halo \ufffd kak \ufffd"),  # lone surrogates
    ("emoji 😀 tetap", "emoji 😀 tetap"),
])
def test_clean_text_keeps_what_every_database_and_log_can_hold(raw, clean):
    assert clean_text(raw) == clean
    clean_text(raw).encode("utf-8")  # encodable
    assert "\x00" not in clean_text(raw)


def test_stored_text_is_cleaned_before_it_is_masked():
    # A NUL between the digits does not hide a phone number from the mask.
    assert stored_text("wa 0812\x003456\x007890") == "wa [PHONE]"
    assert stored_text("INV/20261103/MPL/3456789012") == "INV/20261103/MPL/3456789012"
    assert stored_text("INV/20261103/MPL/3456789012", keep_invoices=False) == "[INVOICE]"


def test_the_record_of_a_text_with_a_nul_byte_can_be_stored(fast_model):
    [prediction] = fast_model.predict(["paket\x00blm nyampe"])
    assert prediction_record(prediction, "m1", "v1", "parse")["text"] == "paket blm nyampe"


def test_a_session_id_carrying_personal_data_is_stored_as_a_keyed_hash():
    for session_id in ("081234567890", "wa-6281234567890", "budi.s@mail.com"):
        stored = stored_session_id(session_id, "key-1")
        assert stored.startswith("anon-") and len(stored) == 37
        assert stored == stored_session_id(session_id, "key-1")  # one conversation
        assert stored != stored_session_id(session_id, "key-2")  # no key, no lookup table
    assert stored_session_id("081234567890", "k") != stored_session_id("081234567891", "k")


def test_an_ordinary_session_id_is_kept():
    assert stored_session_id("c0ffee-42", "key") == "c0ffee-42"
    assert stored_session_id("INV/20261103/MPL/3456789012", "key").startswith("INV/")
    assert stored_session_id(None, "key") is None
