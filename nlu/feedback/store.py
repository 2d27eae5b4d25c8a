"""The store: predictions, conversation state, feedback and leads (SQLAlchemy 2); the
review queue's queries are in :mod:`nlu.feedback.queue`, over the same tables.

SQLite by default, PostgreSQL by URL. The schema is created and upgraded by the Alembic
migrations in ``nlu/feedback/migrations``. Texts are masked before they get here; the store
never sees a raw message.

A database that fails (missing, deleted, read-only, unreachable) raises :class:`StoreError`
from every method, with a one-line reason and never the statement's parameters; a record
the database refuses for what it holds raises :class:`RecordRejected`.

SQLite runs with a rollback journal (``journal_mode=TRUNCATE``) and without memory-mapped
I/O: in WAL mode its ``-shm`` index is a memory-mapped file, and a write into that mapping
once the file cannot be written (made immutable) kills the process with SIGBUS; with a
journal every failure is an error code. Each commit is synced (``synchronous=NORMAL``).
"""

__all__ = ["Store", "hash_token", "head_revision", "check_lead_name", "DEFAULT_DATABASE_URL",
           "RESERVED_LEAD_NAMES", "CONTROL", "INVISIBLE"]

import hashlib
import hmac
import os
import random
import re
import secrets
import unicodedata
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from ..errors import (
    Conflict,
    InvalidName,
    NLUError,
    RecordRejected,
    StoreError,
    UnknownLead,
    UnknownMessage,
)
from .tables import decisions, feedback, leads, predictions, sessions, utcnow

#: Where the server, the CLI and the notebooks keep their data unless told otherwise.
DEFAULT_DATABASE_URL = "sqlite:///var/nlu.db"
#: Names that already mean someone in the audit trail: a lead may not take them.
RESERVED_LEAD_NAMES = frozenset({"admin", "administrator", "root", "system", "nlu"})
#: Regular-expression classes (Python's and JSON Schema's alike; characters beyond the
#: BMP written as themselves): the control characters a lead's name may not hold, and
#: the characters that show nothing: spaces, controls, Unicode's default-ignorable code
#: points (soft hyphen, zero-width spaces and joiners, direction marks, Hangul fillers,
#: variation selectors, tags...) and the blank braille pattern. A lead's name needs a
#: character outside the second, or the audit trail would show a blank reviewer, and
#: holds none of it but plain spaces, or "ad\u200bmin" would show as "admin".
CONTROL = r"\x00-\x1f\x7f-\x9f"
INVISIBLE = (CONTROL + r"\s\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
             r"\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff"
             r"\uffa0\ufff0-\ufff8" "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
             "\U000e0000-\U000e0fff")
#: The names :func:`check_lead_name` accepts, as one pattern (the schema of
#: ``POST /v1/review/leads/{name}``): visible characters and plain spaces. ``(?!\n)``:
#: Python's ``$`` also matches before a final newline, JSON Schema's does not.
LEAD_NAME_PATTERN = f"^ *[^{INVISIBLE}](?: *[^{INVISIBLE}])* *$(?!\\n)"
_CONTROL, _VISIBLE = re.compile(f"[{CONTROL}]"), re.compile(f"[^{INVISIBLE}]")
_HIDDEN = re.compile(f"(?! )[{INVISIBLE}]")


class Store:
    """Access to the database at ``url`` (``sqlite:///path`` or ``postgresql+psycopg://``).

    Call :meth:`migrate` once before use (the server does at start).
    """

    def __init__(self, url):
        self.url = url
        #: The SQLite file, and the (device, inode) it had when first opened: a file deleted
        #: or replaced under a running server is an error, not writes into the void.
        self.path, self._identity = None, None
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            self.path = Path(url.removeprefix("sqlite:///")).expanduser().absolute()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"database {self.path}: cannot create its folder: "
                                 f"{exc.strerror}") from None
        options = {"connect_args": {"connect_timeout": 10}} if url.startswith("postgresql") \
            else {}
        try:
            self.engine = create_engine(url, pool_pre_ping=True, **options)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"database URL {url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", self._sqlite_connected)

    def migrate(self):
        """Create or upgrade the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.util import CommandError

        config = _alembic_config()
        try:
            with self._errors("cannot open or migrate: "), self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except CommandError as exc:  # e.g. a database migrated by a newer version
            raise StoreError(f"database {self._where()}: cannot migrate: {exc}") from None

    def dispose(self):
        self.engine.dispose()

    @contextmanager
    def connect(self):
        """A connection for reading (a context manager); failures raise StoreError."""
        with self._errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def transaction(self):
        """A connection in a transaction, committed on success (a context manager);
        failures raise StoreError, RecordRejected or Conflict (see :meth:`_errors`)."""
        with self._errors(), self.engine.begin() as connection:
            yield connection

    def check(self):
        """Raise :class:`StoreError` unless the database takes a write now (readiness).

        The probe is a real write that changes nothing, so that a read-only database, a
        deleted file or a standby server fails it as a prediction would.
        """
        with self.transaction() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))

    @contextmanager
    def _errors(self, doing=""):
        """Database errors as library errors, with a one-line reason (never the statement
        or its parameters, which hold texts): a duplicate key is a Conflict, a value the
        database refuses (a NUL byte for PostgreSQL, a string too long) RecordRejected,
        anything else (unreachable, read-only, locked, no such table) StoreError."""
        self._check_file()
        try:
            yield
        except NLUError:
            raise
        except SQLAlchemyError as exc:
            message = f"database {self._where()}: {doing}{_reason(exc)}"
            if isinstance(exc, IntegrityError):
                raise Conflict(message) from None
            # DataError, or a value the driver cannot send (a StatementError that is no
            # DBAPIError wraps e.g. a UnicodeEncodeError).
            if isinstance(exc, DataError) or (isinstance(exc, StatementError)
                                              and not isinstance(exc, DBAPIError)):
                raise RecordRejected(message) from None
            raise StoreError(message) from None
        except (UnicodeError, ValueError, TypeError) as exc:  # the driver cannot send a value
            raise RecordRejected(f"database {self._where()}: {doing}"
                                 f"{str(exc).splitlines()[0]}") from None

    def _where(self):
        return str(self.path) if self.path else self.engine.url.render_as_string()

    def _check_file(self):
        """A SQLite file deleted while in use keeps taking writes that no one will read:
        refuse instead. A file replaced (restored from a backup) is opened anew."""
        if self.path is None or self._identity is None:
            return
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            raise StoreError(f"database {self.path}: the file is gone ({exc.strerror}); "
                             "nothing can be stored until it is back") from None
        if (stat.st_dev, stat.st_ino) != self._identity:
            self._identity = None
            self.engine.dispose()

    def _sqlite_connected(self, connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=TRUNCATE")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA mmap_size=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        if self._identity is None and self.path is not None:
            stat = os.stat(self.path)
            self._identity = (stat.st_dev, stat.st_ino)

    # -- predictions ---------------------------------------------------------------------

    def add_predictions(self, rows):
        """Insert prediction rows (dicts with the columns of ``predictions``) in one
        transaction; return ``[(row, reason)]``, the rows the database refused.

        A row refused for what it holds is set aside: the batch is then written row by
        row, so that one bad row never keeps the others out (nor is it retried).

        Raises
        ------
        StoreError
            The database cannot be written: none of the rows is stored.
        """
        if not rows:
            return []
        for row in rows:
            row.setdefault("sample", random.random())
        try:
            with self.transaction() as connection:
                connection.execute(insert(predictions), rows)
            return []
        except (RecordRejected, Conflict) as exc:
            if len(rows) == 1:
                return [(rows[0], str(exc))]
        refused = []
        for row in rows:
            try:
                with self.transaction() as connection:
                    connection.execute(insert(predictions), [row])
            except (RecordRejected, Conflict) as exc:
                refused.append((row, str(exc)))
        return refused

    def get_prediction(self, message_id):
        with self.connect() as connection:
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
        with self.transaction() as connection:
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
            with self.transaction() as connection:
                # Names differing only in case or width are one lead (the audit shows
                # names), compared here: SQLite's lower() folds ASCII letters only.
                taken = next((other for other in connection.execute(
                    select(leads.c.name)).scalars() if _folded(other) == _folded(name)),
                    None)
                if taken is None:
                    connection.execute(insert(leads).values(
                        name=name, token_hash=hash_token(token), created_at=utcnow()))
        except Conflict:  # added by another process meanwhile
            taken = name
        if taken is not None:
            raise Conflict(f"a lead named {taken!r} already exists")
        return token

    def lead_for_token(self, token):
        """The name of the lead holding ``token``, or None (a revoked lead's too)."""
        digest = hash_token(token)
        with self.connect() as connection:
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
        with self.connect() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]

    def revoke_lead(self, name):
        """Revoke a lead: their token stops working at once; their decisions stay.

        Raises
        ------
        UnknownLead
        """
        with self.transaction() as connection:
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
        with self.transaction() as connection:
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
        with self.connect() as connection:
            row = connection.execute(select(sessions).where(
                sessions.c.session_id == session_id)).mappings().first()
        if row is None or row["expires_at"] <= utcnow():
            return None
        return row["state"]

    def save_session(self, session_id, state, ttl_seconds):
        """Store ``state`` (plain data) for ``session_id`` for ``ttl_seconds``."""
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        with self.transaction() as connection:
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
    """``name`` without its surrounding spaces, if a lead may take it: at most 64
    characters, visible ones (see :data:`INVISIBLE`) and plain spaces only (no control
    character, not even a final newline; no zero-width or other invisible one), not a
    reserved name (``admin`` signs the admin token's decisions) whatever its case or
    width. Checked on the name as given: what :data:`LEAD_NAME_PATTERN` says.

    >>> check_lead_name("  Sari Dewi ")
    'Sari Dewi'
    """
    name = name or ""
    if len(name) > 64:  # first: the messages below quote the whole name
        raise InvalidName(f"lead name {name[:64]!r}...: at most 64 characters "
                          f"({len(name)} given)")
    if _CONTROL.search(name):
        raise InvalidName(f"lead name {name!r}: no control characters (tabs, newlines...)")
    name = name.strip(" ")
    if not name:
        raise InvalidName("a lead needs a name")
    if not _VISIBLE.search(name):  # ascii(): the name's characters would print blank
        raise InvalidName(f"lead name {ascii(name)}: no visible character (only "
                          "zero-width, direction or other invisible characters)")
    hidden = _HIDDEN.search(name)
    if hidden:
        raise InvalidName(f"lead name {ascii(name)}: U+{ord(hidden.group()):04X} is "
                          "invisible (letters, digits, signs and plain spaces only)")
    if _folded(name) in RESERVED_LEAD_NAMES:
        raise InvalidName(f"lead name {name!r} is reserved (choose another: "
                          f"{', '.join(sorted(RESERVED_LEAD_NAMES))} are taken)")
    return name


def _folded(name):
    """A lead's name as names are compared: whatever its case or width."""
    return unicodedata.normalize("NFKC", name).casefold()


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _reason(exc):
    """The database's own message, first line: SQLAlchemy's text adds the statement and its
    parameters (customer texts) that must reach no log."""
    reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip()
    return reason.splitlines()[0] if reason else type(exc).__name__
