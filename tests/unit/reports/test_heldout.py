"""Held-out predictions: every example predicted by a model that never saw it."""

from nlu.reports.heldout import held_out_predictions


def test_every_example_is_predicted_once_in_order_by_a_model_without_it(tiny_dataset,
                                                                       fast_model):
    predictions, intents = held_out_predictions(tiny_dataset, profile="fast", folds=2)

    assert [p.text for p in predictions] == tiny_dataset.texts
    assert intents == tiny_dataset.labels
    # A model that saw the examples knows them better than models that did not.
    seen = fast_model.predict(tiny_dataset.texts)
    assert sum(p.confidence for p in predictions) < sum(p.confidence for p in seen)
