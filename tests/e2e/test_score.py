"""``nlu score`` as an analyst runs it, in this process and on a two-worker local Dask
cluster: row for row the intents ``nlu predict`` gives on the same messages."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.server import free_port

NLU = Path(sys.executable).with_name("nlu")
COMMAND = [str(NLU)] if NLU.exists() else [sys.executable, "-m", "training.cli"]
ROOT = Path(__file__).resolve().parents[2]
PHONE = "0812-3456-7890"


def nlu(*args, status=0):
    result = subprocess.run(COMMAND + [str(a) for a in args], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture(scope="module")
def chat_logs(tmp_path_factory):
    """Three days of logs (JSON lines) made from the test set's messages, a phone number in
    some, and the same messages in one file for ``nlu predict``."""
    folder = tmp_path_factory.mktemp("logs")
    texts = [json.loads(line)["text"] for line in (ROOT / "data" / "test_id.jsonl").open()]
    rows = [{"message_id": f"m{i:05d}", "channel": "app" if i % 2 else "web",
             "text": texts[i % len(texts)] + (f" wa {PHONE}" if i % 7 == 0 else "")}
            for i in range(3000)]
    for day in range(3):
        with open(folder / f"2026-11-0{day + 1}.jsonl", "w", encoding="utf-8") as out:
            for row in rows[day * 1000:(day + 1) * 1000]:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(folder / "all.jsonl", "w", encoding="utf-8") as out:
        out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return folder, rows


@pytest.fixture(scope="module")
def predicted(chat_logs, e2e_model_dir, tmp_path_factory):
    folder, _ = chat_logs
    target = tmp_path_factory.mktemp("predicted")
    nlu("predict", "--model", e2e_model_dir, "--input", folder / "all.jsonl", "--output",
        target / "p.jsonl")
    return [json.loads(line) for line in (target / "p.jsonl").open(encoding="utf-8")]


def assert_same_as_predict(output, rows, predicted):
    scored = pd.read_parquet(output)
    assert scored["message_id"].tolist() == [r["message_id"] for r in rows]
    assert scored["channel"].tolist() == [r["channel"] for r in rows]
    assert [None if pd.isna(v) else v for v in scored["intent"]] == [
        p["intent"] for p in predicted]
    assert scored["confidence"].tolist() == [p["confidence"] for p in predicted]
    assert [None if pd.isna(v) else v for v in scored["fallback"]] == [
        p["fallback"] for p in predicted]
    assert not scored["text"].str.contains(PHONE, regex=False).any()


def test_score_in_process_equals_predict_row_for_row(chat_logs, predicted, e2e_model_dir,
                                                     tmp_path):
    folder, rows = chat_logs
    result = nlu("score", "--model", e2e_model_dir, "--input", folder / "2026-11-*.jsonl",
                 "--output", tmp_path / "scored")

    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["workers"]) == (3000, 1)
    assert summary["messages_per_s"] > 0
    assert_same_as_predict(tmp_path / "scored", rows, predicted)


def test_score_on_a_two_worker_cluster_equals_predict_row_for_row(chat_logs, predicted,
                                                                  e2e_model_dir, tmp_path):
    distributed = pytest.importorskip("distributed")
    folder, rows = chat_logs
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = nlu("score", "--model", e2e_model_dir, "--input", folder / "2026-11-*.jsonl",
                     "--output", tmp_path / "scored", "--scheduler", cluster.scheduler_address)

    assert json.loads(result.stdout)["workers"] == 2
    assert_same_as_predict(tmp_path / "scored", rows, predicted)


def test_an_unreachable_scheduler_or_an_empty_text_is_one_error_line(chat_logs, e2e_model_dir,
                                                                      tmp_path):
    folder, _ = chat_logs
    unreachable = nlu("score", "--model", e2e_model_dir, "--input", folder / "all.jsonl",
                      "--output", tmp_path / "a", "--scheduler",
                      f"tcp://127.0.0.1:{free_port()}", "--scheduler-timeout", "1", status=1)
    (tmp_path / "bad.csv").write_text("message_id,text\nx1,halo\nx2,\n", encoding="utf-8")
    empty = nlu("score", "--model", e2e_model_dir, "--input", tmp_path / "bad.csv",
                "--output", tmp_path / "b", status=2)

    assert unreachable.stderr.startswith("error: cannot reach the Dask scheduler at ")
    assert empty.stderr == (f"error: {tmp_path / 'bad.csv'}: 1 empty or missing texts in "
                            "column 'text' (the first in the row {'message_id': 'x2'})\n")
