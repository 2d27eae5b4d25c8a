"""Scoring chat logs with a model at scale: one partition at a time (:mod:`.partition`),
over many files and, with Dask, many processes or machines (:mod:`.job`)."""

from .job import ScoringSummary, score_logs
from .partition import OUTPUT_COLUMNS, score_frame

__all__ = ["score_logs", "score_frame", "ScoringSummary", "OUTPUT_COLUMNS"]
