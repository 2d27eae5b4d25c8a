"""Server configuration from environment variables (prefix ``NLU_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlu.feedback.store import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Every option can be set as ``NLU_<NAME>``, e.g. ``NLU_MODEL_DIR=models/current``.

    Lists (``NLU_API_KEYS``, ``NLU_CORS_ORIGINS``) are JSON arrays or comma-separated.
    """

    model_config = SettingsConfigDict(env_prefix="NLU_", extra="ignore")

    model_dir: Path = Path("models/current")
    #: The only folder `POST /v1/admin/reload` loads artifacts from.
    models_dir: Path = Path("models")
    domain_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1)
    admin_token: str | None = None
    cors_origins: list[str] | str = []
    api_keys: list[str] | str = []
    database_url: str = DEFAULT_DATABASE_URL
    batch_window_ms: float = Field(2.0, ge=0, le=1000)
    batch_max_size: int = Field(32, ge=1, le=1024)
    # Fair use of the prediction thread: one model call takes at most this many characters
    # (a long batch is split over calls, and single messages go in between).
    batch_max_chars: int = Field(3000, ge=1)
    max_request_chars: int = Field(100_000, ge=1)
    max_body_bytes: int = Field(400_000, ge=1)
    rate_limit: float = Field(0.0, ge=0)  # requests a second per client; 0: no limit
    rate_burst: int = Field(20, ge=1)
    shutdown_grace_seconds: float = Field(10.0, ge=0)
    #: With several workers (set by `nlu serve --workers N`): where a reload names the
    #: artifact, for every worker to follow within ``follow_seconds`` (serve/follow.py).
    served_model_file: Path | None = None
    follow_seconds: float = Field(1.0, gt=0, le=60)
    record_predictions: bool = True
    session_ttl_seconds: int = Field(1800, ge=1)
    migrate_on_start: bool = True
    access_log: bool = True
    #: Keys the hash of session ids that carry personal data; `nlu serve` keeps one in
    #: var/privacy_key when unset. Set the same one on every host behind a balancer.
    privacy_key: str | None = None
    #: The training data the review insights check (too few or too similar examples).
    training_data: Path = Path("data/intents_id.yaml")
    #: Share of messages two reviewers decide blind, for agreement (Cohen's kappa).
    review_double_rate: float = Field(0.1, ge=0, le=1)

    def model_post_init(self, _context):
        for name in ("cors_origins", "api_keys"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, [v.strip() for v in value.split(",") if v.strip()])


@lru_cache
def get_settings():
    return Settings()
