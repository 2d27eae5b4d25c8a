"""The exceptions the library raises; each front end maps them to exit codes or HTTP
statuses in one table (``training/cli.py``, ``serve/errors.py``).

::

    NLUError
    ├── DataError                 training, test or domain data is invalid (every problem listed)
    ├── UnknownLabel              a label that is not an intent of the model
    ├── ArtifactError             a model artifact is missing, corrupt or cannot be written
    │   └── IncompatibleArtifactError
    ├── EmbeddingModelError       the sentence encoder cannot be found or loaded
    ├── InvalidName               a name that is reserved or unusable (a lead's)
    ├── NotFound                  no such stored record
    │   ├── UnknownMessage        no prediction with this message id
    │   ├── UnknownLead           no lead with this name
    │   └── NothingToUndo         the reviewer has no standing decision on the message
    ├── Conflict                  the record exists already (a lead's name)
    ├── StoreError                the database cannot be opened, migrated, read or written
    │   └── RecordRejected        the database refused one record (the others are stored)
    ├── OutputError               a file cannot be written
    ├── ConfigError               a setting (server option, environment variable) is invalid
    ├── StartupError              the server cannot start (its address is in use)
    ├── Unavailable               the service cannot answer now (restarting, stopping): retry
    ├── TooLarge                  a request over the size or character limits
    ├── RateLimited               a client over its request rate; ``retry_after`` seconds
    └── ClusterError              the Dask scheduler cannot be reached
"""

__all__ = [
    "NLUError", "DataError", "Problem", "UnknownLabel", "ArtifactError",
    "IncompatibleArtifactError", "EmbeddingModelError", "InvalidName", "NotFound",
    "UnknownMessage", "UnknownLead", "NothingToUndo", "Conflict", "StoreError",
    "RecordRejected", "OutputError", "ConfigError", "StartupError", "Unavailable", "TooLarge",
    "RateLimited", "ClusterError",
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


class UnknownLabel(NLUError):
    """A label given by a person (a review decision, feedback) is not an intent of the model."""


class ArtifactError(NLUError):
    """A model artifact is missing, truncated, corrupt, or cannot be written."""


class IncompatibleArtifactError(ArtifactError):
    """A model artifact was written by an incompatible format or library version."""


class EmbeddingModelError(NLUError):
    """The sentence-embedding model cannot be found or loaded."""


class InvalidName(NLUError):
    """A name given by a person (a lead's) is reserved or unusable."""


class NotFound(NLUError):
    """No stored record with this key."""


class UnknownMessage(NotFound):
    """No prediction with this message id."""


class UnknownLead(NotFound):
    """No CS lead with this name."""


class NothingToUndo(NotFound):
    """The reviewer has no standing decision on this message."""


class Conflict(NLUError):
    """A record with this key exists already."""


class StoreError(NLUError):
    """The database cannot be opened, migrated, read or written (missing, read-only,
    deleted, unreachable): nothing was stored."""


class RecordRejected(StoreError):
    """The database refused one record for what it holds (the batch's other records are
    stored); it is set aside, never retried."""


class OutputError(NLUError):
    """A file cannot be written (a report, an export, predictions)."""


class ConfigError(NLUError):
    """A setting (a server option, an environment variable) is invalid."""


class StartupError(NLUError):
    """The server cannot start: its address is in use, or it failed while starting."""


class Unavailable(NLUError):
    """The service cannot answer now (its prediction worker restarted, it is stopping);
    the same request may succeed later."""


class TooLarge(NLUError):
    """A request is over a size limit (bytes of the body, characters of its texts)."""


class RateLimited(NLUError):
    """A client sent more requests than its rate allows; it may retry after
    ``retry_after`` seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class ClusterError(NLUError):
    """The Dask scheduler that should run a job cannot be reached."""
