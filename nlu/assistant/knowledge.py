"""The knowledge base: bilingual articles, looked up by intent or by similarity search."""

__all__ = ["Article", "KnowledgeBase", "load_knowledge_base"]

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ..data.yamlfile import line_of, read_yaml
from ..errors import DataError, Problem
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
#: Up to this many vocabulary x article cells (8 bytes each), the search keeps a dense copy.
DENSE_LIMIT = 4_000_000


class KnowledgeBase:
    """Articles with a TF-IDF similarity search over their titles and bodies.

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
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                           sublinear_tf=True)
        titles = [self._normalize(" ".join(a.title.values())) for a in self.articles]
        bodies = [self._normalize(" ".join(a.body.values())) for a in self.articles]
        self._vectorizer.fit(titles + bodies)
        self._titles = self._vectorizer.transform(titles)
        self._bodies = self._vectorizer.transform(bodies)
        # One question is scored by hand from the fitted vocabulary and idf, as the
        # vectorizer would: its transform() costs ~0.3 ms per call in input checks alone,
        # which a server answering hundreds of questions a second pays on every request.
        self._analyze = self._vectorizer.build_analyzer()
        self._idf = self._vectorizer.idf_
        combined = (TITLE_WEIGHT * self._titles + BODY_WEIGHT * self._bodies).T.tocsr()
        self._weights = combined.toarray() if combined.shape[0] * combined.shape[1] \
            <= DENSE_LIMIT else None  # (vocabulary, articles)

    def __len__(self):
        return len(self.articles)

    def get(self, article_id):
        return self._by_id.get(article_id)

    def for_intent(self, intent):
        """The article that answers ``intent``, or None."""
        return self._by_intent.get(intent)

    def search(self, question, limit=3):
        """Articles most similar to ``question``: a list of ``(article, score)``, best first.

        The score weighs the title (what the article is about) over the body.
        """
        scores = self._scores(self._normalize(question))
        order = np.argsort(-scores)[:limit]
        return [(self.articles[i], round(float(scores[i]), 4)) for i in order]

    def _scores(self, normalized):
        """Title-and-body similarity of every article to one normalized question."""
        if self._weights is None:  # a large knowledge base: the vectorizer's sparse path
            query = self._vectorizer.transform([normalized])
            return TITLE_WEIGHT * (self._titles @ query.T).toarray().ravel() \
                + BODY_WEIGHT * (self._bodies @ query.T).toarray().ravel()
        vocabulary = self._vectorizer.vocabulary_
        counts = {}
        for gram in self._analyze(normalized):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(len(self.articles))
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (np.log(tf) + 1.0) * self._idf[columns]  # sublinear tf, then idf
        weights /= np.sqrt(weights @ weights)  # l2, as TfidfVectorizer(norm="l2")
        return weights @ self._weights[columns]

    def best_match(self, question):
        """The closest article and its score when it is close enough and clearly ahead of
        the next one (``min_score``, ``min_lead``), else None."""
        ranked = self.search(question, limit=2)
        article, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= self.min_score and score - runner_up >= self.min_lead:
            return article, score
        return None


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
