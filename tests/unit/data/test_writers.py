"""Writing data for other tools: each format reads back into the same examples."""

import csv
import json
import os

import pytest

from nlu.data.dataset import Dataset, Example
from nlu.data.readers import load_dataset
from nlu.data.writers import EXPORT_FORMATS, export_dataset
from nlu.errors import OutputError


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def write(name, text):
    with open(name, "w", encoding="utf-8") as handle:
        handle.write(text)
    return name


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_then_read_keeps_texts_and_labels(fmt, tiny_dataset):
    name = {"rasa": "nlu.yml", "csv": "out.csv", "jsonl": "out.jsonl", "yaml": "out.yaml"}[fmt]
    export_dataset(tiny_dataset, name, fmt)
    again = load_dataset(name)
    assert sorted(zip(again.texts, map(str, again.labels))) == \
        sorted(zip(tiny_dataset.texts, map(str, tiny_dataset.labels)))
    assert None in again.labels  # out of scope survives each format


def test_yaml_export_keeps_routes_and_languages(tiny_dataset):
    export_dataset(tiny_dataset, "out.yaml", "yaml")
    again = load_dataset("out.yaml")
    assert again.intent_routes == tiny_dataset.intent_routes
    assert [e.lang for e in again.examples] == [e.lang for e in tiny_dataset.examples]


def test_rasa_export_keeps_brackets_from_becoming_annotations():
    write("data.csv", "text,intent\nkode [PROMO](x) gk bisa,voucher\nhalo,greeting\n")
    export_dataset(load_dataset("data.csv"), "nlu.yml", "rasa")
    assert load_dataset("nlu.yml").texts == ["kode (PROMO)(x) gk bisa", "halo"]


def test_unknown_export_format(tiny_dataset):
    with pytest.raises(ValueError, match=r"unknown export format 'xml' \(expected one of rasa, "
                                       r"csv, jsonl, yaml\)"):
        export_dataset(tiny_dataset, "out.xml", "xml")




def test_csv_and_jsonl_write_out_of_scope_as_an_empty_label(tiny_dataset):
    export_dataset(tiny_dataset, "out.csv", "csv")
    export_dataset(tiny_dataset, "out.jsonl", "jsonl")
    with open("out.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    lines = [json.loads(line) for line in open("out.jsonl", encoding="utf-8")]
    assert list(rows[0]) == ["text", "intent", "lang"]
    oos = [e.text for e in tiny_dataset.examples if e.intent is None]
    assert [r["text"] for r in rows if r["intent"] == ""] == oos
    assert [r["text"] for r in lines if r["intent"] is None] == oos
    assert lines[0] == {"text": "halo kak", "intent": "greeting", "lang": "id"}


def test_rasa_export_names_out_of_scope_as_rasa_does(tiny_dataset):
    export_dataset(tiny_dataset, "nlu.yml", "rasa")
    text = open("nlu.yml", encoding="utf-8").read()
    assert text.startswith('version: "3.1"\nnlu:\n- intent: greeting\n  examples: |\n')
    assert "- intent: out_of_scope\n" in text


def test_a_file_that_cannot_be_written_is_an_output_error(tiny_dataset, tmp_path):
    os.mkdir("folder")
    with pytest.raises(OutputError, match="folder: cannot write: Is a directory"):
        export_dataset(tiny_dataset, "folder", "csv")


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralized_and_read_back(tmp_path):
    texts = ["=HYPERLINK(\"http://x\")", "+62 812", "-5 hari", "@admin tolong", "\tcuaca",
             "'=sudah dikutip", "paket blm nyampe"]
    dataset = Dataset(tuple(Example(t, "greeting", "id") for t in texts))
    path = tmp_path / "out.csv"
    export_dataset(dataset, path, "csv")
    cells = [row.split(",")[0].strip('"') for row in path.read_text().splitlines()[1:]]
    assert all(not c.startswith(("=", "+", "-", "@", "\t")) for c in cells)
    assert [e.text for e in load_dataset(path).examples] == texts


@pytest.mark.parametrize("fmt", ["yaml", "rasa", "csv", "jsonl"])
def test_a_review_export_stays_marked_as_one(fmt, tmp_path):
    dataset = Dataset((Example("halo kak", "greeting", "id", origin="review"),
                       Example("cuaca", None, "id", origin="review")))
    path = tmp_path / f"reviewed.{'yml' if fmt == 'rasa' else fmt}"
    export_dataset(dataset, path, fmt)
    assert {e.origin for e in load_dataset(path).examples} == {"review"}


def test_training_data_exports_carry_no_mark(tiny_dataset, tmp_path):
    export_dataset(tiny_dataset, tmp_path / "t.csv", "csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[0] == "text,intent,lang"
    export_dataset(tiny_dataset, tmp_path / "t.yaml", "yaml")
    assert "source:" not in (tmp_path / "t.yaml").read_text()
