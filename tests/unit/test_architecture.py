"""The library's layers (docs/architecture.md): no module imports from a layer above its own
or from a sibling package of its layer, and the library imports nothing of its front ends."""

import ast
from pathlib import Path

NLU = Path(__file__).resolve().parents[2] / "nlu"
LAYERS = {"vocabulary": 1, "errors": 1, "text": 2, "data": 3, "model": 4, "assistant": 5,
          "reports": 5, "scoring": 5, "feedback": 6}
FRONT_ENDS = ("serve", "training", "benchmarks", "fastapi", "uvicorn", "argparse")


def _imports(path, root):
    """``(nlu parts imported, other top-level modules imported)`` by the module ``path``."""
    package = path.parent.relative_to(root.parent).parts  # ("nlu", "model")
    parts, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            target = list(package[:len(package) - node.level + 1])
            target += node.module.split(".") if node.module else []
            names = [target + [a.name] for a in node.names] if len(target) == 1 else [target]
            parts |= {n[1] for n in names}
        elif isinstance(node, ast.ImportFrom):
            names = [node.module.split(".")]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        if not (isinstance(node, ast.ImportFrom) and node.level):
            parts |= {n[1] for n in names if n[0] == "nlu" and len(n) > 1}
            others |= {n[0] for n in names if n[0] != "nlu"}
    return parts, others


def _layer_of(path, root):
    return path.relative_to(root).parts[0].removesuffix(".py")


def test_no_module_imports_from_a_layer_above_its_own_or_a_front_end():
    modules = [p for p in NLU.rglob("*.py")
               if "migrations" not in p.parts and p != NLU / "__init__.py"]
    assert len(modules) > 30
    for path in modules:
        own = _layer_of(path, NLU)
        parts, others = _imports(path, NLU)
        where = path.relative_to(NLU)
        for part in parts & set(LAYERS):
            assert LAYERS[part] < LAYERS[own] or part == own, f"{where} imports nlu.{part}"
        assert not others & set(FRONT_ENDS), f"{where} imports {others & set(FRONT_ENDS)}"


def test_the_checker_sees_relative_and_absolute_imports(tmp_path):
    root = tmp_path / "nlu"
    (root / "text").mkdir(parents=True)
    module = root / "text" / "m.py"
    module.write_text("from ..model import fallback\nfrom ..vocabulary import OUT_OF_SCOPE\n"
                      "import nlu.feedback.store\nfrom .entities import E\nimport fastapi\n"
                      "from serve.app import create_app\n")
    assert _imports(module, root) == ({"model", "vocabulary", "feedback", "text"},
                                      {"fastapi", "serve"})
