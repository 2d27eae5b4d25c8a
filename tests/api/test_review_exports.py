"""Review exports over HTTP and the CLI: training files that cannot poison training,
annotation tools' JSON, spreadsheet-safe CSV; and no personal data in the database."""

import json
import re
import sqlite3
import time
from pathlib import Path

from fastapi.testclient import TestClient

from nlu import load_dataset
from nlu.text.privacy import mask_text
from serve.app import create_app
from training.cli import main as nlu_main

from .reviewing import (  # noqa: F401  (fixtures)
    DATA,
    admin,
    decide,
    messages,
    parse,
    picks,
    unsampled,
)

TRAIN = DATA / "intents_id.yaml"


def export(client, format):
    response = client.get("/v1/review/export", params={"format": format},
                          headers=admin(client))
    assert response.status_code == 200, response.text
    return response


def test_training_exports_are_files_that_nlu_train_accepts(client, messages, picks, tmp_path,
                                                          capsys):
    truth = picks["misrouted"]
    decide(client, messages["misrouted"]["message_id"], truth["intent"])
    decide(client, messages["english"]["message_id"], messages["english"]["intent"])
    decide(client, messages["fallback"]["message_id"], None)
    expected = {(mask_text(picks["misrouted"]["text"], keep_invoices=True), truth["intent"]),
                (mask_text(picks["english"]["text"], keep_invoices=True),
                 messages["english"]["intent"]),
                (mask_text(picks["fallback"]["text"], keep_invoices=True), None)}
    for fmt, media, name in (("yaml", "application/yaml", "reviewed.yaml"),
                             ("rasa", "application/yaml", "reviewed.yml"),
                             ("csv", "text/csv", "reviewed.csv"),
                             ("jsonl", "application/jsonl", "reviewed.jsonl")):
        response = export(client, fmt)
        assert response.headers["content-type"].startswith(media)
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        path = tmp_path / name
        path.write_bytes(response.content)
        dataset = load_dataset(path)
        assert {(e.text, e.intent) for e in dataset.examples} == expected
        assert {e.origin for e in dataset.examples} == {"review"}
    out = tmp_path / "model"
    assert nlu_main(["train", "--data", str(TRAIN), "--data", str(tmp_path / "reviewed.yaml"),
                     "--profile", "fast", "--out", str(out)]) == 0
    assert (out / "manifest.json").is_file()
    # The CLI export gives the same file as the API.
    cli_out = tmp_path / "cli.yaml"
    capsys.readouterr()
    assert nlu_main(["review", "export", "--db", client.app.state.nlu.settings.database_url,
                     "--out", str(cli_out)]) == 0
    assert capsys.readouterr().err == f"wrote 3 reviewed messages to {cli_out}\n"
    assert cli_out.read_bytes() == (tmp_path / "reviewed.yaml").read_bytes()


def test_a_review_label_contradicting_the_training_data_stops_training(client, unsampled,
                                                                     tmp_path, capsys):
    # A training example, word for word, and a lead who says it is out of scope.
    dataset = load_dataset(TRAIN)
    trained = next(e for e in dataset.examples if e.intent == "greeting")
    decide(client, parse(client, trained.text)["message_id"], None)
    path = tmp_path / "reviewed.yaml"
    path.write_bytes(export(client, "yaml").content)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1)
                if trained.text in text)
    arguments = ["--data", str(TRAIN), "--data", str(path)]
    capsys.readouterr()
    assert nlu_main(["data", "validate", *arguments]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}:{line}: out-of-scope: reviewed example {trained.text!r} is also "
        f"labelled intent 'greeting' at {TRAIN}:{trained.line} (fix one, or say which wins: "
        "prefer reviewed or training)\n")
    out = tmp_path / "model"
    assert nlu_main(["train", *arguments, "--profile", "fast", "--out", str(out)]) == 2
    assert not out.exists()
    assert f"{path}:{line}: out-of-scope" in capsys.readouterr().err
    assert nlu_main(["data", "validate", *arguments, "--prefer", "reviewed"]) == 0
    assert (f"warning: {TRAIN}:{trained.line}: intent 'greeting': example {trained.text!r} "
            f"dropped: {path}:{line} labels it out-of-scope (prefer reviewed)"
            in capsys.readouterr().err)


def test_disagreements_are_held_back(client, messages, capsys):
    lead = {"Authorization": "Bearer " + _lead(client, "Sari", capsys)}
    message_id = messages["fallback"]["message_id"]
    decide(client, message_id, None)
    decide(client, message_id, "greeting", lead)
    response = export(client, "jsonl")
    assert response.text == "" and response.headers["x-held-back"] == "1"
    capsys.readouterr()
    assert nlu_main(["review", "export", "--db", client.app.state.nlu.settings.database_url,
                     "--format", "csv", "--out", "/dev/null"]) == 0
    assert f"warning: review: message {message_id}" in capsys.readouterr().err


def _lead(client, name, capsys):
    assert nlu_main(["review", "add-lead", name, "--db",
                     client.app.state.nlu.settings.database_url]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_csv_cells_are_never_formulas(client, unsampled):
    message_id = parse(client, "=HYPERLINK(\"http://evil\",\"klik\") refund blm masuk")[
        "message_id"]
    decide(client, message_id, "refund_return")
    rows = export(client, "csv").text.splitlines()
    assert rows[1].startswith('"\'=HYPERLINK(')


def test_annotation_tool_exports(client, messages, picks):
    truth = picks["misrouted"]
    decide(client, messages["misrouted"]["message_id"], truth["intent"])
    version = client.get("/v1/model").json()["version"]
    (record,) = json.loads(export(client, "argilla").text)
    assert record["id"] == messages["misrouted"]["message_id"]
    assert record["fields"] == {"text": mask_text(truth["text"], keep_invoices=True)}
    assert record["suggestions"]["intent"]["value"] == messages["misrouted"]["intent"]
    assert record["suggestions"]["intent"]["agent"] == version
    assert [r["value"] for r in record["responses"]["intent"]] == [truth["intent"]]
    (task,) = json.loads(export(client, "label-studio").text)
    assert task["data"]["text"] == record["fields"]["text"]
    assert task["annotations"][0]["result"][0]["value"] == {"choices": [truth["intent"]]}
    assert task["predictions"][0]["model_version"] == version


def test_exports_with_nothing_reviewed(client):
    assert export(client, "csv").text == "text,intent,lang\n"
    assert json.loads(export(client, "argilla").text) == []
    assert client.get("/v1/review/export", params={"format": "xml"},
                      headers=admin(client)).status_code == 422


# -- personal data never reaches the database ---------------------------------------------------

PII = {
    "phone": "081234567890",
    "phone +62 spaces": "+62 812 3456 7891",
    "phone +62 dashes": "+62-813-9876-5432",
    "email": "sitinurhaliza77@gmail.com",
    "nik": "3174012345678901",
    "account": "5271928374",
    "card": "4111 1111 1111 1111",
}


def forms(value):
    """The value as sent, and its digits alone (a store must not keep either)."""
    digits = re.sub(r"\D", "", value)
    return {value, value.split("@")[0]} | ({digits} if len(digits) >= 8 else set())


FORBIDDEN = set().union(*(forms(v) for v in PII.values()))


def test_personal_data_never_reaches_the_database(make_settings, unsampled):
    p = PII
    texts = [
        ("/v1/parse", {"text": f"hp saya {p['phone']}, paket blm nyampe"}),
        ("/v1/parse", {"text": f"rek bca {p['account']} a.n. siti, refund blm masuk"}),
        ("/v1/parse/batch", {"texts": [f"kartu {p['card']} ditolak",
                                       f"email saya {p['email']}"]}),
        ("/v1/chat", {"session_id": "s-pii", "text": f"nik {p['nik']}, akun diblokir"}),
        ("/v1/chat", {"session_id": "s-pii", "text": f"wa {p['phone +62 spaces']} ya kak"}),
        ("/model/parse", {"text": f"telp {p['phone +62 dashes']} tolong ganti nomor"}),
    ]
    settings = make_settings()
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    with TestClient(create_app(settings)) as client:
        message_ids = []
        for url, body in texts:
            response = client.post(url, json=body)
            assert response.status_code == 200, response.text
            data = response.json()
            message_ids += [r["message_id"] for r in data.get("results", [data])
                            if "message_id" in r]
        comment = ("tolong telp " + ", ".join(p.values()) + " INV/20261103/MPL/3456789012")
        response = client.post("/v1/feedback", json={"message_id": message_ids[0],
                                                     "source": "customer", "comment": comment})
        assert response.status_code == 201
        decide(client, message_ids[0], "item_not_received")
        _wait_for_rows(path, "predictions", len(texts) + 1)

        # What a lead sees is masked too.
        seen = client.get("/v1/review", params={"limit": 500}, headers=admin(client)).text
        seen += client.get("/v1/review/export", headers=admin(client)).text
        assert not [v for v in FORBIDDEN if v in seen]
        _assert_nothing_stored(path)
    _assert_nothing_stored(path)  # after shutdown: checkpointed into the main file


def _wait_for_rows(path, table, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(path) as db:
            found = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if found >= count or time.monotonic() > deadline:
            assert found == count
            return
        time.sleep(0.05)


def _assert_nothing_stored(path):
    files = [f for f in path.parent.iterdir() if f.name.startswith(path.name)]
    assert path in files
    for file in files:  # nlu.db, nlu.db-wal, nlu.db-shm
        content = file.read_bytes()
        assert not [v for v in FORBIDDEN if v.encode() in content], file
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert {"predictions", "feedback", "sessions", "reviews"} <= set(tables)
        cells = [str(value) for table in tables
                 for row in db.execute(f'SELECT * FROM "{table}"') for value in row]
        texts = dict(db.execute("SELECT endpoint, text FROM predictions").fetchall())
        comment = db.execute("SELECT comment FROM feedback").fetchone()[0]
    assert not [v for v in FORBIDDEN if any(v in cell for cell in cells)]
    # The masked texts are there, with their placeholders.
    assert texts["model_parse"] == "telp [PHONE] tolong ganti nomor"
    assert texts["chat"] in ("nik [NIK], akun diblokir", "wa [PHONE] ya kak")
    assert comment == ("tolong telp [PHONE], [PHONE], [PHONE], [EMAIL], [NIK], [ACCOUNT], "
                       "[CARD] INV/20261103/MPL/3456789012")
