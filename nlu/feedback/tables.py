"""The database schema (SQLAlchemy Core tables), as the Alembic migrations leave it."""

__all__ = ["metadata", "predictions", "sessions", "feedback", "reviews", "decisions", "leads",
           "utcnow"]

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

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
    # What the assistant returned as the conversation's state (plain JSON).
    Column("state", JSON, nullable=False),
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
    # The agent says the message is out of scope (correct_intent is then null).
    Column("out_of_scope", Boolean, nullable=False, server_default=false()),
)
# What counts for each reviewed message: its latest decision (kept up to date with
# `decisions`, in the same transaction, so that the queue needs no history scan).
reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(32), ForeignKey("predictions.message_id"), nullable=False,
           unique=True),
    Column("label", String(64)),
    Column("out_of_scope", Boolean, nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("created_at", DateTime, nullable=False, index=True),
    # How many reviewers have a decision that stands, and whether their labels differ.
    Column("reviewers", Integer, nullable=False, server_default="1"),
    Column("disagreement", Boolean, nullable=False, server_default=false(), index=True),
)
# Every decision ever made (the audit trail): who, when, from which label to which, with
# which model serving; an undone decision keeps its row, with who undid it and when.
decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(32), ForeignKey("predictions.message_id"), nullable=False,
           index=True),
    Column("reviewer", String(128), nullable=False, index=True),
    Column("label", String(64)),
    Column("previous_label", String(64)),
    Column("model_version", String(128)),
    # Made without seeing another reviewer's label (the double-review sample).
    Column("blind", Boolean, nullable=False, server_default=false()),
    # Settles a disagreement: earlier decisions no longer count as disagreeing.
    Column("resolves", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("undone_at", DateTime),
    Column("undone_by", String(128)),
)
leads = Table(
    "leads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("rotated_at", DateTime),
    # A revoked lead's token no longer signs in; their decisions stay in the history.
    Column("revoked_at", DateTime),
)


def utcnow():
    """Naive UTC now: the store keeps every time in UTC without a zone (SQLite drops it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
