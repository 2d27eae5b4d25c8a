"""Fair use under attack (``python -m benchmarks.fairness``): the latency of single
``/v1/parse`` requests while clients keep sending the largest batches the API accepts
(256 texts of 2,000 characters), against ``nlu serve`` in its own process.

wrk sends the singles (the test set's messages, over a few connections); threads post the
batches back to back. Two rows: the default limits, under which such a batch is refused
(413) before its body is read, and limits raised so that the batches are answered, split
over many model calls. The report gives the singles' percentiles and errors, the batches'
count, statuses and latencies, and the cores other processes used meanwhile.
"""

__all__ = ["run_fairness_benchmark", "main"]

import argparse
import collections
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from .http import DEFAULT_DOMAIN, DEFAULT_MESSAGES, load_messages
from .loadgen import BenchmarkError, Probe, ensure_wrk, run_wrk, write_wrk_inputs
from .server import ServerError, ServerProcess

BATCH = 256
TEXT_LENGTH = 2000
#: The server's settings of each row.
CONFIGURATIONS = {
    "default_limits": {},
    "limits_raised": {"NLU_MAX_REQUEST_CHARS": str(BATCH * TEXT_LENGTH),
                      "NLU_MAX_BODY_BYTES": str(8 * BATCH * TEXT_LENGTH)},
}


def _large_batch(texts):
    """256 texts of 2,000 characters made of the test set's messages."""
    joined = " ".join(texts)
    return [(joined[i * 97:] + " " + joined)[:TEXT_LENGTH] for i in range(BATCH)]


def run_fairness_benchmark(model_dir, *, messages=None, domain_dir=None, seconds=20.0,
                           connections=4, batch_clients=2):
    """Each of :data:`CONFIGURATIONS`: the singles' latency while ``batch_clients``
    threads post large batches back to back."""
    return {"benchmark": "fairness", "model": str(model_dir),
            "batch": f"{BATCH} texts x {TEXT_LENGTH} characters, {batch_clients} clients "
                     "back to back",
            "rows": {name: _run(model_dir, env, messages, domain_dir, seconds, connections,
                                batch_clients) for name, env in CONFIGURATIONS.items()}}


def _run(model_dir, env, messages, domain_dir, seconds, connections, batch_clients):
    wrk = ensure_wrk()
    texts = load_messages(messages or DEFAULT_MESSAGES)
    batch = json.dumps({"texts": _large_batch(texts)}).encode()
    with tempfile.TemporaryDirectory(prefix="nlu-bench-fair-") as scratch:
        scratch = Path(scratch)
        bodies, script = write_wrk_inputs(scratch, texts)
        server = ServerProcess(model_dir, scratch, domain_dir=domain_dir or DEFAULT_DOMAIN,
                               env={"NLU_DATABASE_URL": f"sqlite:///{scratch / 'fair.db'}",
                                    "NLU_ADMIN_TOKEN": secrets.token_urlsafe(16), **env})
        stop, batches, statuses = threading.Event(), [], collections.Counter()

        def post_batches():
            while not stop.is_set():
                request = urllib.request.Request(
                    server.url + "/v1/parse/batch", data=batch, method="POST",
                    headers={"Content-Type": "application/json"})
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=300) as response:
                        response.read()
                    batches.append(time.perf_counter() - started)
                    statuses[response.status] += 1
                except urllib.error.HTTPError as exc:
                    statuses[exc.code] += 1
                    time.sleep(0.001)
                except OSError as exc:  # reported, not fatal: the figure is the singles'
                    statuses[type(exc).__name__] += 1

        try:
            server.wait_ready()
            threads = [threading.Thread(target=post_batches) for _ in range(batch_clients)]
            for thread in threads:
                thread.start()
            time.sleep(2)  # the batches are queued before the singles come
            with Probe(server) as probe:
                singles = run_wrk(wrk, server.url, script, bodies, seconds, connections, 1,
                                  timeout_s=30)
            stop.set()
            for thread in threads:
                thread.join(600)
        finally:
            stop.set()
            server.stop()
    return {"settings": env,
            "singles": {"connections": connections, "requests": singles["requests"],
                        "requests_per_s": singles["requests_per_s"],
                        "latency_ms": singles["latency_ms"], "errors": singles["errors"]},
            "batches": {"statuses": dict(statuses),
                        "answered_latency_s": {"p50": round(statistics.median(batches), 2),
                                      "max": round(max(batches), 2)} if batches else None},
            "other_processes_cores": probe.other_cores}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fairness",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, metavar="DIR")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch-clients", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        report = run_fairness_benchmark(args.model, seconds=args.seconds,
                                        connections=args.connections,
                                        batch_clients=args.batch_clients)
    except (BenchmarkError, ServerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
