"""The classifier: features, sentence encoders, the estimator and its fallback, predictions,
the trained model and its artifacts."""
