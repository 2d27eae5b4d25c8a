"""Benchmarks of the classifier on a public intent dataset: accuracy, speed, size."""

__all__ = ["run_benchmark", "measure_latency"]

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ..data.readers import load_dataset
from ..model.artifacts import load_model, save_model
from ..model.model import train


def measure_latency(model, texts, repeats=1):
    """Median and 99th-percentile milliseconds of single-message ``model.predict`` calls."""
    timings = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            model.predict([text])
            timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(timings), 3),
            "p99_ms": round(float(np.percentile(timings, 99)), 3)}


def run_benchmark(train_path, test_path, profiles=("fast", "accurate"), text_column="text",
                  label_column="intent", latency_samples=300, embedding_model=None):
    """Train each profile on ``train_path``, score ``test_path``, time it; one dict per profile.

    Accuracy is the top intent of the ranking against the label (fallbacks ignored), as
    published results on BANKING77 are reported; ``accepted_accuracy`` counts fallbacks as
    wrong.
    """
    columns = dict(text_column=text_column, label_column=label_column)
    train_data = load_dataset(train_path, **columns)
    test_data = load_dataset(test_path, require_examples=False, **columns)
    texts, expected = test_data.texts, test_data.labels
    results = {}
    for profile in profiles:
        model = train(train_data, profile=profile, embedding_model=embedding_model)
        with tempfile.TemporaryDirectory() as scratch:
            path = save_model(model, Path(scratch) / "model")
            size = sum(f.stat().st_size for f in path.iterdir())
            model = load_model(path)
        started = time.perf_counter()
        predictions = []
        for start in range(0, len(texts), 256):
            predictions += model.predict(texts[start:start + 256])
        batch_seconds = time.perf_counter() - started
        top = [p.ranking[0].intent for p in predictions]
        results[profile] = {
            "test_accuracy": round(float(np.mean([t == e for t, e in zip(top, expected)])), 4),
            "accepted_accuracy": round(float(np.mean(
                [p.intent == e for p, e in zip(predictions, expected)])), 4),
            "training_seconds": model.training_seconds,
            "predict_latency": measure_latency(model, texts[:latency_samples]),
            "batch_throughput_per_s": round(len(texts) / batch_seconds, 1),
            "artifact_bytes": size,
            "thresholds": vars(model.thresholds),
            "n_train": len(train_data),
            "n_test": len(test_data),
        }
    return results
