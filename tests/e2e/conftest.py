"""Fixtures for the real-browser tests: Chromium, a real ``nlu serve`` process, a page.

Everything here is session-scoped and only used by tests under ``tests/e2e``: the model is
trained once, the server is started once, Chromium is launched once.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks.server import ServerError, ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 60


def apt_install(package, what):
    """``apt-get install -y PACKAGE`` (CI starts on a clean machine); fail with the reason."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.fail(f"{what} is missing and cannot be installed here: run `apt-get update && "
                    f"apt-get install -y {package}` as root", pytrace=False)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"could not install {what}: `{' '.join(command)}` exited "
                        f"{result.returncode}:\n{(result.stdout + result.stderr)[-2000:]}",
                        pytrace=False)


@pytest.fixture(scope="session")
def chromium_path():
    """The path of a Chromium binary, installed with apt-get when it is missing."""
    if not CHROMIUM.exists():
        apt_install("chromium", f"Chromium ({CHROMIUM})")
    if not CHROMIUM.exists():
        pytest.fail(f"`apt-get install -y chromium` succeeded but {CHROMIUM} is still missing",
                    pytrace=False)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def e2e_model_dir(tmp_path_factory):
    """The ``fast`` profile trained once on the real Indonesian dataset, saved to a tmp dir."""
    import nlu

    model = nlu.train(nlu.load_dataset(ROOT / "data" / "intents_id.yaml"), profile="fast")
    return nlu.save_model(model, tmp_path_factory.mktemp("e2e-model") / "fast")


def _start_server(model_dir, work, env, workers=1):
    """``nlu serve`` on a free port (see :class:`benchmarks.server.ServerProcess`)."""
    server = ServerProcess(model_dir, work, env=env, workers=workers)
    try:
        server.wait_ready(SERVER_START_TIMEOUT)
    except ServerError as exc:
        server.stop()
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def live_server(e2e_model_dir, tmp_path_factory):
    """A real ``nlu serve`` subprocess on a free port; yields its base URL."""
    work = tmp_path_factory.mktemp("e2e-server")
    server = _start_server(e2e_model_dir, work, {
        "NLU_DATABASE_URL": f"sqlite:///{work / 'nlu.db'}", "NLU_ADMIN_TOKEN": "x"})
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium driven by playwright (no browser download: the system one)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def chat_page(browser, live_server):
    """A fresh page (own context, so own sessionStorage and chat session) on the chat page."""
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/")
    try:
        yield page
    finally:
        context.close()


# -- The review page (tests/e2e/test_review_page.py) ---------------------------------------
# A second ``nlu serve`` with its own database, so that the chat tests' predictions do not
# land in the review queue and the review tests know the database URL and the admin token
# (``nlu review add-lead --db URL`` makes a lead's token in the same database).

REVIEW_ADMIN_TOKEN = "e2e-review-admin-token"


class ReviewServer:
    """What the review tests need to know about their server."""

    def __init__(self, url, database_url, admin_token):
        self.url, self.database_url, self.admin_token = url, database_url, admin_token


@pytest.fixture(scope="session")
def review_server(e2e_model_dir, tmp_path_factory):
    """A real ``nlu serve`` on a free port with a fresh SQLite DB and a known admin token;
    half of its messages are reviewed twice, blind (so that every run has some)."""
    work = tmp_path_factory.mktemp("e2e-review-server")
    database_url = f"sqlite:///{work / 'nlu.db'}"
    server = _start_server(e2e_model_dir, work, {
        "NLU_DATABASE_URL": database_url, "NLU_ADMIN_TOKEN": REVIEW_ADMIN_TOKEN,
        "NLU_REVIEW_DOUBLE_RATE": "0.5"})
    try:
        yield ReviewServer(server.url, database_url, REVIEW_ADMIN_TOKEN)
    finally:
        server.stop()


# =============================================================================================
# Review workflow and concurrency fixtures (tests/e2e/test_review_workflow.py,
# tests/e2e/test_concurrency.py): a throw-away PostgreSQL, and `nlu serve` processes with
# chosen workers, database and model.
# =============================================================================================

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin/initdb"
WORKFLOW_ADMIN_TOKEN = "e2e-workflow-admin-token"


def _postgres_bin():
    """The folder of initdb/pg_ctl, installing PostgreSQL from Debian packages if needed."""
    import glob

    found = sorted(glob.glob(POSTGRES_BIN_GLOB))
    if not found:
        apt_install("postgresql", "PostgreSQL (/usr/lib/postgresql/*/bin/initdb)")
        found = sorted(glob.glob(POSTGRES_BIN_GLOB))
    if not found:
        pytest.fail("`apt-get install -y postgresql` succeeded but initdb is still missing",
                    pytrace=False)
    return Path(found[-1]).parent


def _as_postgres(*command, timeout=120):
    """Run a PostgreSQL tool as the `postgres` user (it refuses to run as root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    result = subprocess.run(prefix + [str(c) for c in command], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(map(str, command))}` exited {result.returncode}:\n"
                    f"{(result.stdout + result.stderr)[-2000:]}", pytrace=False)
    return result


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL cluster on a free port; yields its SQLAlchemy URL.

    Lives in a folder under /tmp that the `postgres` user owns (pytest's tmp folders are
    private to root); the cluster is stopped and the folder removed in teardown.
    """
    import tempfile

    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="nlu-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"
    _as_postgres(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
    _as_postgres(bin_dir / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "-t", "60",
                 "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres(bin_dir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url):
    """A database of its own in the session's PostgreSQL cluster (dropped in teardown)."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def nlu_process(tmp_path):
    """Start ``nlu serve`` processes: ``nlu_process(model, database_url, workers=1, **env)``
    returns the :class:`~benchmarks.server.ServerProcess` (its log, ``kill()``); every
    server started is stopped (its process group) in teardown.

    The admin token is ``WORKFLOW_ADMIN_TOKEN``; the access log is off unless ``env`` says.
    """
    started = []

    def start(model_dir, database_url, workers=1, **env):
        server = _start_server(model_dir, tmp_path, {
            "NLU_DATABASE_URL": database_url, "NLU_ADMIN_TOKEN": WORKFLOW_ADMIN_TOKEN,
            "NLU_ACCESS_LOG": "false", **env}, workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def nlu_server(nlu_process):
    """As :func:`nlu_process`, returning the base URL."""
    return lambda *args, **kwargs: nlu_process(*args, **kwargs).url


@pytest.fixture(scope="session")
def wrk_path():
    """The path of wrk (the HTTP load generator), installed with apt-get when missing."""
    if shutil.which("wrk") is None:
        apt_install("wrk", "wrk")
    return shutil.which("wrk") or pytest.fail("`apt-get install -y wrk` succeeded but wrk is "
                                              "not on PATH", pytrace=False)
