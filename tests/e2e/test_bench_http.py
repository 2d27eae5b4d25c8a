"""``nlu benchmark http``: a real server process under wrk, a short run, one JSON report."""

import json

import pytest

from training.cli import main


def test_a_short_run_reports_every_figure(e2e_model_dir, capsys):
    status = main(["benchmark", "http", "--model", str(e2e_model_dir), "--duration", "2",
                   "--rounds", "2", "--warmup", "0", "--connections", "8"])
    out, err = capsys.readouterr()
    assert status == 0, err
    report = json.loads(out)
    assert (report["benchmark"], report["connections"], report["rounds"]) == ("http", 8, 2)
    fast = report["profiles"]["fast"]
    summary = fast["summary"]
    assert summary["errors"] == 0 and fast["errors"]["total"] == 0
    assert fast["requests"] > 0 and summary["requests_per_s"] > 0
    assert 0 < summary["latency_ms"]["p50"] <= summary["latency_ms"]["p95"] \
        <= summary["latency_ms"]["p99"]
    assert len(fast["in_process"]["texts_per_s"]) == 3  # before, between and after the rounds
    assert summary["in_process_texts_per_s"] > 0 and summary["ratio"] > 0
    assert len(fast["rounds"]) == 2
    for round_ in fast["rounds"]:
        assert round_["server_cpu_ms_per_request"] > 0
        assert 1 <= round_["mean_batch_size"] <= 32
    # 8 connections cannot meet the p99 goal, which is set at 32: reported as not met.
    assert summary["goals"]["p99_ms <= 30 at 32 connections"] is False
    assert report["goals_met"] is False
    assert "[fast] round 2/2" in err


@pytest.mark.parametrize("argv", [
    ["benchmark", "http", "--profile", "fast", "--model", "somewhere"],
    ["benchmark", "banking77", "--workers", "2"],
])
def test_bad_combinations_are_usage_errors(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_workers_per_profile_must_name_a_profile(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["benchmark", "http", "--workers", "medium=2"])
    assert exit_.value.code == 2
    assert "unknown profile 'medium'" in capsys.readouterr().err
