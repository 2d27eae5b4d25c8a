"""``nlu serve`` as a process of its own, for the benchmarks and the end-to-end tests.

A client only: the server is reached through its port, as a frontend would.
"""

__all__ = ["ServerProcess", "ServerError", "free_port", "ROOT"]

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ServerError(RuntimeError):
    """The server exited, or was not ready in time; the message ends with its log."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``nlu serve --model MODEL`` on a free port of 127.0.0.1, in its own process group.

    Parameters
    ----------
    model_dir : path
    work_dir : path
        Where the server's log goes.
    env : dict
        Environment variables on top of this process's (``NLU_DATABASE_URL``...).
    workers : int, optional
    domain_dir : path, optional
    cwd : path
        The server's working directory (``var/`` lands there); the checkout by default.
    """

    def __init__(self, model_dir, work_dir, env=None, workers=None, domain_dir=None, cwd=ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(work_dir) / f"server-{self.port}.log"
        nlu_cli = Path(sys.executable).parent / "nlu"
        command = [str(nlu_cli)] if nlu_cli.exists() else [sys.executable, "-m", "training.cli"]
        command += ["serve", "--model", str(model_dir), "--host", "127.0.0.1",
                    "--port", str(self.port)]
        if workers:
            command += ["--workers", str(workers)]
        if domain_dir:
            command += ["--domain", str(domain_dir)]
        environment = {**os.environ, "NLU_API_KEYS": "", **(env or {})}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=cwd, env=environment,
                                            stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=120):
        """Wait until ``/readyz`` answers 200; raise :class:`ServerError` otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"`nlu serve` exited with status {self.process.returncode} "
                                  f"before it was ready:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise ServerError(f"`nlu serve` was not ready within {timeout} s:\n{self.log_tail()}")

    def parse(self, text):
        request = urllib.request.Request(self.url + "/v1/parse", method="POST",
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

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=30):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def log_problems(self, limit=10):
        """The log's error lines (tracebacks, ERROR records), the first ``limit``."""
        return [line for line in self.log_text().splitlines()
                if line.startswith(("ERROR", "Traceback"))][:limit]

    def kill(self):
        """SIGKILL to the process group: a crash, nothing gets to finish or flush."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()

    def stop(self, timeout=30):
        """SIGTERM to the process group (the supervisor and its workers), then SIGKILL."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode
