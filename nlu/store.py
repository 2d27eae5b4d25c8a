"""The store: predictions, conversation state, feedback and review decisions (SQLAlchemy 2).

SQLite (WAL mode) by default, PostgreSQL by URL. The schema is created and upgraded by the
Alembic migrations in ``nlu/migrations``. Texts are masked before they get here; the store
never sees a raw message.
"""

__all__ = ["Store", "UnknownMessage", "metadata", "utcnow", "hash_token"]

import hashlib
import hmac
import random
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, MetaData,
                        String, Table, Text, create_engine, event, insert, select)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .conversation import ConversationState
from .errors import NLUError

metadata = MetaData()

predictions = Table(
    "predictions", metadata,
    Column("message_id", String(32), primary_key=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("session_id", String(128), index=True),
    Column("model_version", String(128), nullable=False),
    Column("endpoint", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("intent", String(64), index=True),
    Column("top_intent", String(64), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("margin", Float, nullable=False),
    Column("ranking", JSON, nullable=False),
    Column("route", String(32), index=True),
    Column("fallback", String(32)),
    # Uniform in [0, 1): the review queue samples confident predictions with it.
    Column("sample", Float, nullable=False),
)
sessions = Table(
    "sessions", metadata,
    Column("session_id", String(128), primary_key=True),
    Column("misses", Integer, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(32), ForeignKey("predictions.message_id"), nullable=False,
           index=True),
    Column("source", String(16), nullable=False),
    Column("correct_intent", String(64)),
    Column("correct_route", String(32)),
    Column("comment", Text),
    Column("created_at", DateTime, nullable=False),
)
reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(32), ForeignKey("predictions.message_id"), nullable=False,
           unique=True),
    Column("label", String(64)),
    Column("out_of_scope", Boolean, nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("created_at", DateTime, nullable=False, index=True),
)
leads = Table(
    "leads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)


def utcnow():
    """Naive UTC now: the store keeps every time in UTC without a zone (SQLite drops it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """Access to the database at ``url`` (``sqlite:///path`` or ``postgresql+psycopg://``).

    Call :meth:`migrate` once before use (the server does at start).
    """

    def __init__(self, url):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True,
                                                                         exist_ok=True)
        try:
            self.engine = create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise NLUError(f"database URL {url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self):
        """Create or upgrade the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise NLUError(f"database {self.engine.url!r}: cannot open or migrate: "
                           f"{reason}") from None

    def dispose(self):
        self.engine.dispose()

    # -- predictions ---------------------------------------------------------------------

    def add_predictions(self, rows):
        """Insert prediction rows (dicts with the columns of ``predictions``)."""
        if not rows:
            return
        for row in rows:
            row.setdefault("sample", random.random())
        with self.engine.begin() as connection:
            connection.execute(insert(predictions), rows)

    def get_prediction(self, message_id):
        with self.engine.connect() as connection:
            row = connection.execute(select(predictions).where(
                predictions.c.message_id == message_id)).mappings().first()
        return dict(row) if row else None

    # -- feedback and leads --------------------------------------------------------------

    def add_feedback(self, message_id, source, correct_intent=None, correct_route=None,
                     comment=None):
        """Record feedback on a prediction; the comment must already be masked.

        Raises
        ------
        UnknownMessage
        """
        with self.engine.begin() as connection:
            known = connection.execute(select(predictions.c.message_id).where(
                predictions.c.message_id == message_id)).first()
            if known is None:
                raise UnknownMessage(f"no prediction with message_id {message_id!r}")
            result = connection.execute(insert(feedback).values(
                message_id=message_id, source=source, correct_intent=correct_intent,
                correct_route=correct_route, comment=comment, created_at=utcnow()))
            return result.inserted_primary_key[0]

    def add_lead(self, name):
        """Create a CS lead and return their token (only its hash is stored)."""
        token = secrets.token_urlsafe(24)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(leads).values(name=name, token_hash=hash_token(token),
                                                        created_at=utcnow()))
        except IntegrityError:
            raise NLUError(f"a lead named {name!r} already exists") from None
        return token

    def lead_for_token(self, token):
        """The name of the lead holding ``token``, or None."""
        digest = hash_token(token)
        with self.engine.connect() as connection:
            row = connection.execute(select(leads.c.name, leads.c.token_hash).where(
                leads.c.token_hash == digest)).first()
        if row is not None and hmac.compare_digest(row.token_hash, digest):
            return row.name
        return None

    # -- conversations -------------------------------------------------------------------

    def load_state(self, session_id):
        """The conversation state of ``session_id``; a fresh one when unknown or expired."""
        with self.engine.connect() as connection:
            row = connection.execute(select(sessions).where(
                sessions.c.session_id == session_id)).mappings().first()
        if row is None or row["expires_at"] <= utcnow():
            return ConversationState()
        return ConversationState(misses=row["misses"])

    def save_state(self, session_id, state, ttl_seconds):
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        with self.engine.begin() as connection:
            updated = connection.execute(
                sessions.update().where(sessions.c.session_id == session_id)
                .values(misses=state.misses, expires_at=expires)).rowcount
            if not updated:
                connection.execute(insert(sessions).values(
                    session_id=session_id, misses=state.misses, expires_at=expires))
            # Expired conversations are dropped as they are met, a few at a time.
            connection.execute(sessions.delete().where(sessions.c.expires_at < utcnow()))


class UnknownMessage(NLUError):
    """No prediction with this message id."""


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _sqlite_pragmas(connection, _record):
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
