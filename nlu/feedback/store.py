"""The store: predictions, conversation state, feedback and leads (SQLAlchemy 2); the
review queue's queries are in :mod:`nlu.feedback.queue`, over the same tables.

SQLite (WAL mode) by default, PostgreSQL by URL. The schema is created and upgraded by the
Alembic migrations in ``nlu/feedback/migrations``. Texts are masked before they get here; the store
never sees a raw message.
"""

__all__ = ["Store", "hash_token", "head_revision", "check_lead_name", "DEFAULT_DATABASE_URL",
           "RESERVED_LEAD_NAMES"]

import hashlib
import hmac
import random
import secrets
import unicodedata
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..errors import Conflict, InvalidName, StoreError, UnknownLead, UnknownMessage
from .tables import decisions, feedback, leads, predictions, sessions, utcnow

#: Where the server, the CLI and the notebooks keep their data unless told otherwise.
DEFAULT_DATABASE_URL = "sqlite:///var/nlu.db"
#: Names that already mean someone in the audit trail: a lead may not take them.
RESERVED_LEAD_NAMES = frozenset({"admin", "administrator", "root", "system", "nlu"})


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
            raise StoreError(f"database URL {url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self):
        """Create or upgrade the schema to the newest Alembic revision."""
        from alembic import command

        config = _alembic_config()
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(f"database {self.engine.url!r}: cannot open or migrate: "
                             f"{reason}") from None

    def dispose(self):
        self.engine.dispose()

    def connect(self):
        """A connection for reading (a context manager)."""
        return self.engine.connect()

    def transaction(self):
        """A connection in a transaction, committed on success (a context manager)."""
        return self.engine.begin()

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
                     comment=None, out_of_scope=False):
        """Record feedback on a prediction; the comment must already be masked.
        ``out_of_scope`` says the message has no intent (``correct_intent`` is then None).

        Raises
        ------
        UnknownMessage
        """
        with self.engine.begin() as connection:
            known = connection.execute(select(predictions.c.message_id).where(
                predictions.c.message_id == message_id)).first()
            if known is None:
                raise UnknownMessage(f"unknown message_id {message_id!r}")
            result = connection.execute(insert(feedback).values(
                message_id=message_id, source=source, correct_intent=correct_intent,
                correct_route=correct_route, comment=comment, created_at=utcnow(),
                out_of_scope=out_of_scope))
            return result.inserted_primary_key[0]

    def add_lead(self, name):
        """Create a CS lead and return their token (only its hash is stored).

        Raises
        ------
        InvalidName
            The name is empty, too long, or reserved (see :func:`check_lead_name`).
        Conflict
            A lead (active or revoked) has this name already.
        """
        name = check_lead_name(name)
        token = secrets.token_urlsafe(24)
        try:
            with self.engine.begin() as connection:
                taken = connection.execute(select(leads.c.name).where(
                    func.lower(leads.c.name) == name.lower())).first()
                if taken is not None:
                    raise Conflict(f"a lead named {taken.name!r} already exists")
                connection.execute(insert(leads).values(name=name, token_hash=hash_token(token),
                                                        created_at=utcnow()))
        except IntegrityError:
            raise Conflict(f"a lead named {name!r} already exists") from None
        return token

    def lead_for_token(self, token):
        """The name of the lead holding ``token``, or None (a revoked lead's too)."""
        digest = hash_token(token)
        with self.engine.connect() as connection:
            row = connection.execute(select(leads.c.name, leads.c.token_hash).where(
                leads.c.token_hash == digest, leads.c.revoked_at.is_(None))).first()
        if row is not None and hmac.compare_digest(row.token_hash, digest):
            return row.name
        return None

    def list_leads(self):
        """Every lead, oldest first: ``name``, ``created_at``, ``rotated_at``,
        ``revoked_at``, ``decisions`` (made, undone ones included), ``last_decision``."""
        made = (select(decisions.c.reviewer, func.count().label("decisions"),
                       func.max(decisions.c.created_at).label("last_decision"))
                .group_by(decisions.c.reviewer).subquery())
        query = (select(leads.c.name, leads.c.created_at, leads.c.rotated_at,
                        leads.c.revoked_at, func.coalesce(made.c.decisions, 0).label(
                            "decisions"), made.c.last_decision)
                 .outerjoin(made, made.c.reviewer == leads.c.name)
                 .order_by(leads.c.created_at, leads.c.id))
        with self.engine.connect() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]

    def revoke_lead(self, name):
        """Revoke a lead: their token stops working at once; their decisions stay.

        Raises
        ------
        UnknownLead
        """
        with self.engine.begin() as connection:
            self._lead(connection, name)
            connection.execute(leads.update().where(leads.c.name == name,
                                                    leads.c.revoked_at.is_(None))
                               .values(revoked_at=utcnow()))

    def rotate_lead(self, name):
        """Give a lead a new token (returned; the old one stops working at once).

        Raises
        ------
        UnknownLead
            No such lead, or the lead is revoked.
        """
        token = secrets.token_urlsafe(24)
        with self.engine.begin() as connection:
            if self._lead(connection, name).revoked_at is not None:
                raise UnknownLead(f"lead {name!r} is revoked; add a lead with another name")
            connection.execute(leads.update().where(leads.c.name == name).values(
                token_hash=hash_token(token), rotated_at=utcnow()))
        return token

    @staticmethod
    def _lead(connection, name):
        row = connection.execute(select(leads.c.name, leads.c.revoked_at).where(
            leads.c.name == name)).first()
        if row is None:
            raise UnknownLead(f"no lead named {name!r}")
        return row

    # -- conversations -------------------------------------------------------------------

    def load_session(self, session_id):
        """The state stored for ``session_id`` (plain data), or None when unknown or expired."""
        with self.engine.connect() as connection:
            row = connection.execute(select(sessions).where(
                sessions.c.session_id == session_id)).mappings().first()
        if row is None or row["expires_at"] <= utcnow():
            return None
        return row["state"]

    def save_session(self, session_id, state, ttl_seconds):
        """Store ``state`` (plain data) for ``session_id`` for ``ttl_seconds``."""
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        with self.engine.begin() as connection:
            updated = connection.execute(
                sessions.update().where(sessions.c.session_id == session_id)
                .values(state=state, expires_at=expires)).rowcount
            if not updated:
                connection.execute(insert(sessions).values(
                    session_id=session_id, state=state, expires_at=expires))
            # Expired conversations are dropped as they are met, a few at a time.
            connection.execute(sessions.delete().where(sessions.c.expires_at < utcnow()))


def head_revision():
    """The newest Alembic revision: the one :meth:`Store.migrate` leaves a database at."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def check_lead_name(name):
    """``name`` stripped, if a lead may take it: 1 to 64 characters, no control character,
    not a reserved name (``admin`` signs the admin token's decisions), whatever the case.

    >>> check_lead_name("  Sari Dewi ")
    'Sari Dewi'
    """
    name = (name or "").strip()
    if not name:
        raise InvalidName("a lead needs a name")
    if len(name) > 64 or any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidName(f"lead name {name[:64]!r}: at most 64 characters, no control "
                          "characters")
    if name.lower() in RESERVED_LEAD_NAMES:
        raise InvalidName(f"lead name {name!r} is reserved (choose another: "
                          f"{', '.join(sorted(RESERVED_LEAD_NAMES))} are taken)")
    return name


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _sqlite_pragmas(connection, _record):
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
