"""Feature extraction: normalized word and character n-gram TF-IDF."""

__all__ = ["TextNormalizer", "make_tfidf"]

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from ..text.normalize import Normalizer, content_words, load_slang


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Texts -> normalized texts (see :class:`nlu.text.normalize.Normalizer`).

    ``fit`` keeps a copy of the slang lexicon (``slang_``), so a trained model goes on
    normalizing as it was trained when the packaged lexicon is edited later, and the words
    the training data holds as one-word messages (``lone_words_``).

    Parameters
    ----------
    slang : dict or None
        ``{spelling: canonical}``; the packaged lexicon when None.
    """

    def __init__(self, slang=None):
        self.slang = slang

    def fit(self, X, y=None):
        self.slang_ = dict(load_slang() if self.slang is None else self.slang)
        # The words the training data holds as whole messages on their own ("halo",
        # "makasih", "mantap"): a one-word message that is not among them is a topic, not
        # a request (see NLUModel.predict).
        normalize = Normalizer(self.slang_)
        self.lone_words_ = frozenset(words[0] for words in
                                     (content_words(normalize(t)) for t in X) if len(words) == 1)
        return self

    def lone_word(self, text):
        """The content word of a one-word message the training data never held alone, or
        None."""
        check_is_fitted(self, "lone_words_")
        words = content_words(Normalizer(self.slang_)(text))
        return words[0] if len(words) == 1 and words[0] not in self.lone_words_ else None

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
