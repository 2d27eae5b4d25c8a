"""Starting the server (``nlu serve``): check the artifact, prepare the store, run uvicorn."""

import os
import secrets
import sys
from pathlib import Path

from pydantic import ValidationError

from nlu.assistant.engine import Engine
from nlu.errors import ConfigError
from nlu.feedback.store import Store

from .settings import Settings

TOKEN_FILE = Path("var/admin_token")


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
    Engine.load(settings.model_dir, settings.domain_dir)  # a clear error now, not in a worker
    Store(settings.database_url).migrate()  # once, before the workers start
    for name, value in overrides.items():
        os.environ[f"NLU_{name.upper()}"] = str(value)
    os.environ["NLU_MIGRATE_ON_START"] = "false"
    if not settings.admin_token:
        os.environ["NLU_ADMIN_TOKEN"] = _new_admin_token()
    print(f"serving {Path(settings.model_dir).resolve().name} on "
          f"http://{settings.host}:{settings.port} (docs at /docs, chat page at /)",
          file=sys.stderr)
    uvicorn.run("serve.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, access_log=False, log_config=_log_config())


def _new_admin_token():
    """As Jupyter does: a fresh token, printed and saved where only this user can read it."""
    token = secrets.token_urlsafe(24)
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    TOKEN_FILE.write_text(token + "\n")
    TOKEN_FILE.chmod(0o600)
    print(f"NLU_ADMIN_TOKEN is not set: generated one for this run, saved in {TOKEN_FILE}\n"
          f"    admin token: {token}", file=sys.stderr)
    return token


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
