"""Personal data pushed through every endpoint of a real ``nlu serve`` reaches neither the
database files nor the server's log, in any form Indonesian customers write it."""

import json
import re
import sqlite3
import unicodedata

import httpx

from .conftest import WORKFLOW_ADMIN_TOKEN

#: Raw values in the forms customers write them (each must vanish everywhere).
RAW_VALUES = [
    "081234567801", "0812-3456-7802", "0812 3456 7803", "+6281234567804",
    "+62 812-3456-7805", "+62 812 3456 7806", "62812-3456-7807", "0812.3456.7808",
    "0812/3456/7820", "(0812) 3456 7809", "(+62) 812-3456-7810", "+62 (812) 3456-7811",
    "+62 0812 3456 7812", "０８１２３４５６７８１３", "0812\u200b3456\u200b7814",
    "0 8 1 2 3 4 5 6 7 8 1 5", "(021) 555-1211", "021-5551212", "0274 123456",
    "+62 21 5551213",
    "budi.santoso01@gmail.com", "siti+toko02@mail.co.id", "rina03＠gmail.com",
    "dewi04(at)yahoo(dot)com", "agus05 [at] mail [dot] co [dot] id", "eko06 at gmail dot com",
    "3174012345678901", "32.01.23.456789.0004", "3201-23-456789-0005", "3201 2345 6789 0006",
    "4111 1111 1111 1111", "5500-0000-0000-0004", "4111.1111.1111.1111",
    "3782 822463 10005", "cvv 987", "exp 11/29",
    "rek bca 1234567890", "rekening 123-456-7891", "norek 9876543210", "rek 100.200.300.400",
]
ADMIN = {"Authorization": f"Bearer {WORKFLOW_ADMIN_TOKEN}"}


def _digits(value):
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", value))


def _forms(value):
    """What must not appear: the value as written, and its digits when they identify."""
    forms = {value, value.replace("\u200b", "")}
    digits = _digits(value)
    if len(digits) >= 8:
        forms.add(digits)
    if "@" in value or "(at)" in value or " at " in value or "＠" in value:
        forms.add(re.split(r"\s*(?:@|＠|\(at\)|\[at\]| at )\s*", value)[0].split()[-1])
    return forms


def test_no_raw_personal_value_reaches_the_database_or_the_log(nlu_process, e2e_model_dir,
                                                                tmp_path):
    folder = tmp_path / "db"
    server = nlu_process(e2e_model_dir, f"sqlite:///{folder}/nlu.db", NLU_ACCESS_LOG="true")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for number, value in enumerate(RAW_VALUES):
            text = f"tolong bantu, data saya {value} ya kak"
            parsed = http.post("/v1/parse", json={"text": text})
            assert parsed.status_code == 200, parsed.text
            message_id = parsed.json()["message_id"]
            assert http.post("/v1/parse/batch", json={"texts": [text, "halo"]}).status_code \
                == 200
            assert http.post("/model/parse", json={"text": text}).status_code == 200
            assert http.post("/v1/chat", json={"session_id": f"c{number}",
                                               "text": text}).status_code == 200
            assert http.post("/v1/feedback", json={"message_id": message_id,
                                                   "source": "agent",
                                                   "comment": f"cek {value}"}).status_code == 201
            # A path carries what the client puts in it (a 404 is logged all the same).
            http.post(f"/v1/review/{value}", json={"label": None}, headers=ADMIN)
            session = _digits(value) if len(_digits(value)) >= 10 else None
            if session:  # a frontend that uses the customer's number as the session id
                assert http.post("/v1/chat", json={"session_id": f"wa-{session}",
                                                   "text": "halo"}).status_code == 200
    server.stop()

    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert "nlu.db" in files
    with sqlite3.connect(folder / "nlu.db") as db:
        stored = "\n".join(str(v) for query in (
            "SELECT text, session_id FROM predictions", "SELECT comment FROM feedback",
            "SELECT session_id FROM sessions") for row in db.execute(query) for v in row)
    log = server.log_text()
    access = [json.loads(line) for line in log.splitlines() if line.startswith('{"ts"')]
    # The access log was on.
    assert sum(line["path"] == "/v1/parse" for line in access) == len(RAW_VALUES)
    leaks = []
    for value in RAW_VALUES:
        for form in _forms(value):
            for where, content in [("log", log), ("stored texts", stored)] + [
                    (name, data.decode("utf-8", "replace")) for name, data in files.items()]:
                if form in content:
                    leaks.append((value, form, where))
    assert leaks == []
    # What CS leads need is kept: the texts are there, masked.
    assert stored.count("[PHONE]") >= 20 and "[EMAIL]" in stored and "[CARD]" in stored
