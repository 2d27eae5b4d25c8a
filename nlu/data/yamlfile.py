"""YAML files read with line numbers, for error messages that say where."""

__all__ = ["read_yaml", "line_of"]

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..errors import Problem


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
