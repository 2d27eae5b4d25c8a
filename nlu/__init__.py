"""Bilingual (Indonesian + English) intent detection for a marketplace help desk.

The library is grouped by capability (see docs/architecture.md): :mod:`nlu.text`,
:mod:`nlu.data`, :mod:`nlu.model`, :mod:`nlu.assistant`, :mod:`nlu.reports`,
:mod:`nlu.feedback`; the product's words are in :mod:`nlu.vocabulary`, the exceptions in
:mod:`nlu.errors`. The names below are the ones most scripts need.
"""

# Imported when first used (PEP 562): `nlu --help` and an argument error answer without
# loading scikit-learn, pandas and SQLAlchemy.
_WHERE = {
    "Dataset": "data.dataset", "Example": "data.dataset", "IntentSpec": "data.dataset",
    "load_dataset": "data.readers", "ArtifactError": "errors", "DataError": "errors",
    "IncompatibleArtifactError": "errors", "NLUError": "errors",
    "load_model": "model.artifacts", "save_model": "model.artifacts",
    "NLUModel": "model.model", "train": "model.model", "Prediction": "model.prediction",
    "EvaluationReport": "reports.evaluation", "evaluate": "reports.evaluation",
}
__all__ = sorted(_WHERE, key=str.lower)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'nlu' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_WHERE})


__version__ = "0.1.0"
