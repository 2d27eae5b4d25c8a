"""The load side of the HTTP benchmark: wrk and its Lua script, CPU accounting."""

__all__ = ["Probe", "ensure_wrk", "run_wrk", "resident_bytes", "write_wrk_inputs",
           "BenchmarkError", "WRK_SCRIPT", "PARSE_PATH"]

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

PARSE_PATH = "/v1/parse"


class BenchmarkError(RuntimeError):
    """A benchmark cannot run (no wrk, a server that fails, bad messages)."""

MARKER = "WRK_RESULT "


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


def write_wrk_inputs(folder, texts):
    """The request bodies (one JSON document per line) and the Lua script wrk needs to POST
    ``texts`` to /v1/parse, written in ``folder``: ``(bodies, script)``."""
    bodies, script = Path(folder) / "bodies.jsonl", Path(folder) / "parse.lua"
    bodies.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                              for t in texts), encoding="utf-8")
    script.write_text(WRK_SCRIPT)
    return bodies, script


def ensure_wrk():
    """The path of wrk; `make bench` installs it (apt-get install -y wrk) when missing."""
    path = shutil.which("wrk")
    if path is None:
        raise BenchmarkError("wrk is not installed: run `make bench`, which installs it, or "
                             "`apt-get install -y wrk` as root")
    return path


def _group_stats(group):
    """``/proc/PID/stat`` fields (after the name) of the live processes of a process group
    (Linux), or None where /proc is missing."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    found = []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            found.append(fields)
    return found


def _cpu_seconds(group):
    """User + system CPU seconds of the live processes of a process group (Linux)."""
    stats = _group_stats(group)
    if stats is None:
        return None
    return sum(int(f[11]) + int(f[12]) for f in stats) / os.sysconf("SC_CLK_TCK")


def resident_bytes(group):
    """Resident memory of the processes of a process group (the server and its workers),
    added up (Linux), or None."""
    stats = _group_stats(group)
    if stats is None:
        return None
    return sum(int(f[21]) for f in stats) * os.sysconf("SC_PAGE_SIZE")  # rss, in pages


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
        return (time.perf_counter(), _machine_busy_seconds(),
                _cpu_seconds(self.server.process.pid),
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


def run_wrk(wrk, url, script, bodies, seconds, connections, threads, timeout_s=10):
    """Run wrk once; what its Lua ``done()`` printed, with requests/s and total errors."""
    command = [wrk, "-t", str(threads), "-c", str(connections),
               "-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout_s}s",
               "-s", str(script), url, "--", str(bodies), PARSE_PATH]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise BenchmarkError(f"wrk failed (status {done.returncode}): "
                       f"{(done.stderr or done.stdout).strip()[-800:]}")
    result = json.loads(lines[-1][len(MARKER):])
    elapsed = result.pop("duration_us") / 1e6
    result["errors"]["total"] = sum(result["errors"].values())
    return {"requests_per_s": round(result["requests"] / elapsed, 1),
            "seconds": round(elapsed, 2), **result}
