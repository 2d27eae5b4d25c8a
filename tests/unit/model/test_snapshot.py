"""The same data gives the same predictions.

The fast profile trained on the tiny dataset of ``tests/conftest.py`` answers the messages
of ``data/test_id.jsonl`` exactly as recorded in ``snapshots/tiny_fast.jsonl``: a change that
is meant to keep behaviour (a refactoring) must keep every answer. A change meant to alter
the model (features, normalization, thresholds) records the new answers on purpose:

    NLU_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest tests/unit/model/test_snapshot.py

and the diff of the snapshot shows what changed.
"""

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOT = Path(__file__).parent / "snapshots" / "tiny_fast.jsonl"


def _answers(model):
    texts = [json.loads(line)["text"] for line in
             (ROOT / "data" / "test_id.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    return [json.loads(json.dumps(p.to_dict(), ensure_ascii=False))
            for p in model.predict(texts)]


def test_predictions_match_the_snapshot(fast_model):
    answers = _answers(fast_model)
    if os.environ.get("NLU_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers),
                            encoding="utf-8")
    recorded = [json.loads(line) for line in SNAPSHOT.read_text(encoding="utf-8").splitlines()]
    assert len(answers) == len(recorded)
    for answer, expected in zip(answers, recorded):
        assert answer["text"] == expected["text"]
        exact = ("intent", "fallback", "lang", "entities", "route")
        assert {k: answer[k] for k in exact} == {k: expected[k] for k in exact}, answer["text"]
        assert [r["intent"] for r in answer["ranking"]] == \
            [r["intent"] for r in expected["ranking"]], answer["text"]
        assert answer["confidence"] == pytest.approx(expected["confidence"], abs=1e-3)
        assert answer["margin"] == pytest.approx(expected["margin"], abs=1e-3)
