"""Labelled messages: the dataset, reading and writing the formats users bring."""
