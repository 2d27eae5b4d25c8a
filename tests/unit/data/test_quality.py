"""Training-data gaps: intents with too few examples, intents whose examples look alike."""

from nlu.data.dataset import Dataset, Example
from nlu.data.quality import similar_intents, thin_intents


def examples(intent, texts, lang="id"):
    return [Example(t, intent, lang) for t in texts]


def test_thin_intents_name_what_is_missing():
    data = Dataset(tuple(examples("greeting", [f"halo {i}" for i in range(25)])
                         + examples("greeting", [f"hello {i}" for i in range(6)], "en")
                         + examples("cancel_order", ["batalin", "cancel dong"])
                         + examples("cancel_order", ["cancel my order"], "en")))
    assert thin_intents(data) == [{
        "intent": "cancel_order", "examples": 3, "by_language": {"id": 2, "en": 1},
        "reason": "3 examples (at least 20 advised); 2 in Indonesian; 1 in English"}]
    assert thin_intents(data, minimum=2, per_language=1) == []


def test_similar_intents_pair_examples_closest_to_the_other_intent():
    not_received = ["paket saya belum sampai", "kiriman saya belum datang",
                    "pesanan belum sampai juga", "barang belum datang"]
    track = ["paket saya sampai mana", "kiriman saya di mana sekarang",
             "pesanan sampai mana ya", "lacak nomor resi"]
    greeting = ["halo kak", "selamat pagi", "hai admin", "permisi kak"]
    data = Dataset(tuple(examples("item_not_received", not_received)
                         + examples("track_order", track) + examples("greeting", greeting)))
    pair, *others = similar_intents(data)
    assert pair == {"intents": ["item_not_received", "track_order"], "examples": 5,
                    "share": 0.625, "similarity": pair["similarity"],
                    "closest": ["paket saya belum sampai", "paket saya sampai mana"]}
    assert all(other["share"] < pair["share"] for other in others)
    assert similar_intents(data, min_share=0.5) == [pair]
    assert similar_intents(Dataset(tuple(examples("greeting", greeting)))) == []
    assert similar_intents(Dataset()) == []
