"""Bilingual (Indonesian + English) intent detection for a marketplace help desk.

The library is grouped by capability (see docs/architecture.md): :mod:`nlu.text`,
:mod:`nlu.data`, :mod:`nlu.model`, :mod:`nlu.assistant`, :mod:`nlu.reports`,
:mod:`nlu.feedback`; the product's words are in :mod:`nlu.vocabulary`, the exceptions in
:mod:`nlu.errors`. The names below are the ones most scripts need.
"""

from .data.dataset import Dataset, Example, IntentSpec
from .data.readers import load_dataset
from .errors import ArtifactError, DataError, IncompatibleArtifactError, NLUError
from .model.artifacts import load_model, save_model
from .model.model import NLUModel, train
from .model.prediction import Prediction
from .reports.evaluation import EvaluationReport, evaluate

__all__ = [
    "ArtifactError", "DataError", "Dataset", "EvaluationReport", "Example",
    "IncompatibleArtifactError", "IntentSpec", "NLUError", "NLUModel", "Prediction",
    "evaluate", "load_dataset", "load_model", "save_model", "train",
]
__version__ = "0.1.0"
