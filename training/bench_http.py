"""``nlu benchmark http``: the HTTP server under a real load generator, beside the model alone.

For each profile: train on the training data into a scratch folder (or take ``--model``),
start ``nlu serve`` as its own process on a free port (a scratch SQLite store, no access
log), wait for ``/readyz``, check one answer, warm up, then alternate, ``rounds`` times,

* the model's in-process batched throughput: ``nlu.load_model(...).predict`` on batches of
  32 messages, in this process, while the server is idle;
* wrk, in its own process, POSTing the messages of the test set to ``/v1/parse`` (a Lua
  script cycles through them, counts non-2xx answers and prints latency percentiles);

with one more in-process measurement at the end, and stop the server. Each round's server
throughput is divided by the mean of the in-process figures just before and after it, so
a ratio compares two measurements made seconds apart under the same background load; the
report gives the medians over the rounds, and every round.

A front end only: the ``nlu`` library knows nothing of HTTP, and the server is reached
through its port, as a client would.
"""

__all__ = ["run_http_benchmark", "GOALS"]

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from nlu.errors import NLUError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TRAIN = ROOT / "data" / "intents_id.yaml"
DEFAULT_MESSAGES = ROOT / "data" / "test_id.jsonl"
DEFAULT_DOMAIN = ROOT / "data"
BATCH_SIZE = 32
PARSE_PATH = "/v1/parse"
MARKER = "WRK_RESULT "

#: The goals of the issue, checked on every run and reported with it.
GOALS = {
    "accurate": {"min_ratio": 0.7, "max_errors": 0},
    "fast": {"min_requests_per_s": 800, "max_p99_ms": 30, "at_connections": 32,
             "max_errors": 0},
}

# Runs in each wrk thread (each has its own Lua state). ``init`` reads the request bodies
# (one JSON document per line) and formats one request per body; ``request`` cycles through
# them from a different start in each thread; ``response`` counts answers outside 2xx (wrk's
# own ``errors.status`` counts only >= 400); ``done`` prints one JSON line.
WRK_SCRIPT = r"""
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local formatted = {}
  local headers = {["Content-Type"] = "application/json"}
  for line in io.lines(args[1]) do
    if #line > 0 then
      formatted[#formatted + 1] = wrk.format("POST", args[2], headers, line)
    end
  end
  if #formatted == 0 then
    error("no request bodies in " .. args[1])
  end
  bodies = formatted
  index = ((id or 1) * 97) % #bodies
  non2xx = 0
end

function request()
  index = index % #bodies + 1
  return bodies[index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  local function ms(us) return us / 1000.0 end
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,'
    .. '"latency_ms":{"mean":%.3f,"max":%.3f,"p50":%.3f,"p90":%.3f,"p95":%.3f,'
    .. '"p99":%.3f},'
    .. '"errors":{"non_2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}}\n',
    "__MARKER__", summary.requests, summary.duration,
    ms(latency.mean), ms(latency.max), ms(latency:percentile(50)),
    ms(latency:percentile(90)), ms(latency:percentile(95)), ms(latency:percentile(99)),
    non2xx_total, e.connect, e.read, e.write, e.timeout))
end
""".replace("__MARKER__", MARKER)


def ensure_wrk():
    """The path of wrk, installed from the Debian packages when it is missing."""
    path = shutil.which("wrk")
    if path:
        return path
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise NLUError("wrk is not installed and cannot be installed from here "
                       "(as root: apt-get update && apt-get install -y wrk)")
    print("wrk is missing: apt-get update && apt-get install -y wrk", file=sys.stderr)
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                 env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    for command in ([apt, "update"], [apt, "install", "-y", "wrk"]):
        done = subprocess.run(command, **quiet)
        if done.returncode != 0:
            raise NLUError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    path = shutil.which("wrk")
    if path is None:
        raise NLUError("apt-get installed wrk, but it is not on PATH")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        raise NLUError(f"{path}: no messages with a text field")
    return texts


def in_process_throughput(model, texts, seconds, batch_size=BATCH_SIZE):
    """Texts per second of ``model.predict`` on successive batches, for about ``seconds``."""
    batches = [texts[i:i + batch_size] for i in range(0, len(texts), batch_size)]
    batches = [b for b in batches if len(b) == batch_size] or batches
    model.predict(batches[0])  # warm-up: first calls pay for lazy loading and caches
    done, count, started = 0, 0, time.perf_counter()
    while True:
        batch = batches[count % len(batches)]
        model.predict(batch)
        done += len(batch)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and count >= 3:
            return round(done / elapsed, 1)


def _cpu_seconds(group):
    """User + system CPU seconds of the live processes of a process group (Linux)."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _machine_busy_seconds():
    """CPU seconds all processes on the machine have used since boot (Linux), or None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Probe:
    """How many cores processes other than this benchmark's kept busy over a stretch.

    Busy time of the whole machine (/proc/stat) minus this process, its finished children
    (wrk) and the server's process group; ``None`` where /proc is missing.
    """

    def __init__(self, server):
        self.server = server

    def _sample(self):
        children = os.times()
        return (time.perf_counter(), _machine_busy_seconds(), self.server.cpu_seconds(),
                children.user + children.system + children.children_user
                + children.children_system)

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *_):
        self.end = self._sample()

    @property
    def server_cpu_seconds(self):
        if self.start[2] is None or self.end[2] is None:
            return None
        return self.end[2] - self.start[2]

    @property
    def other_cores(self):
        (t0, busy0, server0, own0), (t1, busy1, server1, own1) = self.start, self.end
        if None in (busy0, busy1, server0, server1):
            return None
        other = (busy1 - busy0) - (server1 - server0) - (own1 - own0)
        return round(max(other, 0.0) / (t1 - t0), 2)


class Server:
    """``nlu serve`` in its own process group, on a free port; stopped with SIGINT."""

    def __init__(self, model_dir, domain_dir, scratch, workers=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(scratch) / "server.log"
        command = [sys.executable, "-m", "training.cli", "serve", "--model", str(model_dir),
                   "--domain", str(domain_dir), "--host", "127.0.0.1",
                   "--port", str(self.port)]
        if workers:
            command += ["--workers", str(workers)]
        environment = {**os.environ,
                       "NLU_DATABASE_URL": f"sqlite:///{Path(scratch) / 'bench.db'}",
                       "NLU_ACCESS_LOG": "false",
                       "NLU_ADMIN_TOKEN": secrets.token_urlsafe(16),
                       "PYTHONPATH": os.pathsep.join(filter(None, [
                           str(ROOT), os.environ.get("PYTHONPATH")]))}
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=scratch, env=environment,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NLUError(f"the server exited with status {self.process.returncode}:\n"
                               f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise NLUError(f"the server was not ready within {timeout} s:\n{self.log_tail()}")

    def parse(self, text):
        request = urllib.request.Request(self.url + PARSE_PATH, method="POST",
                                         data=json.dumps({"text": text}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def metrics(self):
        """The server's Prometheus text, or '' when it cannot be read."""
        try:
            with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return ""

    def cpu_seconds(self):
        return _cpu_seconds(self.process.pid)

    def log_problems(self, limit=10):
        """The server log's error lines (tracebacks, ERROR records), the first ``limit``."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in lines if line.startswith(("ERROR", "Traceback"))][:limit]

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=30):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # with --workers, the children too
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def run_wrk(wrk, url, script, bodies, seconds, connections, threads, timeout_s=10):
    """Run wrk once; what its Lua ``done()`` printed, with requests/s and total errors."""
    command = [wrk, "-t", str(threads), "-c", str(connections),
               "-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout_s}s",
               "-s", str(script), url, "--", str(bodies), PARSE_PATH]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise NLUError(f"wrk failed (status {done.returncode}): "
                       f"{(done.stderr or done.stdout).strip()[-800:]}")
    result = json.loads(lines[-1][len(MARKER):])
    elapsed = result.pop("duration_us") / 1e6
    result["errors"]["total"] = sum(result["errors"].values())
    return {"requests_per_s": round(result["requests"] / elapsed, 1),
            "seconds": round(elapsed, 2), **result}


def _histogram_totals(metrics_text, name):
    """``(sum, count)`` of a Prometheus histogram, added over its label sets."""
    totals = [0.0, 0.0]
    for line in metrics_text.splitlines():
        for index, suffix in enumerate(("_sum", "_count")):
            if line.startswith(name + suffix + " ") or line.startswith(name + suffix + "{"):
                totals[index] += float(line.rsplit(" ", 1)[1])
    return totals


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
                threads, warmup, in_process_seconds, workers=None):
    """The figures of one artifact; the server is always stopped on return."""
    from nlu import load_model

    model = load_model(model_dir)
    profile = model.profile
    say = lambda message: print(f"[{profile}] {message}", file=sys.stderr)  # noqa: E731

    scratch = Path(scratch)
    bodies = scratch / "bodies.jsonl"
    bodies.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                              for t in texts), encoding="utf-8")
    script = scratch / "parse.lua"
    script.write_text(WRK_SCRIPT)

    server = Server(model_dir, domain_dir, scratch, workers=workers)
    try:
        say(f"server on port {server.port}" + (f", {workers} workers" if workers else ""))
        started = time.perf_counter()
        server.wait_ready()
        startup = time.perf_counter() - started
        answer = server.parse(texts[0])  # one real answer first: the route works
        if "intent" not in answer or "message_id" not in answer:
            raise NLUError(f"unexpected {PARSE_PATH} answer: {json.dumps(answer)[:300]}")
        if warmup > 0:
            say(f"warm-up: {warmup:g} s of load")
            run_wrk(wrk, server.url, script, bodies, warmup, connections, threads)
        per_round = duration / rounds

        def measure_in_process():
            with Probe(server) as probe:
                in_process.append(in_process_throughput(model, texts, in_process_seconds))
            other_in_process.append(probe.other_cores)

        in_process, other_in_process, results, probes, batch_sums = [], [], [], [], []
        measure_in_process()
        for number in range(rounds):
            say(f"round {number + 1}/{rounds}: in-process {in_process[-1]:g} texts/s; "
                f"wrk {per_round:g} s at {connections} connections")
            batch_before = _histogram_totals(server.metrics(), "nlu_batch_size")
            with Probe(server) as probe:
                results.append(run_wrk(wrk, server.url, script, bodies, per_round,
                                       connections, threads))
            probes.append(probe)
            batch_after = _histogram_totals(server.metrics(), "nlu_batch_size")
            batch_sums.append([a - b for a, b in zip(batch_after, batch_before)])
            measure_in_process()
    finally:
        server.stop()

    effective_workers = workers or int(os.environ.get("NLU_WORKERS") or 1)
    rounds_out = []
    for number, result in enumerate(results):
        reference = statistics.mean(in_process[number:number + 2])
        texts_sum, batches = batch_sums[number]
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
            # /metrics is per process: with several workers it tells about one of them.
            "mean_batch_size": (round(texts_sum / batches, 1)
                                if batches and effective_workers == 1 else None),
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
        "other_processes_cores": _median_or_none(
            [r["other_processes_cores"]["during_load"] for r in rounds_out]),
    }
    summary["goals"] = check_goals(profile, summary, connections)
    problems = server.log_problems()
    if problems:
        summary["server_log_problems"] = problems
    return profile, {
        "summary": summary,
        "requests": total_requests,
        "errors": errors,
        "server": {"workers": effective_workers, "startup_s": round(startup, 2)},
        "in_process": {"batch_size": BATCH_SIZE, "seconds_each": in_process_seconds,
                       "texts_per_s": in_process},
        "rounds": rounds_out,
    }


def _train(profile, train_paths, out):
    from nlu import artifacts, model, readers

    dataset = readers.load_dataset([str(p) for p in train_paths])
    return artifacts.save_model(model.train(dataset, profile=profile), out)


def run_http_benchmark(profiles=("fast", "accurate"), model_dirs=None, train_paths=None,
                       messages=None, domain_dir=None, duration=15.0, rounds=3,
                       connections=32, threads=1, warmup=3.0, in_process_seconds=2.0,
                       workers=None):
    """Benchmark each profile (trained on ``train_paths``) or each of ``model_dirs``.

    ``workers`` maps a profile (or None, for every profile) to the server's worker
    processes; without an entry the server's default (``NLU_WORKERS``, 1) is used.

    Returns one JSON-ready dict: per profile a ``summary`` (medians over the rounds, the
    goals and whether they were met) and every measurement behind it.
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
            profile, figures = bench_model(
                model_dir, wrk=wrk, texts=texts, domain_dir=domain_dir, scratch=folder,
                duration=duration, rounds=rounds, connections=connections, threads=threads,
                warmup=warmup, in_process_seconds=in_process_seconds,
                workers=workers.get(profile, workers.get(None)))
            if model_dirs:
                figures["model"] = str(model_dir)
            key = profile if profile not in report["profiles"] else f"{profile}-{index}"
            report["profiles"][key] = figures
    report["goals_met"] = all(all(f["summary"]["goals"].values())
                              for f in report["profiles"].values())
    return report


def _profile_of(model_dir):
    from nlu.artifacts import read_manifest

    return read_manifest(model_dir).get("profile")
