"""``python -m benchmarks.recorder``: every way of storing a prediction, measured."""

from benchmarks.recorder import run


def test_a_short_run_measures_every_strategy(tmp_path, postgres_url):
    results = run(40, postgres=postgres_url, folder=tmp_path)

    strategies = {r["strategy"] for r in results}
    assert strategies == {"commit (sqlite)", "commit (sqlite, synchronous=OFF)",
                          "commit-wal (sqlite)", "journal, no fsync", "journal, fsync",
                          "buffered (not durable)", "commit (postgresql)"}
    assert {r["clients"] for r in results} == {1, 32}
    for result in results:
        assert 0 < result["p50_ms"] <= result["p99_ms"] and result["records_per_s"] > 0
