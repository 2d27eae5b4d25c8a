"""Feature extraction: normalized word and character n-gram TF-IDF."""

__all__ = ["TextNormalizer", "make_tfidf"]

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from .normalize import Normalizer


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Stateless transformer: texts -> normalized texts (see :class:`nlu.normalize.Normalizer`)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        normalize = Normalizer()
        return [normalize(text) for text in X]

    def __sklearn_is_fitted__(self):
        return True


def make_tfidf(word_ngrams=(1, 2), char_ngrams=(2, 5), char_min_df=2):
    """Normalize, then concatenate word and char_wb n-gram TF-IDF (sublinear tf)."""
    ngrams = FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=word_ngrams, sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w+\b|[^\w\s]")),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams,
                                     sublinear_tf=True, min_df=char_min_df)),
        ]
    )
    return Pipeline([("normalize", TextNormalizer()), ("ngrams", ngrams)])
