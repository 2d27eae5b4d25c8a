"""Scoring files of chat logs: inputs found, partitions in order, Parquet out; in this
process and on a local Dask cluster whose workers load the artifact once each."""

import json

import pandas as pd
import pytest

from nlu.errors import DataError, OutputError
from nlu.scoring import score_logs
from nlu.scoring.cluster import PLUGIN_NAME
from nlu.scoring.job import find_inputs

TEXTS = ["batalin pesanan dong", "halo kak", "cara lacak paket gimana", "resep nasi goreng",
         "mau refund dana saya", "hubungkan ke agen manusia dong"]


def intents(scored):
    return [None if pd.isna(v) else v for v in scored["intent"]]


def write_logs(folder, files=3, rows=40):
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        with open(folder / f"day-{number}.jsonl", "w", encoding="utf-8") as out:
            for row in range(rows):
                out.write(json.dumps({"message_id": f"{number}-{row}",
                                      "text": TEXTS[(number + row) % len(TEXTS)]}) + "\n")
    return sorted(folder.glob("*.jsonl"))


def test_logs_are_scored_in_input_order_into_parquet(saved_model_dir, fast_model, tmp_path):
    files = write_logs(tmp_path / "logs")

    summary = score_logs(saved_model_dir, [str(tmp_path / "logs" / "day-*.jsonl")],
                         tmp_path / "scored", blocksize=400)

    scored = pd.read_parquet(tmp_path / "scored")
    expected = pd.concat([pd.read_json(f, lines=True) for f in files], ignore_index=True)
    assert scored["message_id"].tolist() == expected["message_id"].tolist()
    assert intents(scored) == [p.intent for p in fast_model.predict(expected["text"].tolist())]
    assert summary.rows == 120 and summary.partitions > len(files)  # several per file
    assert summary.inputs == tuple(map(str, files)) and summary.workers == 1
    assert summary.model_version == saved_model_dir.name
    assert sorted(p.name for p in (tmp_path / "scored").iterdir())[0] == "part-00000.parquet"


def test_csv_and_parquet_logs_carry_their_columns(saved_model_dir, tmp_path):
    frame = pd.DataFrame({"ticket": ["007", "008"], "text": TEXTS[:2]})
    frame.to_csv(tmp_path / "logs.csv", index=False)
    frame.to_parquet(tmp_path / "logs.parquet")

    score_logs(saved_model_dir, tmp_path / "logs.csv", tmp_path / "from-csv")
    score_logs(saved_model_dir, tmp_path / "logs.parquet", tmp_path / "from-parquet")

    for folder in ("from-csv", "from-parquet"):
        scored = pd.read_parquet(tmp_path / folder)
        assert scored["ticket"].tolist() == ["007", "008"]  # read as written: not 7, 8
        assert scored["intent"].tolist() == ["cancel_order", "greeting"]


def test_the_workers_of_a_cluster_load_the_artifact_once_each(saved_model_dir, fast_model,
                                                              tmp_path):
    distributed = pytest.importorskip("distributed")
    files = write_logs(tmp_path / "logs", files=2, rows=60)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        summary = score_logs(saved_model_dir, [str(f) for f in files], tmp_path / "scored",
                             scheduler=cluster.scheduler_address, blocksize=300)
        with distributed.Client(cluster) as client:
            loads = client.run(lambda dask_worker: dask_worker.plugins[PLUGIN_NAME].loads)

    assert summary.workers == 2 and summary.partitions >= 6
    assert list(loads.values()) == [1, 1]  # never per partition
    scored = pd.read_parquet(tmp_path / "scored")
    texts = [t for f in files for t in pd.read_json(f, lines=True)["text"]]
    assert intents(scored) == [p.intent for p in fast_model.predict(texts)]


def test_inputs_that_match_nothing_or_mix_kinds_are_refused(tmp_path):
    (tmp_path / "a.csv").write_text("text\nhalo\n")
    (tmp_path / "b.jsonl").write_text('{"text": "halo"}\n')
    (tmp_path / "c.txt").write_text("halo\n")
    with pytest.raises(DataError) as error:
        find_inputs([str(tmp_path / "none-*.csv"), str(tmp_path / "missing.csv"),
                     str(tmp_path / "c.txt")])
    assert [p.message for p in error.value.problems] == [
        "no file matches", "no such file", "unknown file type (expected .csv, .jsonl, "
        ".parquet)"]
    with pytest.raises(DataError, match="mix CSV, JSONL and Parquet"):
        find_inputs([str(tmp_path / "a.csv"), str(tmp_path / "b.jsonl")])


def test_an_output_folder_with_files_is_never_written_over(saved_model_dir, tmp_path):
    (tmp_path / "logs.csv").write_text("text\nhalo\n")
    (tmp_path / "scored").mkdir()
    (tmp_path / "scored" / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="exists and is not an empty folder"):
        score_logs(saved_model_dir, tmp_path / "logs.csv", tmp_path / "scored")
    assert (tmp_path / "scored" / "keep.txt").read_text() == "mine"


def test_a_file_without_the_text_column_is_an_error_naming_it(saved_model_dir, tmp_path):
    (tmp_path / "logs.csv").write_text("body\nhalo\n")
    with pytest.raises(DataError, match=r"logs.csv: missing text column 'text' \(columns: "
                                        r"body\)"):
        score_logs(saved_model_dir, tmp_path / "logs.csv", tmp_path / "scored")
