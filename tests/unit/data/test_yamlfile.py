"""YAML with line numbers: the lines error messages point at."""

from nlu.data.yamlfile import line_of, read_yaml


def test_lines_of_keys_and_items(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\nitems:\n  - x\n  - y\n", encoding="utf-8")
    doc, problems = read_yaml(path)
    assert problems == []
    assert (line_of(doc, key="a"), line_of(doc, key="items")) == (1, 2)
    assert line_of(doc["items"], index=1) == 4
    assert line_of(doc, key="missing") is None
    assert line_of("not a node", key="a") is None


def test_problems_say_where(tmp_path):
    _, missing = read_yaml(tmp_path / "none.yaml")
    assert [p.message for p in missing] == ["no such file"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    _, problems = read_yaml(bad)
    assert problems[0].path == str(bad) and problems[0].line is not None
    assert problems[0].message.startswith("invalid YAML: ")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert read_yaml(binary)[1][0].message.startswith("cannot read file: ")
