"""The domain files: the taxonomy contract, and every customer-facing text in both languages."""

from pathlib import Path

import pytest

from nlu.assistant.knowledge import load_knowledge_base
from nlu.assistant.replies import load_replies
from nlu.assistant.responder import load_responder
from nlu.assistant.router import load_router
from nlu.assistant.slots import load_answer_reader
from nlu.data.readers import load_dataset
from nlu.errors import DataError
from nlu.text.entities import extract_entities

DATA = Path(__file__).resolve().parents[2] / "data"
# ../shared/spec/taxonomy.md
TAXONOMY = {
    "item_not_received": "invoice_chat", "order_not_shipped": "invoice_chat",
    "cancel_order": "invoice_chat", "change_shipping_address": "invoice_chat",
    "track_order": "answer", "damaged_or_wrong_item": "resolution_center",
    "refund_return": "resolution_center", "seller_unresponsive": "resolution_center",
    "change_phone_number": "answer", "delete_transaction_history": "answer",
    "contact_cs": "live_chat", "payment_issue": "live_chat", "account_security": "live_chat",
    "voucher_promo": "live_chat", "greeting": "answer", "thanks_goodbye": "answer",
}


@pytest.fixture(scope="module")
def training():
    return load_dataset(DATA / "intents_id.yaml")


def test_training_data_declares_exactly_the_taxonomy(training):
    assert training.intent_routes == TAXONOMY


def test_training_data_has_enough_examples_in_each_language(training):
    frame = training.to_frame()
    for intent in TAXONOMY:
        rows = frame[frame.intent == intent]
        assert len(rows) >= (30 if intent in ("greeting", "thanks_goodbye") else 60), intent
    in_scope = frame[frame.intent.notna()]
    shares = in_scope.lang.value_counts(normalize=True)
    assert shares["id"] >= 0.5 and shares["en"] >= 0.15 and shares["mixed"] >= 0.1
    # Most of what real customers post is not a kendala: the out-of-scope set is the
    # largest "class" and covers many kinds of post.
    assert frame.intent.isna().sum() >= 2000


def test_test_set_covers_every_intent_with_routes_and_languages():
    test = load_dataset(DATA / "test_id.jsonl", require_examples=False).to_frame()
    counts = test.intent.fillna("(none)").value_counts()
    assert all(counts[intent] >= 15 for intent in TAXONOMY) and counts["(none)"] >= 60
    in_scope = test[test.intent.notna()]
    assert (in_scope.route == in_scope.intent.map(TAXONOMY)).all()
    assert test[test.intent.isna()].route.isna().all()
    assert set(test.lang) == {"id", "en", "mixed"}


def test_every_article_exists_in_both_languages():
    kb = load_knowledge_base(DATA / "kb" / "articles.yaml")
    for article in kb.articles:
        assert set(article.title) == set(article.body) == {"id", "en"}, article.id
        assert all(text.strip() for text in (*article.title.values(), *article.body.values()))
    assert {"contact_cs", "invoice_chat", "live_chat", "resolution_center", "track_order",
            "change_phone_number", "delete_transaction_history"} <= {a.id for a in kb.articles}
    assert {a.intent for a in kb.articles if a.intent} == set(TAXONOMY)


def test_every_route_has_steps_in_both_languages():
    router = load_router(DATA / "routes.yaml", TAXONOMY)
    for route, spec in router.routes.items():
        assert set(spec["name"]) == set(spec["steps"]) == {"id", "en"}
        assert len(spec["steps"]["id"]) == len(spec["steps"]["en"]), route
        if route != "answer":
            assert spec["steps"]["id"] and spec["steps"]["en"], route
    assert len(router.minta_bantuan_steps["id"]) == len(router.minta_bantuan_steps["en"]) > 0


def test_every_reply_and_intent_name_exists_in_both_languages():
    replies = load_replies(DATA / "replies.yaml")
    for key, texts in replies.texts.items():
        assert set(texts) == {"id", "en"} and all(t.strip() for t in texts.values()), key
    assert set(replies.intent_names) == set(TAXONOMY)
    for names in replies.intent_names.values():
        assert set(names) == {"id", "en"}


def test_the_responder_loads_for_the_taxonomy():
    responder = load_responder(DATA, TAXONOMY)
    assert responder.knowledge.for_intent("track_order").id == "track_order"


def test_a_reply_missing_its_english_text_is_refused_with_its_line(tmp_path):
    text = (DATA / "replies.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("en:")
                 and "Sorry, I didn't quite get that" in line)
    del lines[index]
    (tmp_path / "replies.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_replies(tmp_path / "replies.yaml")
    # Reported at the reply's key, two lines above the deleted one.
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path / 'replies.yaml'}:{index - 1}: reply 'rephrase': missing or empty 'en' text"]


def test_an_answer_intent_without_an_article_is_refused(tmp_path):
    routes = {**TAXONOMY, "store_hours": "answer"}
    with pytest.raises(DataError) as error:
        load_responder(DATA, routes)
    messages = [p.message for p in error.value.problems]
    assert "no article for intent 'store_hours', which is routed to 'answer'" in messages
    assert "intent_names: no name for 'store_hours'" in messages


def test_every_quick_reply_button_is_understood_as_the_answer_it_gives():
    replies, reader = load_replies(DATA / "replies.yaml"), load_answer_reader()
    for lang in ("id", "en"):
        for label in replies.quick_replies["order"][lang]:
            assert reader.read(label, (), ("order",)).skipped, label
        days = [reader.read(label, extract_entities(label), ("days",))
                for label in replies.quick_replies["days"][lang]]
        assert days[0].filed is False and [a.days for a in days[1:]] == [1, 2, 3], lang
