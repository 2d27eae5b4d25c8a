"""Starting the server (``nlu serve``): check the artifact, prepare the store, run uvicorn."""

import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from nlu.assistant.engine import Engine
from nlu.errors import ConfigError, StartupError
from nlu.feedback.store import Store

from .metrics import MULTIPROC_VARIABLE
from .settings import Settings

TOKEN_FILE = Path("var/admin_token")
#: The key of the hash of session ids that carry personal data, kept across restarts.
PRIVACY_KEY_FILE = Path("var/privacy_key")
#: Seconds a worker process may leave the supervisor's ping unanswered before it is
#: restarted as hung.
WORKER_HEALTHCHECK_SECONDS = 30
#: The file through which a reload reaches every worker (Settings.served_model_file).
SERVED_MODEL_VARIABLE = "NLU_SERVED_MODEL_FILE"


def run_server(overrides):
    """Start the server with the ``NLU_*`` settings, ``overrides`` taking precedence.

    Workers read their settings from the environment, so the overrides are exported.
    """
    import uvicorn

    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"bad server setting: {problems}") from None
    _check_address(settings.host, settings.port)
    engine = Engine.load(settings.model_dir, settings.domain_dir)  # an error now, not later
    Store(settings.database_url).migrate()  # once, before the workers start
    for name, value in overrides.items():
        os.environ[f"NLU_{name.upper()}"] = str(value)
    os.environ["NLU_MIGRATE_ON_START"] = "false"
    if not settings.admin_token:
        os.environ["NLU_ADMIN_TOKEN"] = _new_admin_token()
    if not settings.privacy_key:  # every worker hashes session ids with the same key
        os.environ["NLU_PRIVACY_KEY"] = _privacy_key()
    print(f"serving {engine.version} on http://{settings.host}:{settings.port} "
          "(docs at /docs, chat page at /)", file=sys.stderr)
    # uvicorn stops gracefully on SIGTERM (no new connections, in-flight requests finished
    # within the grace period, then the app's shutdown flushes the recorder) and then
    # raises the signal again for the handler that was there before it: this one, so that
    # a requested stop ends with status 0, as process managers expect of a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        with _shared_between_workers(settings.workers):
            uvicorn.run("serve.app:create_app", factory=True, host=settings.host,
                        port=settings.port, workers=settings.workers, access_log=False,
                        log_config=_log_config(),
                        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
                        # A worker answers the supervisor's pings from a thread; while it
                        # loads a model on a busy machine it may not get to it for seconds,
                        # and uvicorn's default (5 s) then kills and restarts it, over and
                        # over.
                        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
    except SystemExit as exc:  # uvicorn's 3 would read as "not promoted" (README)
        if exc.code not in (0, None):
            raise StartupError(f"the server stopped while starting (status {exc.code}); "
                               "its log above says why") from None


def _check_address(host, port):
    """Bind the address as uvicorn will: an address in use is one line, before anything
    starts (uvicorn logs it after the application has started, and exits 3)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"bad server setting: host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@contextmanager
def _shared_between_workers(workers):
    """With several workers: prometheus-client's multiprocess mode (each worker writes its
    metrics to files in one folder, emptied at start, and /metrics adds them up:
    PROMETHEUS_MULTIPROC_DIR), and the file through which a reload reaches every worker
    (NLU_SERVED_MODEL_FILE, serve/follow.py: removed at start). What is not given is made
    in temporary folders, removed at the end."""
    if workers == 1:  # nothing to share, nothing to follow
        os.environ.pop(SERVED_MODEL_VARIABLE, None)
        yield
        return
    made = []  # the temporary folders
    given = os.environ.get(MULTIPROC_VARIABLE)
    if not given:
        made.append(tempfile.mkdtemp(prefix="nlu-metrics-"))
    metrics = Path(given or made[-1])
    metrics.mkdir(parents=True, exist_ok=True)
    for stale in metrics.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_VARIABLE] = str(metrics)
    given = os.environ.get(SERVED_MODEL_VARIABLE)
    if given:  # a reload of the last run is not this run's model
        try:
            Path(given).unlink(missing_ok=True)
        except OSError as exc:
            raise StartupError(f"{SERVED_MODEL_VARIABLE} {given}: cannot remove the last "
                               f"run's file: {exc.strerror}") from None
    else:
        made.append(tempfile.mkdtemp(prefix="nlu-model-"))
        os.environ[SERVED_MODEL_VARIABLE] = str(Path(made[-1]) / "served.json")
    try:
        yield
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


def _new_admin_token():
    """As Jupyter does: a fresh token, printed and saved where only this user can read it."""
    token = secrets.token_urlsafe(24)
    _write_secret(TOKEN_FILE, token)
    print(f"NLU_ADMIN_TOKEN is not set: generated one for this run, saved in {TOKEN_FILE}\n"
          f"    admin token: {token}", file=sys.stderr)
    return token


def _privacy_key():
    """The key in PRIVACY_KEY_FILE, made once: restarts keep the same hashed session ids."""
    try:
        key = PRIVACY_KEY_FILE.read_text().strip()
    except FileNotFoundError:
        key = ""
    except OSError as exc:
        raise ConfigError(f"{PRIVACY_KEY_FILE}: cannot read: {exc.strerror}") from None
    if not key:
        key = secrets.token_hex(32)
        _write_secret(PRIVACY_KEY_FILE, key)
    return key


def _write_secret(path, text):
    """Write ``text`` to ``path``, readable by this user only from the first byte: a file
    made private by mkstemp, then renamed over the old one (never a chmod after writing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text + "\n")
        os.replace(temporary, path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None


def _log_config():
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(message)s"},
                       "default": {"format": "%(levelname)s %(name)s: %(message)s"}},
        "handlers": {"access": {"class": "logging.StreamHandler", "formatter": "plain",
                                "stream": "ext://sys.stdout"},
                     "default": {"class": "logging.StreamHandler", "formatter": "default",
                                 "stream": "ext://sys.stderr"}},
        "loggers": {"nlu.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
                    "nlu": {"handlers": ["default"], "level": "INFO", "propagate": False},
                    "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False}},
    }
