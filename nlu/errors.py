"""The exceptions the library raises; front ends map them to exit codes or HTTP statuses."""

__all__ = [
    "NLUError",
    "DataError",
    "Problem",
    "ArtifactError",
    "IncompatibleArtifactError",
    "EmbeddingModelError",
]

from dataclasses import dataclass


class NLUError(Exception):
    """Base class of every error the library raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file, with its location."""

    path: str
    line: int | None
    message: str
    #: "error" stops training; a "warning" (e.g. a duplicate row in a public CSV) is
    #: reported and the data is kept.
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


class DataError(NLUError):
    """Training or test data is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ArtifactError(NLUError):
    """A model artifact is missing, truncated, corrupt, or cannot be written."""


class IncompatibleArtifactError(ArtifactError):
    """A model artifact was written by an incompatible format or library version."""


class EmbeddingModelError(NLUError):
    """The sentence-embedding model cannot be found or loaded."""
