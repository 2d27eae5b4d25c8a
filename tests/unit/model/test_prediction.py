"""``Prediction.to_dict`` is built by hand (``asdict`` is slow); it must stay ``asdict``'s."""

import dataclasses

MESSAGES = ["halo kak", "paket blm nyampe udh 5 hari, INV/20261103/MPL/3456789012",
            "refund Rp150.000 belum masuk 5 hari", "hubungi saya di 0812-3456-7890",
            "resep nasi goreng enak", "", "how do I cancel my order"]


def test_to_dict_is_asdict(fast_model):
    for prediction in fast_model.predict([m or "?" for m in MESSAGES]):
        expected = dataclasses.asdict(prediction)
        data = prediction.to_dict()
        assert data == expected
        assert list(data) == list(expected)  # the same key order in JSON
        assert type(data["ranking"]) is type(expected["ranking"])
        assert type(data["entities"]) is type(expected["entities"])
        expected.pop("route")
        assert prediction.to_dict(with_route=False) == expected
