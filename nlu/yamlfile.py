"""YAML files read with line numbers, for error messages that say where."""

__all__ = ["read_yaml", "line_of", "bilingual"]

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .errors import Problem

#: Every text shown to customers exists in these languages.
TEXT_LANGUAGES = ("id", "en")


def read_yaml(path):
    """Return ``(document, problems)``; the document keeps line numbers (round-trip)."""
    name = str(path)
    try:
        return YAML(typ="rt").load(Path(path).read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return None, [Problem(name, None, "no such file")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, None, f"cannot read file: {exc}")]
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(name, line, f"invalid YAML: {getattr(exc, 'problem', exc)}")]


def line_of(node, key=None, index=None):
    """1-based line of a mapping key, a sequence item, or the node itself (None if unknown)."""
    try:
        if key is not None:
            return node.lc.key(key)[0] + 1
        if index is not None:
            return node.lc.item(index)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def bilingual(parent, key, path, what, kind=str):
    """Read ``parent[key]`` as ``{"id": ..., "en": ...}``; return ``(value, problems)``.

    ``kind`` is the type of each language's value (``str`` or ``list`` of str).
    """
    node = parent.get(key) if isinstance(parent, dict) else None
    line = line_of(parent, key=key) or line_of(parent)
    if not isinstance(node, dict):
        return None, [Problem(str(path), line, f"{what}: expected texts for 'id' and 'en'")]
    problems, value = [], {}
    for lang in TEXT_LANGUAGES:
        text = node.get(lang)
        ok = (isinstance(text, str) and text.strip()) if kind is str else (
            isinstance(text, list) and all(isinstance(t, str) and t.strip() for t in text))
        if not ok:
            problems.append(Problem(str(path), line_of(node, key=lang) or line,
                                    f"{what}: missing or empty {lang!r} text"))
        else:
            value[lang] = str(text).strip() if kind is str else [str(t) for t in text]
    extra = [k for k in node if k not in TEXT_LANGUAGES]
    problems += [Problem(str(path), line_of(node, key=k), f"{what}: unknown language {k!r}")
                 for k in extra]
    return (value if not problems else None), problems
