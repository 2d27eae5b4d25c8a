"""The knowledge base: bilingual articles, looked up by intent or by similarity search."""

__all__ = ["Article", "KnowledgeBase", "load_knowledge_base"]

from dataclasses import dataclass

import numpy as np

from ..data.yamlfile import line_of, read_yaml
from ..errors import DataError, Problem
from ..model.features import NgramTfidf
from ..text.normalize import Normalizer
from .replies import bilingual

_COMMON_WORDS = frozenset({"tokopedia", "care", "admin", "kakak", "agan", "halo", "tolong"})


@dataclass(frozen=True)
class Article:
    """A knowledge-base article; ``title`` and ``body`` map ``id``/``en`` to text."""

    id: str
    title: dict
    body: dict
    intent: str | None = None


TITLE_WEIGHT, BODY_WEIGHT = 0.6, 0.4


class KnowledgeBase:
    """Articles with a TF-IDF similarity search over their titles and bodies.

    Questions are searched in batches (:meth:`search_many`, :meth:`best_matches`): one
    ``transform`` of the fitted vectorizer and one sparse product for the whole batch.

    Parameters
    ----------
    articles : list of Article
    min_score : float
        The similarity a question needs to be answered from an article.
    min_lead : float
        How far the closest article must be ahead of the next one: a question that is
        about one article, not vaguely about several.
    """

    def __init__(self, articles, min_score=0.3, min_lead=0.08):
        self.articles = list(articles)
        self.min_score = min_score
        self.min_lead = min_lead
        self._by_id = {a.id: a for a in self.articles}
        self._by_intent = {a.intent: a for a in self.articles if a.intent}
        normalizer = Normalizer()
        # Words every article shares (the brand, forms of address) say nothing about topic.
        self._normalize = lambda text: " ".join(
            w for w in normalizer(text).split() if w not in _COMMON_WORDS)
        self._vectorizer = NgramTfidf(analyzer="char_wb", ngram_range=(3, 5),
                                      sublinear_tf=True)
        titles = [self._normalize(" ".join(a.title.values())) for a in self.articles]
        bodies = [self._normalize(" ".join(a.body.values())) for a in self.articles]
        self._vectorizer.fit(titles + bodies)
        # Both parts' weights in one (vocabulary, articles) matrix: a question's scores are
        # its l2-normalized TF-IDF row times this, the weighted sum of two cosines.
        self._weights = (TITLE_WEIGHT * self._vectorizer.transform(titles)
                         + BODY_WEIGHT * self._vectorizer.transform(bodies)).T.tocsr()

    def __len__(self):
        return len(self.articles)

    def get(self, article_id):
        return self._by_id.get(article_id)

    def for_intent(self, intent):
        """The article that answers ``intent``, or None."""
        return self._by_intent.get(intent)

    def scores(self, questions):
        """Title-and-body similarity of every article to each question: an array of shape
        ``(len(questions), len(self))``."""
        if not questions:
            return np.zeros((0, len(self.articles)))
        query = self._vectorizer.transform([self._normalize(q) for q in questions])
        return (query @ self._weights).toarray()

    def search_many(self, questions, limit=3):
        """For each question, the articles most similar to it: a list of
        ``(article, score)``, best first. The score weighs the title (what the article is
        about) over the body.

        >>> kb = KnowledgeBase([Article("a", {"id": "hapus riwayat"}, {"id": "tidak bisa"}),
        ...                     Article("b", {"id": "ganti nomor"}, {"id": "lewat akun"})])
        >>> [[a.id for a, _ in ranked] for ranked in kb.search_many(["ganti nomor hp"], 2)]
        [['b', 'a']]
        """
        return [self._ranked(row, limit) for row in self.scores(questions)]

    def search(self, question, limit=3):
        """:meth:`search_many` for one question."""
        return self.search_many([question], limit)[0]

    def best_matches(self, questions):
        """For each question, the closest article and its score when it is close enough
        and clearly ahead of the next one (``min_score``, ``min_lead``), else None."""
        return [self.best_of(ranked) for ranked in self.search_many(questions, limit=2)]

    def best_match(self, question):
        """:meth:`best_matches` for one question."""
        return self.best_matches([question])[0]

    def best_of(self, ranked):
        """The first of a ranking (from :meth:`search_many`) if it answers the question
        (see :meth:`best_matches`), else None."""
        article, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= self.min_score and score - runner_up >= self.min_lead:
            return article, score
        return None

    def _ranked(self, row, limit):
        order = np.argsort(-row, kind="stable")[:limit]
        return [(self.articles[i], round(score, 4))
                for i, score in zip(order.tolist(), row[order].tolist())]


def load_knowledge_base(path, min_score=0.3):
    """Read articles from a YAML file (``articles: [{id, intent?, title, body}]``).

    Raises
    ------
    DataError
        Listing every problem (missing language, duplicate id...) as ``path:line: message``.
    """
    doc, problems = read_yaml(path)
    articles = []
    items = doc.get("articles") if isinstance(doc, dict) else None
    if doc is not None and not isinstance(items, list):
        problems.append(Problem(str(path), 1, "expected 'articles:' with a list of articles"))
    seen = {}
    for index, item in enumerate(items or []):
        line = line_of(items, index=index)
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(Problem(str(path), line, "an article needs an 'id'"))
            continue
        what = f"article {item['id']!r}"
        if item["id"] in seen:
            problems.append(Problem(str(path), line, f"{what}: duplicate id (first at line "
                                    f"{seen[item['id']]})"))
            continue
        seen[item["id"]] = line
        unknown = [k for k in item if k not in ("id", "intent", "title", "body")]
        problems += [Problem(str(path), line_of(item, key=k), f"{what}: unknown key {k!r}")
                     for k in unknown]
        title, bad_title = bilingual(item, "title", path, f"{what} title")
        body, bad_body = bilingual(item, "body", path, f"{what} body")
        problems += bad_title + bad_body
        if title and body:
            articles.append(Article(item["id"], title, body, item.get("intent")))
    if not articles and not problems:
        problems.append(Problem(str(path), None, "no articles"))
    if problems:
        raise DataError(problems)
    return KnowledgeBase(articles, min_score)
