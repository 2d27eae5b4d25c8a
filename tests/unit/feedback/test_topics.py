"""Recurring out-of-scope topics: clusters of rejected messages, named by their words."""

from datetime import datetime, timedelta

from nlu.feedback.topics import recurring_topics

DAY = datetime(2026, 11, 20, 9)


def rejected(texts, days=0):
    return [{"text": t, "created_at": DAY + timedelta(days=days, minutes=i)}
            for i, t in enumerate(texts)]


def test_similar_rejections_form_named_topics_recurring_first():
    rows = (rejected(["ongkir mahal banget skrg", "kok ongkir mahal ya kak"])
            + rejected(["ongkir ke papua mahal"], days=1)
            + rejected(["cuaca jakarta hari ini", "cuaca jakarta besok gimana",
                        "cuaca jakarta besok gimana", "resep nasi goreng enak"]))
    topics = recurring_topics(rows)
    assert [(t["messages"], t["days"], t["recurring"]) for t in topics] == [
        (3, 2, True), (3, 1, False)]
    # Named in normalized words ("ongkir" is "ongkos kirim").
    assert "ongkos" in topics[0]["name"] and "mahal" in topics[0]["name"]
    assert "cuaca" in topics[1]["name"] and "jakarta" in topics[1]["name"]
    assert topics[0]["first_seen"] == DAY and topics[0]["last_seen"] == DAY + timedelta(days=1)
    assert "cuaca jakarta besok gimana" in topics[1]["examples"]
    # A message seen once is no topic.
    assert not any("resep" in t["name"] for t in topics)


def test_nothing_to_cluster():
    assert recurring_topics([]) == []
    assert recurring_topics(rejected(["halo kak", "ya min"])) == []  # fillers only
