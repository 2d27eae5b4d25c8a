"""Features: the normalizer keeps the lexicon it was fitted with."""

import pickle

import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from nlu.model.features import TextNormalizer, make_tfidf
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


def test_estimator_contract():
    with pytest.raises(NotFittedError):
        TextNormalizer().transform(["halo"])
    assert clone(TextNormalizer(slang={"a": "b"})).get_params() == {"slang": {"a": "b"}}


def test_tfidf_has_word_and_char_ngrams():
    tfidf = make_tfidf().fit(["paket blm nyampe", "batalin pesanan dong"])
    names = tfidf.named_steps["ngrams"].get_feature_names_out()
    assert "word__paket belum" in names
    assert any(n.startswith("char__") for n in names)
