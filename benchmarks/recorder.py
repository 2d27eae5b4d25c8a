"""What storing a prediction costs a request (``python -m benchmarks.recorder``).

The server stores every prediction before it answers (:class:`serve.recorder.Recorder`, a
group commit), so that an acknowledged message id survives a kill -9. This benchmark
measures, per prediction, what the request waits for, for each way of making that promise:

* ``commit``: the Recorder against the store as shipped (SQLite with a rollback journal,
  ``synchronous=NORMAL``, no mmap; or PostgreSQL with ``--postgres URL``);
* ``commit-wal``: the same Recorder on SQLite in WAL mode (what the store used before: no
  fsync per commit, but its memory-mapped index kills the process with SIGBUS when the
  files become unwritable);
* ``random ids``: the same Recorder on SQLite with the message ids the store used before
  (uuid4: each row goes to a random page of the index of ids, where version 7 ids, in
  creation order, append to its end);
* ``journal``: the alternative design, a JSON line appended to an on-disk journal (replayed
  at start) before answering, without and with fsync: the lower bound of its cost;
* ``buffered``: the old recorder, a list append (not durable: a kill -9 loses the buffer).

Each is run with one client (a request at a time: the latency a lone request pays) and
with 32 concurrent clients (the rows of concurrent requests share commits), on databases
that hold ``--stored`` predictions already (a store in use holds months of them: what a
write costs grows with its indexes). Figures are medians and 99th percentiles in
milliseconds per ``record`` call; the machine's load is printed with them.
"""

__all__ = ["main"]

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from nlu.feedback.records import new_message_id
from nlu.feedback.store import Store
from nlu.feedback.tables import utcnow
from serve.metrics import Metrics
from serve.recorder import Recorder


def _store_with(url, *pragmas):
    """A Store whose SQLite connections run ``pragmas`` after the shipped ones."""

    class Variant(Store):
        def _sqlite_connected(self, connection, record):
            super()._sqlite_connected(connection, record)
            cursor = connection.cursor()
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

    return Variant(url)


def _row(new_id=new_message_id):
    return {"message_id": new_id(), "created_at": utcnow(), "session_id": None,
            "model_version": "bench", "endpoint": "parse",
            "text": "paket blm nyampe udh 5 hari min, hubungi [PHONE]", "lang": "id",
            "intent": "item_not_received", "top_intent": "item_not_received",
            "confidence": 0.93, "margin": 0.88,
            "ranking": [{"intent": "item_not_received", "confidence": 0.93},
                        {"intent": "track_order", "confidence": 0.05}],
            "route": "invoice_chat", "fallback": None}


async def _timed(record, count, clients, new_id=new_message_id):
    """Per-call seconds of ``record([row])``, ``count`` calls by ``clients`` tasks."""
    times = []

    async def client(calls):
        for _ in range(calls):
            started = time.perf_counter()
            await record([_row(new_id)])
            times.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(count // clients) for _ in range(clients)))
    return times, len(times) / (time.perf_counter() - started)


async def _with_recorder(store, count, clients, stored=0, new_id=new_message_id):
    store.migrate()
    for start in range(0, stored, 1000):
        store.add_predictions([_row(new_id) for _ in range(min(1000, stored - start))])
    recorder = Recorder(store, Metrics())
    await recorder.start()
    try:
        await _timed(recorder.record, 20, 1, new_id)  # warm-up: connections, pages
        return await _timed(recorder.record, count, clients, new_id)
    finally:
        await recorder.stop()
        store.dispose()


async def _journal(path, count, clients, fsync):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    async def record(rows):
        os.write(descriptor, "".join(json.dumps(r, default=str) + "\n"
                                     for r in rows).encode())
        if fsync:
            os.fsync(descriptor)

    try:
        return await _timed(record, count, clients)
    finally:
        os.close(descriptor)


async def _buffered(count, clients):
    buffer = []

    async def record(rows):
        buffer.extend(rows)

    return await _timed(record, count, clients)


def _summary(name, clients, result):
    times, per_second = result
    ordered = sorted(times)
    return {"strategy": name, "clients": clients,
            "p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
            "records_per_s": round(per_second)}


def run(count, postgres=None, folder=None, stored=0):
    folder = Path(folder or tempfile.mkdtemp(prefix="nlu-bench-recorder-"))
    results = []
    for clients in (1, 32):
        runs = {
            "commit (sqlite)": lambda: _with_recorder(
                Store(f"sqlite:///{folder}/c{clients}.db"), count, clients, stored),
            "commit (sqlite, random ids)": lambda: _with_recorder(
                Store(f"sqlite:///{folder}/r{clients}.db"), count, clients, stored,
                lambda: uuid.uuid4().hex),
            "commit (sqlite, synchronous=OFF)": lambda: _with_recorder(
                _store_with(f"sqlite:///{folder}/o{clients}.db", "synchronous=OFF"), count,
                clients, stored),
            "commit-wal (sqlite)": lambda: _with_recorder(
                _store_with(f"sqlite:///{folder}/w{clients}.db", "journal_mode=WAL"), count,
                clients, stored),
            "journal, no fsync": lambda: _journal(folder / f"j{clients}", count, clients,
                                                  False),
            "journal, fsync": lambda: _journal(folder / f"f{clients}", count, clients, True),
            "buffered (not durable)": lambda: _buffered(count, clients),
        }
        if postgres:
            runs["commit (postgresql)"] = lambda: _with_recorder(Store(postgres), count,
                                                                  clients, stored)
        for name, make in runs.items():
            results.append(_summary(name, clients, asyncio.run(make())))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="records per run")
    parser.add_argument("--postgres", metavar="URL", help="also a PostgreSQL store")
    parser.add_argument("--stored", type=int, default=0, metavar="N",
                        help="predictions stored in each database before it is measured")
    args = parser.parse_args(argv)
    if args.count < 32 or args.stored < 0:
        parser.error("--count is at least 32 (one per client) and --stored at least 0")
    load_before = os.getloadavg()[0]
    results = run(args.count, args.postgres, stored=args.stored)
    print(json.dumps({"load_average_before": load_before,
                      "load_average_after": os.getloadavg()[0], "results": results},
                     indent=2))


if __name__ == "__main__":
    main()
