"""Features: the normalizer keeps the lexicon it was fitted with; NgramTfidf gives
TfidfVectorizer's matrices."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.model.features import NgramTfidf, TextNormalizer, make_tfidf
from nlu.text.normalize import load_slang


def test_the_lexicon_is_part_of_the_fitted_normalizer():
    normalizer = TextNormalizer().fit(["x"])
    assert normalizer.slang_ == load_slang()
    assert normalizer.transform(["gk ada"]) == ["tidak ada"]


def test_a_pickled_normalizer_keeps_its_lexicon_when_the_packaged_one_changes(monkeypatch):
    fitted = pickle.loads(pickle.dumps(TextNormalizer().fit(["x"])))
    monkeypatch.setattr("nlu.model.features.load_slang", lambda: {"gk": "enggak"})
    assert fitted.transform(["gk"]) == ["tidak"]
    assert TextNormalizer().fit(["x"]).transform(["gk"]) == ["enggak"]


def test_a_given_lexicon_is_used_and_copied():
    slang = {"brg": "barang"}
    normalizer = TextNormalizer(slang=slang).fit([])
    slang["brg"] = "x"
    assert normalizer.transform(["brg gk"]) == ["barang gk"]


def test_lone_words_are_the_one_word_messages_the_training_data_never_held_alone():
    normalizer = TextNormalizer(slang={"min": "admin"}).fit(["halo", "akun saya diblokir"])
    texts = ["akun", "akun dong min", "halo kak", "akun saya diblokir", "123", "refund!!"]
    assert [normalizer.lone_word(t) for t in texts] == ["akun", "akun", None, None, None,
                                                        "refund"]
    assert normalizer.lone_words(normalizer.transform(texts)) == \
        [normalizer.lone_word(t) for t in texts]
    with pytest.raises(NotFittedError):
        TextNormalizer().lone_words(["akun"])


def test_estimator_contract():
    with pytest.raises(NotFittedError):
        TextNormalizer().transform(["halo"])
    assert clone(TextNormalizer(slang={"a": "b"})).get_params() == {"slang": {"a": "b"}}


def test_tfidf_has_word_and_char_ngrams():
    tfidf = make_tfidf().fit(["paket blm nyampe", "batalin pesanan dong"])
    names = tfidf.named_steps["ngrams"].get_feature_names_out()
    assert "word__paket belum" in names
    assert any(n.startswith("char__") for n in names)


TRAIN = ["paket saya belum sampai sudah 0 hari", "cara batalkan pesanan", "ok", "a b c",
         "refund refund refund kapan masuk", "ganti nomor hp lama hilang", "é ü ß"]
SEEN_AND_NOT = TRAIN + ["", " ", "x", "PAKET Belum", "pesanan pesanan  batal\tdong\nkak",
                        "kata yang tidak pernah ada", "ab", "😀 ok ok", "İstanbul straße"]


@pytest.mark.parametrize("params", [
    {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2},
    {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (1, 3), "lowercase": False, "norm": "l1"},
    {"ngram_range": (1, 2), "sublinear_tf": True, "token_pattern": r"(?u)\b\w+\b|[^\w\s]"},
    {"ngram_range": (1, 3)},
    {"analyzer": "char", "ngram_range": (2, 3)},  # the parent's way
    {"ngram_range": (1, 1), "binary": True, "norm": None},  # the parent's way
])
def test_ngram_tfidf_gives_the_tfidf_vectorizers_matrix(params):
    expected = TfidfVectorizer(**params).fit(TRAIN).transform(SEEN_AND_NOT)
    fast = NgramTfidf(**params).fit(TRAIN)

    for _ in range(2):  # the second time from the words it keeps
        got = fast.transform(SEEN_AND_NOT)
        assert got.shape == expected.shape
        assert (got != expected).nnz == 0
        assert np.array_equal(got.indices, expected.indices)


def test_ngram_tfidf_forgets_its_words_when_full_and_when_pickled(monkeypatch):
    fast = NgramTfidf(analyzer="char_wb", ngram_range=(2, 3)).fit(TRAIN)
    monkeypatch.setattr(NgramTfidf, "MAX_WORDS", 3)
    fast.transform(TRAIN)
    assert 0 < len(fast.__dict__["_known_words"]) <= 3 + max(len(t.split()) for t in TRAIN)

    copy = pickle.loads(pickle.dumps(fast))
    assert "_known_words" not in copy.__dict__ and "_known_words" in fast.__dict__
    assert (copy.transform(TRAIN) != fast.transform(TRAIN)).nnz == 0
    assert clone(fast).get_params() == fast.get_params()
    assert fast.transform([]).shape == (0, len(fast.vocabulary_))


def test_ngram_tfidf_forgets_the_last_fit_and_keeps_no_long_word():
    fast = NgramTfidf(analyzer="char_wb", ngram_range=(2, 3)).fit(["paket belum"])
    fast.transform(["paket", "a" * 41])
    assert "a" * 41 not in fast.__dict__["_known_words"]

    for refit in (fast.fit, fast.fit_transform):
        refit(["refund kapan paket", "ok"])
        expected = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(
            ["refund kapan paket", "ok"]).transform(["paket"])
        assert (fast.transform(["paket"]) != expected).nnz == 0


def test_ngram_tfidf_leaves_other_input_to_its_parent():
    params = {"analyzer": "char_wb", "ngram_range": (2, 3)}
    texts = [b"paket belum", b"PAKET"]
    assert (NgramTfidf(input="content", **params).fit(TRAIN).transform(texts)
            != TfidfVectorizer(**params).fit(TRAIN).transform(texts)).nnz == 0
    with pytest.warns(UserWarning, match="dtype"):  # the parent's own warning
        integers = NgramTfidf(dtype=np.int64, **params).fit(TRAIN)
    assert integers.transform(["paket"]).dtype == np.float64  # as the parent makes it
