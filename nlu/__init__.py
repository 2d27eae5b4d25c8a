"""Bilingual (Indonesian + English) intent detection for a marketplace help desk."""

from .artifacts import load_model, save_model
from .dataset import Dataset, Example, IntentSpec
from .errors import ArtifactError, DataError, IncompatibleArtifactError, NLUError
from .evaluation import EvaluationReport, evaluate
from .model import NLUModel, train
from .prediction import Prediction
from .readers import load_dataset

__all__ = [
    "ArtifactError", "DataError", "Dataset", "EvaluationReport", "Example",
    "IncompatibleArtifactError", "IntentSpec", "NLUError", "NLUModel", "Prediction",
    "evaluate", "load_dataset", "load_model", "save_model", "train",
]
__version__ = "0.1.0"
