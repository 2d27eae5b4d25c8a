"""Knowledge-base search: the hand-computed scores are the vectorizer's, to the last bits."""

import json
from pathlib import Path

import numpy as np
import pytest

from nlu.assistant.knowledge import BODY_WEIGHT, TITLE_WEIGHT, load_knowledge_base

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(DATA / "kb" / "articles.yaml")


def questions():
    texts = [json.loads(line)["text"] for line in (DATA / "test_id.jsonl").open()]
    return texts + ["", "?", "😀😀", "INV/20261103/MPL/3456789012", "zzzzqqqq", "a" * 2000]


def vectorizer_scores(kb, question):
    """The scores as the vectorizer's transform() gives them."""
    query = kb._vectorizer.transform([kb._normalize(question)])
    return TITLE_WEIGHT * (kb._titles @ query.T).toarray().ravel() \
        + BODY_WEIGHT * (kb._bodies @ query.T).toarray().ravel()


def test_scores_equal_the_vectorizers(kb):
    for question in questions():
        expected = vectorizer_scores(kb, question)
        got = kb._scores(kb._normalize(question))
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=question)
        assert list(np.argsort(-got)) == list(np.argsort(-expected)), question


def test_a_large_knowledge_base_takes_the_vectorizers_path(kb, monkeypatch):
    ranked = [kb.search(q, limit=len(kb)) for q in questions()[:50]]
    monkeypatch.setattr(kb, "_weights", None)
    assert [kb.search(q, limit=len(kb)) for q in questions()[:50]] == ranked


def test_a_question_without_known_ngrams_scores_zero_everywhere(kb):
    assert not kb._scores("").any()
    assert kb.best_match("") is None


def test_a_knowledge_base_of_one_article_answers_and_misses(tmp_path):
    path = tmp_path / "articles.yaml"
    path.write_text(
        "articles:\n"
        "  - id: hapus\n"
        "    intent: delete_transaction_history\n"
        "    title: {id: Cara hapus riwayat transaksi, en: How to delete transaction history}\n"
        "    body: {id: Riwayat transaksi tidak bisa dihapus., en: History cannot be deleted.}\n",
        encoding="utf-8")
    one = load_knowledge_base(path)
    article, score = one.best_match("gimana cara hapus riwayat transaksi")
    assert article.id == "hapus" and score >= one.min_score
    assert one.best_match("resep nasi goreng") is None
    assert [a.id for a, _ in one.search("apa saja", limit=3)] == ["hapus"]
