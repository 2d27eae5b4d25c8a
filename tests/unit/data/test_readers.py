"""Reading data files; bad files must give the exact ``path:line: message`` of each problem."""

import json
import textwrap

import pandas as pd
import pytest

from nlu.data.readers import iter_texts, load_dataset, read_file
from nlu.errors import DataError


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Relative file names keep the expected messages short and exact."""
    monkeypatch.chdir(tmp_path)


def write(name, text):
    with open(name, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(text))
    return name


def problems_of(paths, **kwargs):
    with pytest.raises(DataError) as caught:
        load_dataset(paths, **kwargs)
    return [str(p) for p in caught.value.problems]


GOOD_YAML = """\
    version: 1
    intents:
      - id: greeting
        route: answer
        examples:
          id: ["halo kak", "selamat pagi"]
          en: ["hello"]
      - id: cancel_order
        route: invoice_chat
        examples:
          - "batalin pesanan"
          - "cancel my order"
    out_of_scope:
      - "resep nasi goreng"
    """


# -- the project's YAML --------------------------------------------------------------------


def test_project_yaml_keeps_lines_languages_and_routes():
    data = load_dataset(write("data.yaml", GOOD_YAML))
    rows = [(e.text, e.intent, e.lang, e.line) for e in data.examples]
    assert rows == [
        ("halo kak", "greeting", "id", 6),
        ("selamat pagi", "greeting", "id", 6),
        ("hello", "greeting", "en", 7),
        ("batalin pesanan", "cancel_order", None, 11),
        ("cancel my order", "cancel_order", None, 12),
        ("resep nasi goreng", None, None, 14),
    ]
    assert data.intent_routes == {"greeting": "answer", "cancel_order": "invoice_chat"}
    assert data.intents["greeting"].line == 3
    assert {e.path for e in data.examples} == {"data.yaml"}


def test_every_problem_of_a_file_is_reported_at_once():
    write("data.yaml", """\
        version: 1
        colour: red
        intents:
          - id: cancel_order
            route: invoice_chat
            examples:
              id:
                - "batalin pesanan"
                - "Batalin   pesanan!!"
                - ""
              xx:
                - "foo"
          - id: track_order
            route: teleport
            lables: x
            examples:
              - "batalin pesanan"
              - "dimana paket saya"
          - id: greeting
            route: answer
        """)
    problems = problems_of("data.yaml")
    assert sorted(problems) == sorted([
        "data.yaml:2: unknown key 'colour' (expected one of intents, out_of_scope, routes, "
        "source, version)",
        "data.yaml:9: intent 'cancel_order': duplicate example 'Batalin   pesanan!!' "
        "(first at data.yaml:8)",
        "data.yaml:10: intent 'cancel_order': empty text",
        "data.yaml:11: intent 'cancel_order': unknown language 'xx' (expected one of id, en, "
        "mixed)",
        "data.yaml:14: intent 'track_order': unknown route 'teleport' (expected one of answer, "
        "invoice_chat, live_chat, resolution_center)",
        "data.yaml:15: unknown key 'lables' in intent (expected one of description, examples, "
        "id, route)",
        "data.yaml:17: intent 'track_order': example 'batalin pesanan' is also labelled "
        "intent 'cancel_order' at data.yaml:8",
        "data.yaml:19: intent 'greeting' has no examples",
    ])


def test_routes_declared_by_the_file_replace_the_default_ones():
    write("data.yaml", """\
        routes: [bot, human]
        intents:
          - id: greeting
            route: answer
            examples: ["halo"]
          - id: cancel_order
            route: human
            examples: ["batal"]
        """)
    assert problems_of("data.yaml") == [
        "data.yaml:4: intent 'greeting': unknown route 'answer' (expected one of bot, human)"
    ]


@pytest.mark.parametrize(
    "intent_id, message",
    [
        ("CancelOrder", "intent id 'CancelOrder' must be snake_case ASCII"),
        ("batal-pesanan", "intent id 'batal-pesanan' must be snake_case ASCII"),
    ],
)
def test_intent_ids_are_snake_case(intent_id, message):
    write("data.yaml", f"""\
        intents:
          - id: greeting
            examples: ["halo"]
          - id: {intent_id}
            examples: ["batal"]
        """)
    assert problems_of("data.yaml") == [f"data.yaml:4: {message}"]


def test_intent_declared_twice():
    write("data.yaml", """\
        intents:
          - id: greeting
            examples: ["halo"]
          - id: greeting
            examples: ["hai"]
        """)
    assert problems_of("data.yaml") == [
        "data.yaml:4: intent 'greeting' is declared twice (first at line 2)"
    ]


def test_example_that_is_not_text():
    write("data.yaml", """\
        intents:
          - id: greeting
            examples:
              - "halo"
              - {text: hai}
          - id: thanks_goodbye
            examples: ["makasih"]
        """)
    assert problems_of("data.yaml") == [
        "data.yaml:5: intent 'greeting': example must be text, got {'text': 'hai'}"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("""\
            intents:
              - id: greeting
                examples:
                  - "halo"
                - "hai"
            """, "data.yaml:5: invalid YAML: expected <block end>, but found '-'"),
        ("""\
            intents:
              - id: greeting
                examples: {id: ["halo"]
              - id: thanks
            """, "data.yaml:4: invalid YAML: expected ',' or '}', but got '-'"),
    ],
)
def test_invalid_yaml_names_its_line(text, expected):
    write("data.yaml", text)
    assert problems_of("data.yaml") == [expected]


def test_yaml_that_is_not_a_mapping():
    write("data.yaml", "- halo\n- hai\n")
    assert problems_of("data.yaml") == [
        "data.yaml:1: expected a mapping with 'intents' or 'nlu'"
    ]


def test_missing_file_and_unknown_file_type():
    write("notes.txt", "halo\n")
    assert problems_of(["nope.yaml", "notes.txt"]) == [
        "nope.yaml: no such file",
        "notes.txt: unknown file type '.txt' (expected .yaml, .yml, .csv, .jsonl, .parquet)",
    ]


def test_no_file_at_all():
    assert problems_of([]) == ["<arguments>: no data file given"]


def test_label_not_in_the_taxonomy_a_yaml_file_declares():
    write("data.yaml", GOOD_YAML)
    write("extra.csv", """\
        text,intent
        selamat siang,greeting
        kapan refund masuk,refund_return
        cuaca besok,
        """)
    assert problems_of(["data.yaml", "extra.csv"]) == [
        "extra.csv:3: label 'refund_return' is not an intent of the taxonomy declared by the "
        "data"
    ]


def test_files_are_combined():
    write("data.yaml", GOOD_YAML)
    write("extra.csv", "text,intent\nselamat siang,greeting\n")
    data = load_dataset(["data.yaml", "extra.csv"])
    assert len(data) == 7
    assert data.examples[-1].location == "extra.csv:2"
    assert data.intent_routes["greeting"] == "answer"


# -- tables --------------------------------------------------------------------------------


def test_csv_with_custom_columns():
    write("data.csv", """\
        id,message,label,lang
        1,halo kak,greeting,id
        2,"batalin, pesanan",cancel_order,
        3,resep rendang,,en
        """)
    data = load_dataset("data.csv", text_column="message", label_column="label")
    assert [(e.text, e.intent, e.lang, e.line) for e in data.examples] == [
        ("halo kak", "greeting", "id", 2),
        ("batalin, pesanan", "cancel_order", None, 3),
        ("resep rendang", None, "en", 4),
    ]


def test_csv_line_numbers_count_physical_lines():
    write("data.csv", 'text,intent\n"halo\nkak",greeting\n"",greeting\n')
    assert problems_of("data.csv") == ["data.csv:4: empty text"]


def test_csv_missing_column_lists_the_columns_found():
    write("data.csv", "message,label\nhalo,greeting\n")
    assert problems_of("data.csv") == [
        "data.csv:1: missing column 'text' (found: label, message)",
        "data.csv:1: missing column 'intent' (found: label, message)",
    ]
    assert problems_of("data.csv", label_column="label") == [
        "data.csv:1: missing column 'text' (found: label, message)",
    ]


def test_csv_unknown_route_and_language():
    write("data.csv", "text,intent,route,lang\nhalo,greeting,email,jv\nbatal,cancel,,id\n")
    assert sorted(problems_of("data.csv")) == [
        "data.csv:2: unknown language 'jv' (expected one of id, en, mixed)",
        "data.csv:2: unknown route 'email'",
    ]


def test_empty_csv():
    write("data.csv", "text,intent\n")
    assert problems_of("data.csv") == ["data.csv: no rows"]


def test_csv_that_is_not_utf8():
    with open("data.csv", "wb") as handle:
        handle.write(b"text,intent\n\xff\xfe halo,greeting\n")
    (problem,) = problems_of("data.csv")
    assert problem.startswith("data.csv: cannot read file: 'utf-8' codec can't decode byte 0xff")


def test_duplicates_in_a_csv_are_warnings_and_the_data_loads():
    write("data.csv", "text,intent\nhalo,greeting\nHalo!,greeting\nbatal,cancel_order\n")
    data = load_dataset("data.csv")
    assert len(data) == 3
    assert [str(w) for w in data.warnings] == [
        "data.csv:3: intent 'greeting': duplicate example 'Halo!' (first at data.csv:2)"
    ]


def test_jsonl_with_custom_columns_and_null_labels():
    rows = [{"q": "halo", "y": "greeting"}, {"q": "batal", "y": "cancel_order"},
            {"q": "cuaca", "y": None}, {"q": "lelucon", "y": ""},
            {"q": "siapa kamu", "y": "out_of_scope"}]
    with open("data.jsonl", "w", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in rows) + "\n\n")
    data = load_dataset("data.jsonl", text_column="q", label_column="y")
    assert data.labels == ["greeting", "cancel_order", None, None, None]
    assert [e.line for e in data.examples] == [1, 2, 3, 4, 5]


def test_jsonl_problems_name_their_lines():
    write("data.jsonl", """\
        {"text": "halo", "intent": "greeting"}
        {bad json
        {"text": "", "intent": "greeting"}
        ["not", "an", "object"]
        {"intent": "greeting"}
        {"text": "batal", "intent": "cancel_order"}
        """)
    assert problems_of("data.jsonl") == [
        "data.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes",
        "data.jsonl:3: empty text",
        "data.jsonl:4: expected a JSON object",
        "data.jsonl:5: missing column 'text'",
    ]


def test_parquet_with_custom_columns_and_null_labels():
    pd.DataFrame({"utterance": ["halo", "batal", "cuaca"],
                  "category": ["greeting", "cancel_order", None]}).to_parquet("data.parquet")
    data = load_dataset("data.parquet", text_column="utterance", label_column="category")
    assert data.texts == ["halo", "batal", "cuaca"]
    assert data.labels == ["greeting", "cancel_order", None]
    assert [e.line for e in data.examples] == [1, 2, 3]  # rows, counting from 1


def test_parquet_missing_column():
    pd.DataFrame({"text": ["halo"], "label": ["greeting"]}).to_parquet("data.parquet")
    assert problems_of("data.parquet") == [
        "data.parquet:1: missing column 'intent' (found: label, text)"
    ]


def test_damaged_parquet():
    write("data.parquet", "not parquet at all")
    (problem,) = problems_of("data.parquet")
    assert problem.startswith("data.parquet: unreadable Parquet file: ")


# -- Rasa nlu.yml --------------------------------------------------------------------------

RASA = """\
    version: "3.1"
    nlu:
    - intent: track_order
      examples: |
        - lacak paket [INV/20261103/MPL/3456789012](invoice) dong
        - where is my [package]{"entity": "item"}

        - cek resi saya
    - synonym: paket
      examples: |
        - pkt
    - intent: out_of_scope
      examples: |
        - cuaca hari ini gimana
    - intent: greeting
      examples: |
        - halo kak
    """


def test_rasa_nlu_yml():
    data = load_dataset(write("nlu.yml", RASA))
    assert [(e.text, e.intent, e.line) for e in data.examples] == [
        ("lacak paket INV/20261103/MPL/3456789012 dong", "track_order", 5),
        ("where is my package", "track_order", 6),
        ("cek resi saya", "track_order", 8),
        ("cuaca hari ini gimana", None, 14),
        ("halo kak", "greeting", 17),
    ]
    assert data.intents == {}  # Rasa files declare no taxonomy


def test_rasa_bad_lines():
    write("nlu.yml", """\
        nlu:
        - intent: greeting
          examples: |
            - halo
            bad line
        - intent: thanks
          examples: [makasih]
        """)
    _, problems = read_file("nlu.yml")
    assert [str(p) for p in problems] == [
        "nlu.yml:5: intent 'greeting': expected '- example', got 'bad line'",
        "nlu.yml:7: intent 'thanks': 'examples' must be a block of '- text' lines",
    ]


# -- streaming texts for batch prediction --------------------------------------------------


def test_iter_texts_batches_in_order():
    write("in.jsonl", "".join(json.dumps({"message": f"pesan {i}"}) + "\n" for i in range(5)))
    assert list(iter_texts("in.jsonl", text_column="message", batch_size=2)) == [
        ["pesan 0", "pesan 1"], ["pesan 2", "pesan 3"], ["pesan 4"]]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("in.csv", "msg\nhalo\n", "in.csv:2: missing text column 'text'"),
        ("in.jsonl", '{"text": "halo"}\n{"text": 5}\n', "in.jsonl:2: missing text column 'text'"),
        ("in.jsonl", '{"text": "halo"}\n{"text": "  "}\n', "in.jsonl:2: empty text"),
        ("in.jsonl", '{"text": "halo"}\n{oops}\n',
         "in.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes"),
        ("in.txt", "halo\n", "in.txt: expected a .jsonl or .csv file"),
    ],
)
def test_iter_texts_problems(name, content, expected):
    write(name, content)
    with pytest.raises(DataError) as caught:
        list(iter_texts(name))
    assert [str(p) for p in caught.value.problems] == [expected]


def test_iter_texts_on_a_file_that_is_not_utf8():
    with open("in.csv", "wb") as handle:
        handle.write(b"text\n\xff halo\n")
    with pytest.raises(DataError, match=r"^in\.csv: cannot read file: 'utf-8' codec"):
        list(iter_texts("in.csv"))


def test_iter_texts_missing_file():
    with pytest.raises(DataError, match=r"^nope\.jsonl: no such file$"):
        list(iter_texts("nope.jsonl"))


def test_clinc_style_oos_label_reads_as_out_of_scope(tmp_path):
    path = tmp_path / "clinc.csv"
    path.write_text("text,intent\nwhat is the weather on mars,oos\nbook a flight,book_flight\n",
                    encoding="utf-8")
    dataset = load_dataset(path, require_examples=False)
    assert dataset.labels == [None, "book_flight"]


def test_a_csv_with_a_byte_order_mark_reads(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("text,intent\npaket blm nyampe,item_not_received\n".encode("utf-8-sig"))
    assert load_dataset(path).texts == ["paket blm nyampe"]


# -- review exports --------------------------------------------------------------------------

def test_a_review_export_is_marked_in_every_format(tmp_path):
    (tmp_path / "r.yaml").write_text("source: review\nintents:\n  - id: greeting\n"
                                     "    examples: [halo kak]\nout_of_scope: [cuaca]\n")
    (tmp_path / "r.yml").write_text('version: "3.1"\nnlu:\n- intent: greeting\n'
                                    "  metadata: {source: review}\n  examples: |\n"
                                    "    - halo kak\n")
    (tmp_path / "r.csv").write_text("text,intent,source\nhalo kak,greeting,review\n")
    (tmp_path / "r.jsonl").write_text('{"text": "halo kak", "intent": "greeting", '
                                      '"source": "review"}\n')
    for name in ("r.yaml", "r.yml", "r.csv", "r.jsonl"):
        dataset = load_dataset(tmp_path / name, require_examples=False)
        assert {e.origin for e in dataset.examples} == {"review"}, name
    (tmp_path / "t.csv").write_text("text,intent,source\nhalo kak,greeting,training\n")
    assert {e.origin for e in load_dataset(tmp_path / "t.csv").examples} == {None}


def test_an_unknown_source_in_yaml_is_reported_where_it_is(tmp_path):
    (tmp_path / "r.yaml").write_text("source: crowd\nintents:\n  - id: greeting\n"
                                     "    examples: [halo kak]\n")
    with pytest.raises(DataError) as error:
        load_dataset(tmp_path / "r.yaml")
    assert str(error.value) == (f"{tmp_path / 'r.yaml'}:1: unknown source 'crowd' "
                                "(expected one of training, review)")


def test_a_table_source_column_marks_only_review_rows(tmp_path):
    """Tables often carry a "source" column of their own (where a row was collected)."""
    (tmp_path / "r.csv").write_text("text,intent,source\nhalo kak,greeting,crowd\n"
                                    "batalin pesanan,cancel_order,review\n")
    dataset = load_dataset(tmp_path / "r.csv")
    assert [e.origin for e in dataset.examples] == [None, "review"]


def test_training_stops_on_a_contradicting_review_unless_told_which_wins(tmp_path):
    (tmp_path / "train.yaml").write_text("intents:\n  - id: greeting\n    examples:\n"
                                         "      - halo kak\n      - asdfghjkl\n"
                                         "  - id: thanks_goodbye\n    examples: [makasih]\n")
    (tmp_path / "reviewed.yaml").write_text("source: review\nout_of_scope:\n  - asdfghjkl\n")
    paths = [tmp_path / "train.yaml", tmp_path / "reviewed.yaml"]
    with pytest.raises(DataError) as error:
        load_dataset(paths)
    assert str(error.value) == (
        f"{paths[1]}:3: out-of-scope: reviewed example 'asdfghjkl' is also labelled intent "
        f"'greeting' at {paths[0]}:5 (fix one, or say which wins: prefer reviewed or training)")
    reviewed = load_dataset(paths, prefer="reviewed")
    assert {(e.text, e.intent) for e in reviewed.examples} == {
        ("halo kak", "greeting"), ("makasih", "thanks_goodbye"), ("asdfghjkl", None)}
    assert [p.severity for p in reviewed.warnings] == ["warning"]
    training = load_dataset(paths, prefer="training")
    assert ("asdfghjkl", "greeting") in {(e.text, e.intent) for e in training.examples}
    assert len(training) == 3
