"""The ``nlu`` console script, run as a user runs it: train, predict, evaluate, data.

Every command runs in a subprocess with --profile fast on the tiny dataset. Errors must be
one ``error: ...`` line per problem on stderr, never a traceback, with exit status 2 for bad
data or arguments and 1 for a broken model.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NLU = Path(sys.executable).with_name("nlu")
COMMAND = [str(NLU)] if NLU.exists() else [sys.executable, "-m", "training.cli"]
PREDICTION_KEYS = {"text", "intent", "confidence", "ranking", "fallback", "lang", "entities",
                   "route", "margin"}


def nlu(*args, cwd):
    return subprocess.run(COMMAND + [str(a) for a in args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def assert_error(result, status, message):
    """One clean ``error:`` line per problem, the expected status, no traceback."""
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    assert message in result.stderr, result.stderr
    return lines


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, tiny_data_path):
    work = tmp_path_factory.mktemp("cli")
    shutil.copy(tiny_data_path, work / "data.yaml")
    return work


@pytest.fixture(scope="module")
def trained(workdir):
    """``nlu train`` once for the module; returns its result (the artifact is models/v1)."""
    return nlu("train", "--data", "data.yaml", "--profile", "fast", "--out", "models/v1",
               "--link", "models/current", cwd=workdir)


@pytest.fixture(scope="module")
def model(trained, workdir):
    assert trained.returncode == 0, trained.stderr
    return workdir / "models" / "current"


def test_train_writes_an_artifact_and_links_it(trained, workdir):
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["artifact"] == "models/v1"
    assert summary["profile"] == "fast"
    assert summary["examples"] == 58
    assert summary["intents"] == 6
    assert set(summary["thresholds"]) == {"threshold", "margin", "out_of_scope"}
    assert (workdir / "models" / "v1" / "manifest.json").is_file()
    current = workdir / "models" / "current"
    assert current.is_symlink() and current.resolve() == (workdir / "models" / "v1").resolve()


def test_train_refuses_an_existing_output(model, workdir):
    result = nlu("train", "--data", "data.yaml", "--profile", "fast", "--out", "models/v1",
                 cwd=workdir)
    assert_error(result, 2, "error: models/v1: already exists; artifacts are never overwritten")


def test_predict_one_message(model, workdir):
    result = nlu("predict", "--model", model, "mau batalin pesanan INV/20261103/MPL/3456789012",
                 cwd=workdir)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    prediction = json.loads(line)
    assert set(prediction) == PREDICTION_KEYS
    assert prediction["intent"] == "cancel_order"
    assert prediction["route"] == "invoice_chat"
    assert prediction["fallback"] is None
    assert prediction["lang"] == "id"
    assert prediction["ranking"][0] == {"intent": "cancel_order",
                                        "confidence": prediction["confidence"]}
    assert prediction["entities"] == [{"type": "invoice", "value": "INV/20261103/MPL/3456789012",
                                       "start": 20, "end": 47, "courier": None}]


def test_predict_threshold_override(model, workdir):
    result = nlu("predict", "--model", model, "--threshold", "1", "halo kak", cwd=workdir)
    prediction = json.loads(result.stdout)
    assert (prediction["intent"], prediction["fallback"]) == (None, "low_confidence")
    assert prediction["ranking"][0]["intent"] == "greeting"


MESSAGES = ["halo kak", "makasih banyak", "resep rendang padang", "paket sy dimana",
            "mau refund dana", "how do I cancel my order"]
EXPECTED = ["greeting", "thanks_goodbye", None, "track_order", "refund_return", "cancel_order"]


def test_predict_jsonl_to_a_file(model, workdir):
    (workdir / "in.jsonl").write_text(
        "".join(json.dumps({"id": i, "message": m}) + "\n" for i, m in enumerate(MESSAGES)))
    result = nlu("predict", "--model", model, "--input", "in.jsonl", "--text-column", "message",
                 "--output", "out.jsonl", "--batch-size", "4", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    rows = [json.loads(line) for line in (workdir / "out.jsonl").read_text().splitlines()]
    assert [r["text"] for r in rows] == MESSAGES
    assert [r["intent"] for r in rows] == EXPECTED
    assert all(set(r) == PREDICTION_KEYS for r in rows)


def test_predict_csv_to_stdout(model, workdir):
    (workdir / "in.csv").write_text("text\n" + "".join(f'"{m}"\n' for m in MESSAGES)
                                    + '"batalin, pesanan"\n')
    result = nlu("predict", "--model", model, "--input", "in.csv", "--output", "-",
                 "--batch-size", "2", cwd=workdir)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == MESSAGES + ["batalin, pesanan"]
    assert [r["intent"] for r in rows] == EXPECTED + ["cancel_order"]


def test_evaluate_writes_the_report(model, workdir):
    (workdir / "test.csv").write_text(
        "text,intent,lang\nhalo kak selamat siang,greeting,id\nwhere is my parcel,track_order,en\n"
        "resep rendang padang,,id\n")
    result = nlu("evaluate", "--model", model, "--data", "test.csv", "--report", "report",
                 cwd=workdir)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    metrics = printed["metrics"]
    assert metrics["n_examples"] == 3
    assert metrics["accuracy"] == 1.0
    assert metrics["route_accuracy"] == 1.0
    assert (printed["subsets"], printed["robustness"]) == ({}, None)
    assert sorted(p.name for p in (workdir / "report").iterdir()) == [
        "confusion_matrix.png", "report.json", "report.md"]
    assert json.loads((workdir / "report" / "report.json").read_text())["metrics"] == metrics


def test_evaluate_reports_a_flagged_subset_and_robustness(model, workdir):
    (workdir / "flagged.jsonl").write_text(
        '{"text": "halo kak selamat siang", "intent": "greeting", "sure": true}\n'
        '{"text": "where is my parcel", "intent": "track_order", "sure": false}\n'
        '{"text": "resep rendang padang", "intent": null, "sure": true}\n')
    result = nlu("evaluate", "--model", model, "--data", "flagged.jsonl", "--report", "flagged",
                 "--subset", "sure", "--robustness", cwd=workdir)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["subsets"]["sure"]["n_examples"] == 2
    assert [r["perturbation"] for r in printed["robustness"]] == [
        "original", "typos", "abbreviations", "case_and_punctuation", "code_mixing", "chatter"]
    assert all(r["n"] == 2 for r in printed["robustness"])
    report = (workdir / "flagged" / "report.md").read_text()
    assert "## Subset: sure (2 examples)" in report and "## Robustness" in report
    missing = nlu("evaluate", "--model", model, "--data", "flagged.jsonl", "--report", "x",
                  "--subset", "checked", cwd=workdir)
    assert_error(missing, 2, "flagged.jsonl: no example is flagged 'checked'")


def test_data_validate(workdir):
    result = nlu("data", "validate", "--data", "data.yaml", cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ok: 58 examples, 6 declared intents"
    header = lines[1].split()
    assert header[-1] == "total" and {"id", "en"} <= set(header)
    totals = {line.split()[0]: int(line.split()[-1]) for line in lines[3:]}
    assert totals["out_of_scope"] == 10 and totals["greeting"] == 8


def test_export_rasa_then_train_from_it(model, workdir):
    result = nlu("data", "export", "--data", "data.yaml", "--format", "rasa",
                 "--out", "nlu.yml", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "intent: out_of_scope" in (workdir / "nlu.yml").read_text()
    result = nlu("train", "--data", "nlu.yml", "--profile", "fast", "--out", "models/rasa",
                 cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["examples"] == 58
    again = json.loads(nlu("predict", "--model", "models/rasa", "mau refund dana",
                           cwd=workdir).stdout)
    assert again["intent"] == "refund_return"
    assert "route" not in again  # a Rasa file declares no routes


# -- bad input -----------------------------------------------------------------------------


def test_missing_data_file(tmp_path):
    result = nlu("train", "--data", "nope.yaml", "--profile", "fast", "--out", "m",
                 cwd=tmp_path)
    assert assert_error(result, 2, "") == ["error: nope.yaml: no such file"]
    assert not (tmp_path / "m").exists()


def test_every_data_problem_is_reported(tmp_path):
    (tmp_path / "data.yaml").write_text(
        'intents:\n  - id: greeting\n    examples: ["halo", "HALO!!", ""]\n'
        '  - id: thanks\n    route: email\n    examples: ["makasih"]\n')
    result = nlu("data", "validate", "--data", "data.yaml", cwd=tmp_path)
    assert sorted(assert_error(result, 2, "")) == [
        "error: data.yaml:3: intent 'greeting': duplicate example 'HALO!!' "
        "(first at data.yaml:3)",
        "error: data.yaml:3: intent 'greeting': empty text",
        "error: data.yaml:5: intent 'thanks': unknown route 'email' (expected one of answer, "
        "invoice_chat, live_chat, resolution_center)",
    ]


def test_csv_with_the_wrong_column(tmp_path):
    (tmp_path / "data.csv").write_text("message,intent\nhalo,greeting\n")
    result = nlu("train", "--data", "data.csv", "--profile", "fast", "--out", "m", cwd=tmp_path)
    assert assert_error(result, 2, "") == [
        "error: data.csv:1: missing column 'text' (found: intent, message)"]


def test_unreadable_csv(tmp_path):
    (tmp_path / "data.csv").write_bytes(b"text,intent\n\xff\xfe halo,greeting\n")
    result = nlu("data", "validate", "--data", "data.csv", cwd=tmp_path)
    assert_error(result, 2, "error: data.csv: cannot read file: ")


def test_predict_input_with_the_wrong_column(model, tmp_path):
    (tmp_path / "in.csv").write_text("message\nhalo\n")
    result = nlu("predict", "--model", model, "--input", "in.csv", "--output", "-",
                 cwd=tmp_path)
    assert assert_error(result, 2, "") == ["error: in.csv:2: missing text column 'text'"]


def test_predict_input_that_is_not_utf8(model, tmp_path):
    (tmp_path / "in.csv").write_bytes(b"text\n\xff halo\n")
    result = nlu("predict", "--model", model, "--input", "in.csv", "--output", "-",
                 cwd=tmp_path)
    assert_error(result, 2, "error: in.csv: cannot read file: ")


def test_predict_input_with_an_empty_text(model, tmp_path):
    (tmp_path / "in.jsonl").write_text('{"text": "halo"}\n{"text": "  "}\n')
    result = nlu("predict", "--model", model, "--input", "in.jsonl", "--output", "-",
                 cwd=tmp_path)
    assert assert_error(result, 2, "") == ["error: in.jsonl:2: empty text"]


def test_corrupt_model_directory(model, tmp_path):
    broken = shutil.copytree(model.resolve(), tmp_path / "broken")
    pipeline = broken / "pipeline.pkl"
    pipeline.write_bytes(pipeline.read_bytes()[:100])
    result = nlu("predict", "--model", broken, "halo", cwd=tmp_path)
    assert_error(result, 1, "pipeline.pkl: truncated or corrupt (checksum mismatch)")
    (broken / "manifest.json").write_text("{")
    result = nlu("evaluate", "--model", broken, "--data", model.parent.parent / "data.yaml",
                 "--report", "r", cwd=tmp_path)
    assert_error(result, 1, "manifest.json: corrupt manifest")


def test_missing_model_directory(tmp_path):
    result = nlu("predict", "--model", "nope", "halo", cwd=tmp_path)
    assert assert_error(result, 1, "") == [
        "error: nope: no model artifact here (not a directory)"]


def test_empty_text(model, tmp_path):
    result = nlu("predict", "--model", model, "   ", cwd=tmp_path)
    assert assert_error(result, 2, "") == ["error: empty text"]


def test_input_without_output(model, tmp_path):
    (tmp_path / "in.jsonl").write_text('{"text": "halo"}\n')
    result = nlu("predict", "--model", model, "--input", "in.jsonl", cwd=tmp_path)
    assert assert_error(result, 2, "") == [
        "error: --input needs --output FILE (or '-' for stdout)"]


def test_message_and_input_together(model, tmp_path):
    result = nlu("predict", "--model", model, "halo", "--input", "in.jsonl", "--output", "-",
                 cwd=tmp_path)
    assert assert_error(result, 2, "") == ["error: give either one message or --input FILE"]


def test_bad_threshold_is_an_argument_error(model, tmp_path):
    result = nlu("predict", "--model", model, "--threshold", "2", "halo", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "must be between 0 and 1" in result.stderr


# -- what the README promises of `nlu serve` and `nlu train --out` ---------------------------


def test_train_into_an_unwritable_folder_fails_before_training(workdir, tmp_path):
    (tmp_path / "file").write_text("x")  # (tests run as root: a mode would not stop them)
    result = nlu("train", "--data", workdir / "data.yaml", "--profile", "fast",
                 "--out", tmp_path / "file" / "model", cwd=tmp_path)
    assert_error(result, 1, "cannot write the artifact there")
    assert result.stdout == ""  # no training summary: it never started


def test_serve_with_a_port_out_of_range_exits_2(model, tmp_path):
    result = nlu("serve", "--model", model, "--port", "99999", cwd=tmp_path)
    assert_error(result, 2, "bad server setting: port: Input should be less than or equal "
                            "to 65535")


def test_serve_on_a_port_in_use_exits_1_with_one_line(model, tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = nlu("serve", "--model", model, "--port", port,
                     "--domain", Path(__file__).parents[2] / "data", cwd=tmp_path)
    assert_error(result, 1, f"cannot listen on 127.0.0.1:{port}: Address already in use")


@pytest.mark.parametrize("command", ["serve", "predict"])
def test_a_model_path_in_a_symlink_loop_is_one_line(command, tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    arguments = ["--model", tmp_path / "a"] + (["halo"] if command == "predict" else [])
    result = nlu(command, *arguments, cwd=tmp_path)
    assert_error(result, 1, "a: not a usable path: symlink loop")
