"""Feature extraction: normalized word and character n-gram TF-IDF."""

__all__ = ["TextNormalizer", "make_tfidf"]

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from ..text.normalize import Normalizer, load_slang


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Texts -> normalized texts (see :class:`nlu.text.normalize.Normalizer`).

    ``fit`` keeps a copy of the slang lexicon (``slang_``), so a trained model goes on
    normalizing as it was trained when the packaged lexicon is edited later.

    Parameters
    ----------
    slang : dict or None
        ``{spelling: canonical}``; the packaged lexicon when None.
    """

    def __init__(self, slang=None):
        self.slang = slang

    def fit(self, X, y=None):
        self.slang_ = dict(load_slang() if self.slang is None else self.slang)
        return self

    def transform(self, X):
        check_is_fitted(self, "slang_")
        normalize = Normalizer(self.slang_)
        return [normalize(text) for text in X]


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
