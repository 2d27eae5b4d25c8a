"""The conversation measures (python -m benchmarks.conversations): one JSON report."""

import json

from benchmarks.conversations import main


def test_the_report_measures_clarification_and_frustration(e2e_model_dir, capsys):
    assert main(["--model", str(e2e_model_dir)]) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["profile"] == "fast" and report["policy"]["ceiling"] == 0.7
    for name in ("test_id.jsonl", "test_informal_id.jsonl"):
        figures = report["clarification"][name]
        assert figures["messages"] == figures["in_scope"] + figures["out_of_scope"] > 200
        assert figures["answered"] + figures["clarified"] + figures["missed"] == \
            figures["in_scope"]
        assert 0 <= figures["clarify_rate"] <= 1
    frustration = report["frustration"]["frustration_test.jsonl"]
    assert frustration["all"]["n"] == 140 and frustration["all"]["precision"] >= 0.95
    assert "held_out" not in report


def test_the_ceiling_sweep_on_held_out_predictions(e2e_model_dir, tiny_data_path, capsys):
    assert main(["--model", str(e2e_model_dir), "--held-out-folds", "2",
                 "--train", str(tiny_data_path)]) == 0
    sweep = json.loads(capsys.readouterr().out)["held_out"]["ceilings"]

    assert [row["ceiling"] for row in sweep] == [0.5, 0.6, 0.7, 0.8, 0.9]
    # A higher ceiling asks more often and answers less often.
    asked = [row["clarified"] + row["oos_clarified"] for row in sweep]
    assert asked == sorted(asked) and [row["answered"] for row in sweep] == sorted(
        (row["answered"] for row in sweep), reverse=True)


def test_a_missing_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["--model", str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_more_folds_than_examples_is_a_one_line_error_before_the_run(
        tiny_data_path, tmp_path, capsys):
    # Checked before the model is even loaded (there is none here).
    assert main(["--model", str(tmp_path / "none"), "--held-out-folds", "11",
                 "--train", str(tiny_data_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"error: {tiny_data_path}: --held-out-folds 11: no intent has "
                            "that many examples (the most is 10, out of scope included); "
                            "choose fewer folds\n")
