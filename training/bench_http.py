"""``nlu benchmark http``: the HTTP server under a real load generator, beside the model alone.

For each profile: train on the training data into a scratch folder (or take ``--model``),
measure the model's in-process batched throughput (``predict`` on batches of 32), start
``nlu serve`` as its own process on a free port, wait for ``/readyz``, warm it up, drive
``POST /v1/parse`` with wrk from another process (a Lua script cycles through the messages
of the test set and reports latency percentiles and errors as JSON), stop the server, and
measure the in-process throughput once more. The server's throughput is reported as a
ratio of the mean of the two in-process figures, so both come from the same run on the
same machine under the same background load.

This is a front end: the ``nlu`` library knows nothing of HTTP, and the server is reached
only through its port, as a client would.
"""

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

#: The goals of the issue, checked against every run and reported with it.
GOALS = {
    "accurate": {"min_ratio": 0.7, "max_errors": 0},
    "fast": {"min_requests_per_s": 800, "max_p99_ms": 30, "at_connections": 32,
             "max_errors": 0},
}

# Runs in each wrk thread (each has its own Lua state). ``init`` reads the request bodies
# (one JSON document per line) and pre-formats one request per body; ``request`` cycles
# through them from a different start in each thread; ``response`` counts statuses outside
# 2xx (wrk's own ``errors.status`` only counts >= 400); ``done`` prints one JSON line.
WRK_SCRIPT = r"""
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local requests = {}
  local headers = {["Content-Type"] = "application/json"}
  for line in io.lines(args[1]) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", args[2], headers, line)
    end
  end
  if #requests == 0 then
    error("no request bodies in " .. args[1])
  end
  bodies = requests
  index = ((id or 1) * 97) % #bodies
  non2xx = 0
  responses = 0
end

function request()
  index = index % #bodies + 1
  return bodies[index]
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, responses_total = 0, 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
    responses_total = responses_total + (thread:get("responses") or 0)
  end
  local e = summary.errors
  local function ms(us) return us / 1000.0 end
  io.write(string.format(
    '%s{"requests":%d,"responses":%d,"duration_us":%d,"bytes":%d,'
    .. '"latency_ms":{"mean":%.3f,"stdev":%.3f,"max":%.3f,'
    .. '"p50":%.3f,"p90":%.3f,"p95":%.3f,"p99":%.3f,"p99_9":%.3f},'
    .. '"errors":{"non_2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,'
    .. '"status_ge_400":%d}}\n',
    "__MARKER__", summary.requests, responses_total, summary.duration, summary.bytes,
    ms(latency.mean), ms(latency.stdev), ms(latency.max),
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(95)),
    ms(latency:percentile(99)), ms(latency:percentile(99.9)),
    non2xx_total, e.connect, e.read, e.write, e.timeout, e.status))
end
""".replace("__MARKER__", MARKER)


def ensure_wrk():
    """The path of wrk, installed from the Debian packages when it is missing."""
    path = shutil.which("wrk")
    if path:
        return path
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise NLUError("wrk is not installed and cannot be installed here "
                       "(run as root: apt-get update && apt-get install -y wrk)")
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
        model.predict(batches[count % len(batches)])
        done += len(batches[count % len(batches)])
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and count >= 3:
            return round(done / elapsed, 1)


class Server:
    """``nlu serve`` in its own process, on a free port, stopped with SIGINT (then SIGKILL)."""

    def __init__(self, model_dir, domain_dir, scratch, workers=None, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(scratch) / f"server-{self.port}.log"
        command = [sys.executable, "-m", "training.cli", "serve", "--model", str(model_dir),
                   "--domain", str(domain_dir), "--host", "127.0.0.1",
                   "--port", str(self.port)]
        if workers:
            command += ["--workers", str(workers)]
        environment = {**os.environ, **(env or {}),
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

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=20):
        if self.process.poll() is None:
            # The whole session: with --workers, uvicorn's children go too.
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def run_wrk(wrk, url, script, bodies, duration, connections, threads, timeout_s=10):
    """Run wrk once; the JSON its Lua ``done()`` printed, with the requests per second."""
    command = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
               "--timeout", f"{timeout_s}s", "-s", str(script), url, "--", str(bodies),
               PARSE_PATH]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise NLUError(f"wrk failed (status {done.returncode}): "
                       f"{(done.stderr or done.stdout).strip()[-800:]}")
    result = json.loads(lines[-1][len(MARKER):])
    seconds = result.pop("duration_us") / 1e6
    errors = result["errors"]
    errors["total"] = (errors["non_2xx"] + errors["connect"] + errors["read"]
                       + errors["write"] + errors["timeout"])
    return {"requests_per_s": round(result["requests"] / seconds, 1),
            "seconds": round(seconds, 2), **result}


def _batch_sizes(metrics_text):
    """Mean texts per model call in the server, from its Prometheus histogram."""
    values = {}
    for line in metrics_text.splitlines():
        for name in ("nlu_batch_size_sum", "nlu_batch_size_count"):
            if line.startswith(name + " "):
                values[name] = values.get(name, 0.0) + float(line.split()[1])
    count = values.get("nlu_batch_size_count", 0)
    return round(values.get("nlu_batch_size_sum", 0) / count, 1) if count else None


def check_goals(profile, figures, connections):
    """Each goal of the profile with whether this run met it."""
    goals = GOALS.get(profile, {})
    server, checks = figures["server"], {}
    if "min_ratio" in goals:
        checks["ratio >= %s" % goals["min_ratio"]] = figures["ratio"] >= goals["min_ratio"]
    if "min_requests_per_s" in goals:
        checks["requests_per_s >= %s" % goals["min_requests_per_s"]] = (
            server["requests_per_s"] >= goals["min_requests_per_s"])
    if "max_p99_ms" in goals:
        key = "p99_ms <= %s at %s connections" % (goals["max_p99_ms"], goals["at_connections"])
        checks[key] = (server["latency_ms"]["p99"] <= goals["max_p99_ms"]
                       and connections == goals["at_connections"])
    if "max_errors" in goals:
        checks["errors == 0"] = server["errors"]["total"] <= goals["max_errors"]
    return checks


def _train(profile, train_paths, out, embedding_model=None):
    from nlu import artifacts, model, readers

    dataset = readers.load_dataset(train_paths)
    fitted = model.train(dataset, profile=profile, embedding_model=embedding_model)
    return artifacts.save_model(fitted, out)


def bench_profile(profile, model_dir, *, wrk, texts, domain_dir, scratch, duration,
                  connections, threads, warmup, in_process_seconds, workers=None, log=None):
    """All the figures of one profile; the server is always stopped on return."""
    from nlu import load_model

    log = log or (lambda message: print(message, file=sys.stderr))
    model = load_model(model_dir)
    profile = model.profile
    log(f"[{profile}] in-process batched throughput ({in_process_seconds:g} s)")
    before = in_process_throughput(model, texts, in_process_seconds)

    bodies = Path(scratch) / "bodies.jsonl"
    bodies.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                              for t in texts), encoding="utf-8")
    script = Path(scratch) / "parse.lua"
    script.write_text(WRK_SCRIPT)

    load_before = round(os.getloadavg()[0], 2)
    server = Server(model_dir, domain_dir, scratch, workers=workers)
    try:
        log(f"[{profile}] starting the server on port {server.port}"
            + (f" with {workers} workers" if workers else ""))
        started = time.perf_counter()
        server.wait_ready()
        startup = round(time.perf_counter() - started, 2)
        sample = server.parse(texts[0])  # one real answer before the load: the route works
        if "intent" not in sample or "message_id" not in sample:
            raise NLUError(f"unexpected /v1/parse answer: {json.dumps(sample)[:300]}")
        log(f"[{profile}] warm-up {warmup:g} s, then wrk for {duration:g} s at "
            f"{connections} connections")
        if warmup > 0:
            run_wrk(wrk, server.url, script, bodies, warmup, connections, threads)
        batches_before = server.metrics()
        result = run_wrk(wrk, server.url, script, bodies, duration, connections, threads)
        metrics_text = server.metrics()
    finally:
        server.stop()
    log(f"[{profile}] in-process batched throughput again")
    after = in_process_throughput(model, texts, in_process_seconds)
    in_process = round(statistics.mean([before, after]), 1)
    figures = {
        "model": str(model_dir),
        "server": {**result, "workers": workers or 1, "startup_s": startup,
                   "mean_batch_size": _batch_sizes(metrics_text) if not batches_before
                   else _batch_delta(batches_before, metrics_text)},
        "in_process": {"batch_size": BATCH_SIZE, "texts_per_s": in_process,
                       "runs": [before, after]},
        "ratio": round(result["requests_per_s"] / in_process, 3),
        "load_average_1m_before": load_before,
    }
    figures["goals"] = check_goals(profile, figures, connections)
    return figures


def _batch_delta(before_text, after_text):
    """Mean batch size over the measured run only (the warm-up subtracted)."""
    def read(text):
        values = {"sum": 0.0, "count": 0.0}
        for line in text.splitlines():
            for key in values:
                if line.startswith(f"nlu_batch_size_{key} "):
                    values[key] += float(line.split()[1])
        return values

    first, last = read(before_text), read(after_text)
    count = last["count"] - first["count"]
    return round((last["sum"] - first["sum"]) / count, 1) if count else None


def run_http_benchmark(profiles=("fast", "accurate"), model_dirs=None, train_paths=None,
                       messages=None, domain_dir=None, duration=15.0, connections=32,
                       threads=1, warmup=3.0, in_process_seconds=5.0, workers=None,
                       embedding_model=None):
    """Run the benchmark for each profile (or each ``model_dirs`` artifact); one dict."""
    wrk = ensure_wrk()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    texts = load_messages(messages or DEFAULT_MESSAGES)
    domain_dir = Path(domain_dir or DEFAULT_DOMAIN).resolve()
    report = {"benchmark": "http", "endpoint": f"POST {PARSE_PATH}",
              "cpus": os.cpu_count(),
              "wrk": (version.stdout or version.stderr).split("\n")[0].strip(),
              "connections": connections, "wrk_threads": threads, "duration_s": duration,
              "warmup_s": warmup, "messages": len(texts), "profiles": {}}
    with tempfile.TemporaryDirectory(prefix="nlu-bench-http-") as scratch:
        runs = []
        if model_dirs:
            runs = [(None, Path(d).resolve()) for d in model_dirs]
        else:
            for profile in profiles:
                print(f"[{profile}] training on "
                      f"{', '.join(map(str, train_paths or [DEFAULT_TRAIN]))}", file=sys.stderr)
                runs.append((profile, _train(profile, [str(p) for p in train_paths or
                                                       [DEFAULT_TRAIN]],
                                             Path(scratch) / f"model-{profile}",
                                             embedding_model)))
        for index, (_, model_dir) in enumerate(runs):
            folder = Path(scratch) / f"run-{index}"
            folder.mkdir()
            figures = bench_profile(None, model_dir, wrk=wrk, texts=texts,
                                    domain_dir=domain_dir, scratch=folder, duration=duration,
                                    connections=connections, threads=threads, warmup=warmup,
                                    in_process_seconds=in_process_seconds,
                                    workers=_workers_for(model_dir, workers))
            profile = _profile_of(model_dir)
            if model_dirs is None:
                figures["model"] = f"trained on {', '.join(map(str, train_paths or [DEFAULT_TRAIN]))}"
            key = profile if profile not in report["profiles"] else f"{profile}-{index}"
            report["profiles"][key] = figures
    report["goals_met"] = all(all(f["goals"].values()) for f in report["profiles"].values())
    return report


def _profile_of(model_dir):
    from nlu.artifacts import read_manifest

    return read_manifest(model_dir).get("profile", "unknown")


def _workers_for(model_dir, workers):
    return workers
