"""Scoring chat logs: CSV, JSONL or Parquet files in, Parquet out, partition by partition,
in this process or on a ``dask.distributed`` cluster."""

__all__ = ["score_logs", "ScoringSummary", "find_inputs"]

import glob
import time
from dataclasses import dataclass
from pathlib import Path

from ..data.readers import TABLE_SUFFIXES
from ..errors import ClusterError, DataError, OutputError, Problem
from ..model.artifacts import load_model
from .partition import output_types, score_frame

#: Bytes of CSV or JSONL text per partition: a few tens of thousands of chat messages.
BLOCKSIZE = "8MB"


@dataclass(frozen=True)
class ScoringSummary:
    """What :func:`score_logs` did."""

    rows: int
    inputs: tuple
    partitions: int
    output: str
    model_version: str
    seconds: float
    workers: int


def find_inputs(patterns):
    """The files named by paths or glob patterns, in order (each pattern's matches sorted).

    Raises
    ------
    DataError
        A pattern matches nothing, a file is of an unknown type, or the types are mixed.
    """
    found, problems = [], []
    for pattern in [patterns] if isinstance(patterns, (str, Path)) else patterns:
        matches = sorted(glob.glob(str(pattern), recursive=True)) if glob.has_magic(
            str(pattern)) else [str(pattern)]
        matches = [m for m in matches if Path(m).is_file()]
        if not matches:
            problems.append(Problem(str(pattern), None, "no such file" if not glob.has_magic(
                str(pattern)) else "no file matches"))
        found += [m for m in matches if m not in found]
    for path in found:
        if Path(path).suffix.lower() not in TABLE_SUFFIXES:
            problems.append(Problem(path, None, f"unknown file type (expected "
                                    f"{', '.join(TABLE_SUFFIXES)})"))
    if not problems and len({Path(p).suffix.lower() for p in found}) > 1:
        problems.append(Problem(str(patterns), None, "the files mix CSV, JSONL and Parquet: "
                                "score each kind on its own"))
    if problems:
        raise DataError(problems)
    return found


def score_logs(model_dir, inputs, output, *, scheduler=None, text_column="text",
               batch_size=1000, blocksize=BLOCKSIZE, connect_timeout=10):
    """Score every row of the ``inputs`` files with the artifact at ``model_dir`` and write
    Parquet files ``part-00000.parquet``... into the new folder ``output``, in input order.

    Each partition is scored on its own (:func:`~nlu.scoring.partition.score_frame`): in
    this process, one after the other, without ``scheduler``; else on the
    ``dask.distributed`` cluster at that address (``tcp://host:8786``), whose workers each
    load the artifact once and must see ``model_dir``, the inputs and ``output``. The
    scheduler has ``connect_timeout`` seconds to answer.

    Raises
    ------
    DataError
        An input is missing, unreadable, of an unknown type, without the text column, or
        with an empty text.
    OutputError
        ``output`` exists and is not an empty folder, or cannot be written.
    ClusterError
        The scheduler cannot be reached.
    ArtifactError
        The artifact cannot be loaded.
    """
    started = time.perf_counter()
    files = find_inputs(inputs)
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise OutputError(f"{output}: exists and is not an empty folder; scores are never "
                          "written over other files")
    model_dir = Path(model_dir).resolve()
    model = load_model(model_dir)  # a clear error now, before any worker tries
    version = model_dir.name
    client = _client(scheduler, connect_timeout) if scheduler else None
    try:
        if client is not None:
            from .cluster import ArtifactPlugin, WorkerModel

            client.register_plugin(ArtifactPlugin(model_dir))
            model, workers = WorkerModel(), len(client.scheduler_info()["workers"])
        else:
            workers = 1
        frames = [_read(path, text_column, blocksize) for path in files]
        scored = [frame.map_partitions(_score_partition, model, version, text_column, path,
                                       batch_size, meta=output_types(dict(frame.dtypes),
                                                                     text_column))
                  for path, frame in zip(files, frames)]
        table = scored[0] if len(scored) == 1 else _concat(scored)
        _write(table, output, client)
    finally:
        if client is not None:
            client.close()
    return ScoringSummary(rows=_count_rows(output), inputs=tuple(files),
                          partitions=table.npartitions, output=str(output),
                          model_version=version, seconds=round(time.perf_counter() - started, 2),
                          workers=workers)


def _score_partition(frame, model, version, text_column, source, batch_size):
    if hasattr(model, "resolve"):  # on a cluster: the worker's own copy
        model = model.resolve()
    return score_frame(frame, model, version, text_column, source, batch_size)


def _client(address, timeout):
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


def _read(path, text_column, blocksize):
    """One input file as a Dask DataFrame; CSV and JSONL cells are read as they are
    written (no type guessing that could differ from one partition to the next)."""
    import dask.dataframe as dd

    suffix = Path(path).suffix.lower()
    try:
        if suffix == ".csv":
            frame = dd.read_csv(path, blocksize=blocksize, dtype="string",
                                keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".jsonl":
            frame = dd.read_json(path, lines=True, blocksize=blocksize, dtype=False)
        else:
            frame = dd.read_parquet(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError([Problem(path, None, f"cannot read file: {exc}")]) from None
    if text_column not in frame.columns:
        raise DataError([Problem(path, None, f"missing text column {text_column!r} (columns: "
                                 f"{', '.join(map(str, frame.columns))})")])
    return frame


def _concat(frames):
    import dask.dataframe as dd

    return dd.concat(frames, interleave_partitions=False)


def _write(table, output, client):
    scheduler = client if client is not None else "synchronous"
    try:
        # Zero-padded: the folder's files sort in input order wherever they are listed.
        table.to_parquet(output, write_index=False,
                         name_function=lambda i: f"part-{i:05d}.parquet",
                         compute_kwargs={"scheduler": scheduler})
    except (ValueError, UnicodeDecodeError) as exc:  # a block that does not parse
        raise DataError([Problem("<inputs>", None, f"cannot read: {exc}")]) from None
    except OSError as exc:
        raise OutputError(f"{output}: cannot write: {exc}") from None


def _count_rows(output):
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(part).num_rows for part in sorted(output.glob("*.parquet")))
