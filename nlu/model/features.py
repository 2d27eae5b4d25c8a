"""Feature extraction: normalized word and character n-gram TF-IDF."""

__all__ = ["TextNormalizer", "NgramTfidf", "make_tfidf"]

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize as normalize_rows
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2
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
        return self.lone_words([Normalizer(self.slang_)(text)])[0]

    def lone_words(self, normalized):
        """:meth:`lone_word` of each text of ``normalized``, texts as :meth:`transform`
        wrote them (the model's predict has them: nothing is normalized twice)."""
        check_is_fitted(self, "lone_words_")
        known = self.lone_words_
        return [words[0] if len(words) == 1 and words[0] not in known else None
                for words in map(content_words, normalized)]

    def transform(self, X):
        check_is_fitted(self, "slang_")
        normalize = Normalizer(self.slang_)
        return [normalize(text) for text in X]


class NgramTfidf(TfidfVectorizer):
    """A :class:`~sklearn.feature_extraction.text.TfidfVectorizer` whose ``transform``
    gives the same matrix in a fraction of the time on short messages, for the model's
    word and ``char_wb`` n-grams (other settings take the parent's way).

    A ``char_wb`` n-gram never crosses a word, so a text's columns are the sum of its
    words': each word's columns are worked out once and kept (at most ``MAX_WORDS``
    words of at most ``MAX_WORD_LENGTH`` characters, forgotten all at once when full, and
    forgotten on a refit), and a message is a lookup per word. The word n-grams are
    counted straight from the fitted vocabulary. Both skip the parent's per-call checks,
    which cost more than the counting on a batch of chat messages. Anything but str texts
    and a float dtype takes the parent's way.
    """

    #: Words whose columns are kept (about 12 MB), and the longest kept: a longer one is
    #: rare in real text, and a flood of them would fill the memory.
    MAX_WORDS, MAX_WORD_LENGTH = 50_000, 40

    def fit(self, raw_documents, y=None):
        self._forget()
        return super().fit(raw_documents, y)

    def fit_transform(self, raw_documents, y=None):
        self._forget()
        return super().fit_transform(raw_documents, y)

    def transform(self, raw_documents):
        texts = None if isinstance(raw_documents, str) else list(raw_documents)
        if (texts is None or not hasattr(self, "vocabulary_") or self.input != "content"
                or self.binary or self.use_idf is False or self.strip_accents
                or self.analyzer not in ("word", "char_wb") or self.preprocessor
                or self.tokenizer or self.stop_words
                or np.dtype(self.dtype) not in (np.float64, np.float32)
                or not all(isinstance(text, str) for text in texts)):
            return super().transform(raw_documents if texts is None else texts)
        texts = [text.lower() for text in texts] if self.lowercase else texts
        count = self._char_wb_columns if self.analyzer == "char_wb" else self._word_columns
        counts = _count_matrix([count(text) for text in texts], len(self.vocabulary_),
                               self.dtype)
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        counts.data *= self.idf_[counts.indices]
        if self.norm == "l2":  # what sklearn's normalize does, without its checks
            inplace_csr_row_normalize_l2(counts)
            return counts
        return normalize_rows(counts, norm=self.norm, copy=False) if self.norm else counts

    def _char_wb_columns(self, text):
        """The columns of the char_wb n-grams of ``text``, with repeats."""
        known = self.__dict__.setdefault("_known_words", {})
        if len(known) > self.MAX_WORDS:
            known.clear()
        parts = []
        for word in text.split():
            columns = known.get(word)
            if columns is None:
                columns = self._columns_of(word)
                if len(word) <= self.MAX_WORD_LENGTH:
                    known[word] = columns
            parts.append(columns)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)

    def _columns_of(self, word):
        vocabulary, (low, high) = self.vocabulary_, self.ngram_range
        padded, grams = f" {word} ", []
        for n in range(low, high + 1):
            if len(padded) <= n:  # a short word counts once, whole (as the parent does)
                grams.append(padded)
                break
            grams += (padded[i:i + n] for i in range(len(padded) - n + 1))
        return np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int32)

    def _word_columns(self, text):
        """The columns of the word n-grams of ``text``, with repeats."""
        split = self.__dict__.get("_split")
        if split is None:
            split = self.__dict__["_split"] = self.build_tokenizer()
        vocabulary, (low, high) = self.vocabulary_, self.ngram_range
        tokens = split(text)
        grams = [" ".join(tokens[i:i + n]) for n in range(low, high + 1)
                 for i in range(len(tokens) - n + 1)]
        return np.array([vocabulary[g] for g in grams if g in vocabulary], dtype=np.int32)

    #: What transform keeps between calls: never pickled, dropped on a refit.
    _KEPT = ("_known_words", "_split")

    def _forget(self):
        """Drop what was kept of the last fit (a refit has another vocabulary)."""
        for name in self._KEPT:
            self.__dict__.pop(name, None)

    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in self._KEPT:
            state.pop(name, None)
        return state


def _count_matrix(rows, n_columns, dtype):
    """The CSR count matrix of rows given as arrays of column indices, with repeats."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([len(row) for row in rows], out=indptr[1:])
    indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    counts = sp.csr_matrix((np.ones(len(indices), dtype=dtype), indices, indptr),
                           shape=(len(rows), n_columns))
    counts.sum_duplicates()  # sums the repeats, sorts the indices
    return counts


def make_tfidf(word_ngrams=(1, 2), char_ngrams=(2, 5), char_min_df=2):
    """Normalize, then concatenate word and char_wb n-gram TF-IDF (sublinear tf)."""
    ngrams = FeatureUnion(
        [
            ("word", NgramTfidf(ngram_range=word_ngrams, sublinear_tf=True,
                                token_pattern=r"(?u)\b\w+\b|[^\w\s]")),
            ("char", NgramTfidf(analyzer="char_wb", ngram_range=char_ngrams,
                                sublinear_tf=True, min_df=char_min_df)),
        ]
    )
    return Pipeline([("normalize", TextNormalizer()), ("ngrams", ngrams)])
