"""The engine: an artifact with the domain around it, from end to end."""

from pathlib import Path

import pytest

from nlu.assistant.conversation import ConversationState
from nlu.assistant.engine import Engine
from nlu.errors import ArtifactError, DataError

DATA = Path(__file__).resolve().parents[3] / "data"


def test_an_engine_predicts_and_replies(saved_model_dir):
    engine = Engine.load(saved_model_dir, DATA)
    assert engine.version == saved_model_dir.name
    assert engine.manifest["profile"] == "fast"
    [prediction] = engine.predict(["batalin pesanan dong"])
    assert prediction.intent == "cancel_order"
    reply, state = engine.respond(prediction)  # a message alone: its steps at once
    assert reply.route == "invoice_chat" and reply.steps and state is None
    reply, state = engine.respond(prediction, ConversationState())  # a conversation's first
    assert reply.awaiting == ("order",) and state.asked == ("order",)


def test_unusable_paths_and_domain_folders_are_library_errors(saved_model_dir, tmp_path):
    with pytest.raises(ArtifactError, match="not a usable path"):
        Engine.load("bad\0path", DATA)
    with pytest.raises(ArtifactError, match="no model artifact here"):
        Engine.load(tmp_path / "missing", DATA)
    with pytest.raises(DataError, match="no such file"):
        Engine.load(saved_model_dir, tmp_path)


def test_parse_answers_a_batch_as_one_message_at_a_time(saved_model_dir):
    engine = Engine.load(saved_model_dir, DATA)
    texts = ["batalin pesanan dong", "halo kak", "resep nasi goreng yang enak",
             "cara lacak paket gimana", "zzzz qqqq"]
    states = [ConversationState(), None, ConversationState(misses=1), None,
              ConversationState()]

    answers = engine.parse(texts, states)

    assert [a.prediction for a in answers] == engine.predict(texts)
    alone = [engine.respond(p, s) for p, s in zip(engine.predict(texts), states)]
    assert [(a.reply, a.state) for a in answers] == alone
    assert answers[0].reply.route == "invoice_chat" and answers[1].reply.route == "answer"
    # The out-of-scope message is the conversation's second miss: a hand-over.
    assert answers[2].reply.handoff and answers[2].state.misses == 0
    # A message outside a conversation has no state to store.
    assert answers[1].state is None
    assert [(a.reply, a.state) for a in engine.parse(texts)] == [
        engine.respond(p) for p in engine.predict(texts)]
