"""Measuring models: evaluation reports, analyses for notebooks, plots, benchmarks."""
