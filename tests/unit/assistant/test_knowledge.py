"""Knowledge-base search: batches through the vectorizer, the same as one question at a time."""

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from nlu.assistant.knowledge import BODY_WEIGHT, TITLE_WEIGHT, load_knowledge_base

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(DATA / "kb" / "articles.yaml")


def questions():
    texts = [json.loads(line)["text"] for line in (DATA / "test_id.jsonl").open()]
    return texts + ["", "?", "😀😀", "INV/20261103/MPL/3456789012", "zzzzqqqq", "a" * 2000]


def test_scores_are_the_weighted_cosines_of_title_and_body(kb):
    texts = questions()[:40]
    vectorizer, normalize = kb._vectorizer, kb._normalize
    query = vectorizer.transform([normalize(t) for t in texts])
    titles = vectorizer.transform([normalize(" ".join(a.title.values())) for a in kb.articles])
    bodies = vectorizer.transform([normalize(" ".join(a.body.values())) for a in kb.articles])
    expected = TITLE_WEIGHT * cosine_similarity(query, titles) \
        + BODY_WEIGHT * cosine_similarity(query, bodies)
    np.testing.assert_allclose(kb.scores(texts), expected, rtol=0, atol=1e-12)


def test_a_batch_ranks_each_question_as_it_would_alone(kb):
    texts = questions()
    batched = kb.search_many(texts, limit=len(kb))
    assert len(batched) == len(texts)
    assert batched == [kb.search(t, limit=len(kb)) for t in texts]
    assert kb.best_matches(texts) == [kb.best_match(t) for t in texts]
    assert kb.search_many([]) == [] and kb.best_matches([]) == []


def test_a_question_about_an_article_finds_it(kb):
    article = kb.for_intent("track_order")
    [(best, score)] = kb.search(article.title["id"], limit=1)
    assert best is article and score >= kb.min_score
    assert kb.best_match(article.title["id"]) == (article, score)


def test_a_question_without_known_ngrams_scores_zero_everywhere(kb):
    assert not kb.scores([""]).any()
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
