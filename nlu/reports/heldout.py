"""Held-out predictions: each example predicted by a model trained without it.

What a conversation policy is tuned on (how often the assistant should ask), so that its
parameters are not chosen on the test sets it is reported on.
"""

__all__ = ["held_out_predictions"]

import numpy as np
from sklearn.model_selection import StratifiedKFold

from ..data.dataset import Dataset
from ..model.model import train
from ..vocabulary import intent_label


def held_out_predictions(dataset, profile="fast", folds=5, random_state=0, **train_options):
    """Predict every example of ``dataset`` with a model trained on the other folds.

    Returns ``(predictions, intents)``: one :class:`~nlu.model.prediction.Prediction` per
    example, in the dataset's order, and the examples' true intents (None: out of scope).
    Each fold's model chooses its own thresholds, as a served model would.
    """
    labels = np.array([intent_label(label) for label in dataset.labels], dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    predictions = [None] * len(dataset)
    examples = dataset.examples
    for kept, held in splitter.split(np.zeros(len(labels)), labels):
        model = train(Dataset(tuple(examples[i] for i in kept), dataset.intents),
                      profile=profile, random_state=random_state, **train_options)
        for index, prediction in zip(held, model.predict([examples[i].text for i in held])):
            predictions[index] = prediction
    return predictions, list(dataset.labels)
