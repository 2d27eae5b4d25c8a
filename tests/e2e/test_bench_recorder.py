"""``python -m benchmarks.recorder``: every way of storing a prediction, measured."""

from sqlalchemy import func, select

from benchmarks.recorder import run
from nlu.feedback.store import Store
from nlu.feedback.tables import predictions


def test_a_short_run_measures_every_strategy(tmp_path, postgres_url):
    results = run(40, postgres=postgres_url, folder=tmp_path, stored=50)

    strategies = {r["strategy"] for r in results}
    assert strategies == {"commit (sqlite)", "commit (sqlite, random ids)",
                          "commit (sqlite, synchronous=OFF)",
                          "commit-wal (sqlite)", "journal, no fsync", "journal, fsync",
                          "buffered (not durable)", "commit (postgresql)"}
    assert {r["clients"] for r in results} == {1, 32}
    for result in results:
        assert 0 < result["p50_ms"] <= result["p99_ms"] and result["records_per_s"] > 0
    stored = Store(f"sqlite:///{tmp_path}/c1.db")
    with stored.connect() as connection:  # the 50 stored before, the 20 of the warm-up
        assert connection.execute(select(func.count()).select_from(predictions)).scalar() \
            == 50 + 20 + 40
