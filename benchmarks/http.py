"""The HTTP benchmark (``make bench``, ``python -m benchmarks.http``): the server under a real
load generator, beside the model alone.

For each profile: train on the training data into a scratch folder (or take ``--model``),
and for each of two configurations (:data:`CONFIGURATIONS`: ``defaults``, as ``make serve``
runs it, with the SQLite store and the JSON access log on; ``store_and_log_off``) start
``nlu serve`` as its own process on a free port, wait for ``/readyz``, check one answer,
warm up, then alternate, ``rounds`` times,

* the in-process throughput of the library call the server makes,
  ``Engine.parse`` (prediction, knowledge base, routing, replies), on batches of the
  server's batch size (``NLU_BATCH_MAX_SIZE``), in this process, while the server is idle;
* wrk, in its own process, POSTing the messages of the test set to ``/v1/parse`` (a Lua
  script cycles through them, counts non-2xx answers and prints latency percentiles);

with one more in-process measurement at the end, and stop the server. Each round's server
throughput is divided by the mean of the in-process figures just before and after it, so
a ratio compares two measurements made seconds apart under the same background load; the
report gives the medians over the rounds, every round, and the server's resident memory.

Developer tooling, run from a checkout: the server is reached through its port, as a
client would.
"""

__all__ = ["run_http_benchmark", "GOALS", "main"]

import argparse
import collections
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from nlu.errors import NLUError

from .loadgen import (
    PARSE_PATH,
    BenchmarkError,
    Probe,
    ensure_wrk,
    resident_bytes,
    run_wrk,
    write_wrk_inputs,
)
from .server import ROOT, ServerError, ServerProcess

DEFAULT_TRAIN = ROOT / "data" / "intents_id.yaml"
DEFAULT_MESSAGES = ROOT / "data" / "test_id.jsonl"
DEFAULT_DOMAIN = ROOT / "data"

#: The server's settings of each row: as ``make serve`` starts it, then without the store
#: writes and the access log (what they cost is the difference).
CONFIGURATIONS = {
    "defaults": {},
    "store_and_log_off": {"NLU_RECORD_PREDICTIONS": "false", "NLU_ACCESS_LOG": "false"},
}

#: The goals of the issue, checked on every run and reported with it (they are set for
#: the defaults; the other row shows what the store and the log cost).
GOALS = {
    "accurate": {"min_ratio": 0.8, "max_errors": 0},
    "fast": {"min_requests_per_s": 2000, "max_p99_ms": 25, "at_connections": 32,
             "max_errors": 0},
}


def load_messages(path):
    """The texts of a .jsonl file (a ``text`` field per line)."""
    texts = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                text = json.loads(line).get("text")
                if isinstance(text, str) and text.strip():
                    texts.append(text)
    if not texts:
        raise BenchmarkError(f"{path}: no messages with a text field")
    return texts


def server_batch_size():
    """The largest batch the server makes (``NLU_BATCH_MAX_SIZE``, as the server reads it)."""
    from serve.settings import Settings

    return Settings().batch_max_size


def in_process_throughput(engine, texts, seconds, batch_size):
    """Texts per second of ``engine.parse`` on successive batches, for about ``seconds``."""
    batches = [texts[i:i + batch_size] for i in range(0, len(texts), batch_size)]
    batches = [b for b in batches if len(b) == batch_size] or batches
    engine.parse(batches[0])  # warm-up: first calls pay for lazy loading and caches
    done, count, started = 0, 0, time.perf_counter()
    while True:
        batch = batches[count % len(batches)]
        engine.parse(batch)
        done += len(batch)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and count >= 3:
            return round(done / elapsed, 1)


def _total(metrics_text, name):
    """A Prometheus sample's value, added over its label sets (and workers)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics_text.splitlines()
               if line.startswith(name + " ") or line.startswith(name + "{"))


def _server_totals(metrics_text):
    """What the server's /metrics say of its model calls and its writes, so far."""
    return {"texts": _total(metrics_text, "nlu_batch_size_sum"),
            "batches": _total(metrics_text, "nlu_batch_size_count"),
            "batch_seconds": _total(metrics_text, "nlu_batch_seconds_sum"),
            "writes": _total(metrics_text, "nlu_store_write_seconds_count"),
            "write_seconds": _total(metrics_text, "nlu_store_write_seconds_sum"),
            "records": _total(metrics_text, "nlu_records_stored_total")}


def server_phases(before, after, seconds, workers):
    """Where the server's time went between two :func:`_server_totals`, ``seconds`` apart:
    the mean model call and write (rows stored per write: a failed write stores none),
    and the share of that time the prediction thread and the store's thread were busy,
    the mean over ``workers`` (0 to 1). None where there was no call or no write.

    >>> zero = dict.fromkeys(("texts", "batches", "batch_seconds", "writes",
    ...                       "write_seconds", "records"), 0)
    >>> phases = server_phases(zero, {"texts": 640, "batches": 20, "batch_seconds": 0.2,
    ...                               "writes": 10, "write_seconds": 0.06, "records": 640},
    ...                        seconds=1, workers=1)
    >>> phases["mean_batch_ms"], phases["prediction_busy"], phases["rows_per_write"]
    (10.0, 0.2, 64.0)
    >>> server_phases(zero, zero, seconds=1, workers=1)["store_busy"] is None
    True
    """
    delta = {key: after[key] - before[key] for key in after}

    def per(total, count, scale=1, digits=1):
        return round(total * scale / count, digits) if count else None

    def busy(total, count):
        return round(total / (seconds * workers), 3) if count else None

    return {"mean_batch_size": per(delta["texts"], delta["batches"]),
            "mean_batch_ms": per(delta["batch_seconds"], delta["batches"], 1000, 2),
            "prediction_busy": busy(delta["batch_seconds"], delta["batches"]),
            "mean_write_ms": per(delta["write_seconds"], delta["writes"], 1000, 2),
            "rows_per_write": per(delta["records"], delta["writes"]),
            "store_busy": busy(delta["write_seconds"], delta["writes"])}


def _median(values):
    return round(statistics.median(values), 3)


def _median_or_none(values):
    return None if None in values else _median(values)


def _mean_or_none(values):
    return None if None in values else round(statistics.mean(values), 2)


def check_goals(profile, summary, connections):
    """Each goal of the profile, with whether this run met it."""
    goals, checks = GOALS.get(profile, {}), {}
    if "min_ratio" in goals:
        checks[f"ratio >= {goals['min_ratio']}"] = summary["ratio"] >= goals["min_ratio"]
    if "min_requests_per_s" in goals:
        checks[f"requests_per_s >= {goals['min_requests_per_s']}"] = (
            summary["requests_per_s"] >= goals["min_requests_per_s"])
    if "max_p99_ms" in goals:
        checks[f"p99_ms <= {goals['max_p99_ms']} at {goals['at_connections']} connections"] = (
            summary["latency_ms"]["p99"] <= goals["max_p99_ms"]
            and connections == goals["at_connections"])
    if "max_errors" in goals:
        checks["errors == 0"] = summary["errors"] <= goals["max_errors"]
    return checks


def bench_model(model_dir, *, wrk, texts, domain_dir, scratch, duration, rounds, connections,
                threads, warmup, in_process_seconds, workers=None, configuration="defaults",
                reload_every=None, database_url=None):
    """The figures of one artifact served with one of :data:`CONFIGURATIONS`; the server is
    always stopped on return. With ``reload_every`` (seconds), the artifact is reloaded
    (``POST /v1/admin/reload``) that often during the load. The store is a new SQLite file
    in ``scratch`` unless ``database_url`` names another database."""
    from nlu.assistant.engine import Engine

    engine = Engine.load(model_dir, domain_dir)
    profile = engine.model.profile
    batch_size = server_batch_size()
    effective_workers = workers or int(os.environ.get("NLU_WORKERS") or 1)
    say = lambda message: print(f"[{profile}, {configuration}] {message}",  # noqa: E731
                                file=sys.stderr)

    scratch = Path(scratch)
    bodies, script = write_wrk_inputs(scratch, texts)

    admin_token = secrets.token_urlsafe(16)
    server = ServerProcess(model_dir, scratch, workers=workers, domain_dir=domain_dir, env={
        "NLU_DATABASE_URL": database_url or f"sqlite:///{scratch / 'bench.db'}",
        "NLU_ADMIN_TOKEN": admin_token, **CONFIGURATIONS[configuration]})
    reloads = Reloads(server.url, admin_token, reload_every)
    try:
        say(f"server on port {server.port}" + (f", {workers} workers" if workers else ""))
        started = time.perf_counter()
        server.wait_ready()
        startup = time.perf_counter() - started
        answer = server.parse(texts[0])  # one real answer first: the route works
        if "intent" not in answer or "message_id" not in answer:
            raise BenchmarkError(f"unexpected {PARSE_PATH} answer: {json.dumps(answer)[:300]}")
        if warmup > 0:
            say(f"warm-up: {warmup:g} s of load")
            run_wrk(wrk, server.url, script, bodies, warmup, connections, threads)
        per_round = duration / rounds

        def measure_in_process():
            with Probe(server) as probe:
                in_process.append(in_process_throughput(engine, texts, in_process_seconds,
                                                        batch_size))
            other_in_process.append(probe.other_cores)

        in_process, other_in_process, results, probes, phases = [], [], [], [], []
        rss = []
        measure_in_process()
        for number in range(rounds):
            say(f"round {number + 1}/{rounds}: in-process {in_process[-1]:g} texts/s; "
                f"wrk {per_round:g} s at {connections} connections")
            before = _server_totals(server.metrics())
            with Probe(server) as probe, reloads:
                results.append(run_wrk(wrk, server.url, script, bodies, per_round,
                                       connections, threads))
            rss.append(resident_bytes(server.process.pid))
            probes.append(probe)
            phases.append(server_phases(before, _server_totals(server.metrics()),
                                        results[-1]["seconds"], effective_workers))
            measure_in_process()
    finally:
        server.stop()

    rounds_out = []
    for number, result in enumerate(results):
        reference = statistics.mean(in_process[number:number + 2])
        cpu = probes[number].server_cpu_seconds
        rounds_out.append({
            "requests_per_s": result["requests_per_s"],
            "latency_ms": result["latency_ms"],
            "errors": result["errors"],
            "in_process_texts_per_s": round(reference, 1),
            "ratio": round(result["requests_per_s"] / reference, 3),
            "server_cpu_ms_per_request": (round(cpu * 1000 / result["requests"], 3)
                                          if cpu is not None and result["requests"]
                                          else None),
            # The model calls and the writes of prediction records (serve/metrics.py).
            "server_phases": phases[number],
            "server_rss_mb": _megabytes(rss[number]),
            # Cores used by processes other than the benchmark's, during the load and
            # during the in-process measurements around it: the figures are only as good
            # as these are near 0 (a 2-core machine shared with test runs is not).
            "other_processes_cores": {
                "during_load": probes[number].other_cores,
                "during_in_process": _mean_or_none(other_in_process[number:number + 2])},
        })
    total_requests = sum(r["requests"] for r in results)
    errors = {key: sum(r["errors"][key] for r in results) for key in results[0]["errors"]}
    summary = {
        "requests_per_s": _median([r["requests_per_s"] for r in rounds_out]),
        "latency_ms": {key: _median([r["latency_ms"][key] for r in rounds_out])
                       for key in ("p50", "p95", "p99")},
        "errors": errors["total"],
        "in_process_texts_per_s": _median(in_process),
        "ratio": _median([r["ratio"] for r in rounds_out]),
        "server_rss_mb": _megabytes(max(rss, default=None)),
        "other_processes_cores": _median_or_none(
            [r["other_processes_cores"]["during_load"] for r in rounds_out]),
        "server_phases": {key: _median_or_none([p[key] for p in phases])
                          for key in phases[0]},
    }
    summary["goals"] = check_goals(profile, summary, connections)
    problems = server.log_problems()
    if problems:
        summary["server_log_problems"] = problems
    return profile, {
        "summary": summary,
        "requests": total_requests,
        "errors": errors,
        "server": {"workers": effective_workers, "startup_s": round(startup, 2),
                   "settings": CONFIGURATIONS[configuration]},
        "in_process": {"call": "Engine.parse", "batch_size": batch_size,
                       "seconds_each": in_process_seconds, "texts_per_s": in_process},
        "rounds": rounds_out,
        **({"reloads": reloads.report()} if reload_every else {}),
    }


class Reloads:
    """While in a ``with`` block, ``POST /v1/admin/reload`` every ``every`` seconds (None:
    never), from a thread; counts the answers by status."""

    def __init__(self, url, token, every):
        self.url, self.token, self.every = url, token, every
        self.statuses, self.seconds = collections.Counter(), []

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run) if self.every else None
        if self._thread:
            self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        if self._thread:
            self._thread.join(120)

    def _run(self):
        while not self._stop.wait(self.every):
            request = urllib.request.Request(self.url + "/v1/admin/reload", data=b"{}",
                                             method="POST", headers={
                                                 "Content-Type": "application/json",
                                                 "Authorization": f"Bearer {self.token}"})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    self.statuses[response.status] += 1
            except urllib.error.HTTPError as exc:
                self.statuses[exc.code] += 1
            except OSError as exc:
                self.statuses[type(exc).__name__] += 1
            self.seconds.append(time.perf_counter() - started)

    def report(self):
        return {"every_s": self.every, "statuses": dict(self.statuses),
                "median_s": _median(self.seconds) if self.seconds else None}


def _megabytes(size):
    return None if size is None else round(size / 2**20, 1)


def _train(profile, train_paths, out):
    from nlu import load_dataset, save_model, train

    return save_model(train(load_dataset([str(p) for p in train_paths]), profile=profile), out)


def run_http_benchmark(profiles=("fast", "accurate"), model_dirs=None, train_paths=None,
                       messages=None, domain_dir=None, duration=15.0, rounds=3,
                       connections=32, threads=1, warmup=3.0, in_process_seconds=2.0,
                       workers=None, configurations=tuple(CONFIGURATIONS), reload_every=None,
                       database_url=None):
    """Benchmark each profile (trained on ``train_paths``) or each of ``model_dirs``, in
    each of ``configurations`` (names of :data:`CONFIGURATIONS`).

    ``workers`` maps a profile (or None, for every profile) to the server's worker
    processes; without an entry the server's default (``NLU_WORKERS``, 1) is used.

    Returns one JSON-ready dict: per profile and configuration a ``summary`` (medians over
    the rounds, the goals and whether they were met) and every measurement behind it;
    ``goals_met`` is about the ``defaults`` rows (every row when they were not run).
    """
    wrk = ensure_wrk()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    texts = load_messages(messages or DEFAULT_MESSAGES)
    domain_dir = Path(domain_dir or DEFAULT_DOMAIN).resolve()
    train_paths = [Path(p) for p in (train_paths or [DEFAULT_TRAIN])]
    report = {"benchmark": "http", "endpoint": f"POST {PARSE_PATH}", "cpus": os.cpu_count(),
              "wrk": (version.stdout or version.stderr).split("\n")[0].strip(),
              "connections": connections, "wrk_threads": threads,
              "duration_s": duration, "rounds": rounds, "warmup_s": warmup,
              "messages": f"{messages or DEFAULT_MESSAGES} ({len(texts)})",
              "database": _database_kind(database_url),
              "profiles": {}}
    with tempfile.TemporaryDirectory(prefix="nlu-bench-http-") as scratch:
        if model_dirs:
            artifacts = [Path(d).resolve() for d in model_dirs]
        else:
            artifacts = []
            for profile in profiles:
                print(f"[{profile}] training on {', '.join(map(str, train_paths))}",
                      file=sys.stderr)
                artifacts.append(_train(profile, train_paths,
                                        Path(scratch) / f"model-{profile}"))
            report["trained_on"] = [str(p) for p in train_paths]
        workers = dict(workers or {})
        for index, model_dir in enumerate(artifacts):
            folder = Path(scratch) / f"run-{index}"
            folder.mkdir()
            profile = _profile_of(model_dir)
            rows = {}
            for configuration in configurations:
                run_folder = folder / configuration
                run_folder.mkdir()
                profile, rows[configuration] = bench_model(
                    model_dir, wrk=wrk, texts=texts, domain_dir=domain_dir,
                    scratch=run_folder, duration=duration, rounds=rounds,
                    connections=connections, threads=threads, warmup=warmup,
                    in_process_seconds=in_process_seconds,
                    workers=workers.get(profile, workers.get(None)),
                    configuration=configuration, reload_every=reload_every,
                    database_url=database_url)
            if model_dirs:
                rows["model"] = str(model_dir)
            key = profile if profile not in report["profiles"] else f"{profile}-{index}"
            report["profiles"][key] = rows
    judged = [c for c in configurations if c == "defaults"] or list(configurations)
    report["goals_met"] = all(all(rows[c]["summary"]["goals"].values())
                              for rows in report["profiles"].values() for c in judged)
    return report


def _database_kind(database_url):
    """What the report says of the store: never the URL (it may hold a password)."""
    return "a new SQLite file" if not database_url else database_url.split(":", 1)[0]


def _profile_of(model_dir):
    from nlu.model.artifacts import read_manifest

    return read_manifest(model_dir).get("profile")


def main(argv=None):
    """``python -m benchmarks.http [options]``: print the JSON report; exit 1 on a failure
    (or on a goal not met, with ``--check``), 2 on bad arguments."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http", description=(
        "nlu serve in its own process driven by wrk, beside the model's in-process "
        "throughput, for each profile"))
    parser.add_argument("--profile", choices=("fast", "accurate"), action="append",
                        help="profile(s) to train and serve (default both)")
    parser.add_argument("--model", action="append", metavar="DIR",
                        help="serve this artifact instead of training one per profile "
                             "(repeatable)")
    parser.add_argument("--data", action="append", metavar="PATH",
                        help="training data for the models (default data/intents_id.yaml)")
    parser.add_argument("--messages", metavar="FILE", help=".jsonl whose texts are POSTed "
                        "(default data/test_id.jsonl)")
    parser.add_argument("--duration", type=_positive(float), default=15.0, metavar="S",
                        help="seconds of measured load per profile, split over the rounds")
    parser.add_argument("--rounds", type=_positive(int), default=3, metavar="N",
                        help="load runs per profile, each between two in-process measurements")
    parser.add_argument("--warmup", type=float, default=3.0, metavar="S",
                        help="seconds of load before measuring")
    parser.add_argument("--connections", type=_positive(int), default=32, metavar="N")
    parser.add_argument("--threads", type=_positive(int), default=1, metavar="N",
                        help="wrk threads (default 1: leaves the cores to the server)")
    parser.add_argument("--workers", type=_workers, action="append", metavar="[PROFILE=]N",
                        help="server worker processes, for every profile or one (fast=2)")
    parser.add_argument("--configuration", choices=tuple(CONFIGURATIONS), action="append",
                        help="server configuration(s) to run (default all: defaults as "
                             "`make serve` runs it, then store_and_log_off)")
    parser.add_argument("--reload-every", type=_positive(float), metavar="S",
                        help="reload the model (POST /v1/admin/reload) every S seconds "
                             "during the load")
    parser.add_argument("--database-url", metavar="URL",
                        help="the server's store (default: a new SQLite file), e.g. "
                             "postgresql+psycopg://user@host/db")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 when a goal is not met")
    args = parser.parse_args(argv)
    if args.model and args.profile:
        parser.error("give --profile or --model, not both")
    try:
        report = run_http_benchmark(
            profiles=args.profile or ("fast", "accurate"), model_dirs=args.model,
            train_paths=args.data, messages=args.messages, duration=args.duration,
            rounds=args.rounds, connections=args.connections, threads=args.threads,
            warmup=args.warmup, workers=dict(args.workers or ()),
            configurations=tuple(args.configuration or CONFIGURATIONS),
            reload_every=args.reload_every, database_url=args.database_url)
    except (BenchmarkError, ServerError, NLUError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    if args.check and not report["goals_met"]:
        print("error: goals not met (see \"goals\")", file=sys.stderr)
        return 1
    return 0


def _positive(kind):
    def parse(value):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError("must be more than 0")
        return number
    return parse


def _workers(value):
    """``N`` or ``PROFILE=N``: ``(profile or None, N)``."""
    profile, _, number = value.rpartition("=")
    if profile and profile not in ("fast", "accurate"):
        raise argparse.ArgumentTypeError(f"unknown profile {profile!r}")
    return profile or None, _positive(int)(number)


if __name__ == "__main__":
    sys.exit(main())
