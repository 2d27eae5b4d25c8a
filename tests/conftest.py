"""Shared fixtures: a tiny hand-written dataset, a model trained once on it, a fake embedder."""

import zlib

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin

from nlu import load_dataset, save_model, train

# Six intents (more than the ranking's five) with their real routes, eight varied examples
# each, plus out-of-scope messages. Small enough to train the fast profile in well under a
# second; written by hand so every test knows exactly what the model has seen.
TINY_YAML = """\
version: 1
routes: [answer, invoice_chat, live_chat, resolution_center]
intents:
  - id: greeting
    route: answer
    description: The customer says hello.
    examples:
      id:
        - "halo kak"
        - "selamat pagi min"
        - "hai admin, apa kabar"
        - "permisi kak, selamat siang"
        - "assalamualaikum min"
      en:
        - "hello there"
        - "hi, good morning"
        - "hey admin"
  - id: thanks_goodbye
    route: answer
    examples:
      id:
        - "makasih ya kak"
        - "terima kasih banyak atas bantuannya"
        - "oke sip, udah beres, makasih"
        - "mantap kak, sampai jumpa"
        - "thx min, dadah"
      en:
        - "thank you so much"
        - "thanks, bye"
        - "that's all, goodbye"
  - id: cancel_order
    route: invoice_chat
    examples:
      id:
        - "batalin pesanan dong"
        - "gmn cara membatalkan pesanan"
        - "sy mau batalkan order INV/20261103/MPL/3456789012"
        - "tolong batalkan transaksi saya, salah pilih warna"
        - "pesanan blm dikirim, bisa dibatalin gk?"
      en:
        - "I want to cancel my order"
        - "how do I cancel an order"
      mixed:
        - "mau cancel order yg kemarin"
  - id: track_order
    route: answer
    examples:
      id:
        - "paket sy udah sampai mana ya"
        - "cara lacak paket gimana"
        - "no resi JP1234567890 kok gak update"
        - "mau cek posisi kiriman saya"
        - "status pengiriman pesanan saya apa"
      en:
        - "where is my package"
        - "how can I track my order"
      mixed:
        - "tracking paket aku stuck di gudang"
  - id: refund_return
    route: resolution_center
    examples:
      id:
        - "mau refund dana saya"
        - "barang mau dikembalikan, uangnya balik gk"
        - "pengembalian dana Rp150.000 belum masuk"
        - "dana refund udah 5 hari belum diterima"
        - "cara ajukan pengembalian barang"
      en:
        - "I want a refund"
        - "how do I return an item for my money back"
      mixed:
        - "refund aku kapan masuk ke saldo"
  - id: contact_cs
    route: live_chat
    examples:
      id:
        - "mau ngomong sama cs langsung"
        - "hubungkan ke agen manusia dong"
        - "nomor telepon customer service berapa"
        - "sy mau bicara dgn petugas, bukan bot"
        - "tolong sambungkan ke admin asli"
      en:
        - "let me talk to a human agent"
        - "how do I contact customer service"
      mixed:
        - "mau chat sama cs real person"
out_of_scope:
  - "resep nasi goreng yang enak"
  - "siapa presiden pertama indonesia"
  - "cuaca jakarta besok gimana"
  - "ceritain lelucon dong"
  - "berapa hasil 17 kali 23"
  - "rekomendasi film horor terbaru"
  - "what is the capital of france"
  - "write me a poem about cats"
  - "jadwal kereta ke bandung"
  - "lirik lagu kebangsaan"
"""

TINY_INTENTS = ("cancel_order", "contact_cs", "greeting", "refund_return", "thanks_goodbye",
                "track_order")


@pytest.fixture(scope="session")
def tiny_intents():
    """The intents of the tiny dataset, sorted."""
    return TINY_INTENTS


@pytest.fixture(scope="session")
def tiny_data_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "tiny.yaml"
    path.write_text(TINY_YAML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_dataset(tiny_data_path):
    return load_dataset(tiny_data_path)


@pytest.fixture(scope="session")
def fast_model(tiny_dataset):
    """The fast profile trained once on the tiny dataset; tests must not mutate it."""
    return train(tiny_dataset, profile="fast")


@pytest.fixture(scope="session")
def saved_model_dir(fast_model, tmp_path_factory):
    """``fast_model`` saved once; copy it before damaging it."""
    return save_model(fast_model, tmp_path_factory.mktemp("artifacts") / "tiny-fast")


@pytest.fixture
def fake_embedder():
    """An unfitted :class:`HashingEmbedder` to put in place of the sentence embedder."""
    return HashingEmbedder(dimension=64)


class HashingEmbedder(TransformerMixin, BaseEstimator):
    """A stand-in for SentenceEmbedder: character trigrams hashed into a fixed-size vector.

    Deterministic (crc32, not Python's salted ``hash``), needs no model and no torch, and
    returns dense L2-normalized rows like the real embedder.
    """

    def __init__(self, dimension=64):
        self.dimension = dimension

    def fit(self, X, y=None):
        self.dimension_ = self.dimension
        return self

    def transform(self, X):
        rows = np.zeros((len(X), self.dimension_), dtype=np.float32)
        for row, text in zip(rows, X):
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                row[zlib.crc32(padded[i:i + 3].encode()) % self.dimension_] += 1.0
            norm = np.linalg.norm(row)
            if norm:
                row /= norm
        return rows
