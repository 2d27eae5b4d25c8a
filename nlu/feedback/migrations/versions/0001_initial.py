"""Initial schema: predictions, sessions, feedback, reviews, leads.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "predictions",
        sa.Column("message_id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("session_id", sa.String(128), index=True),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("endpoint", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("intent", sa.String(64), index=True),
        sa.Column("top_intent", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("margin", sa.Float, nullable=False),
        sa.Column("ranking", sa.JSON, nullable=False),
        sa.Column("route", sa.String(32), index=True),
        sa.Column("fallback", sa.String(32)),
        sa.Column("sample", sa.Float, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(128), primary_key=True),
        sa.Column("misses", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("predictions.message_id"),
                  nullable=False, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("correct_intent", sa.String(64)),
        sa.Column("correct_route", sa.String(32)),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("predictions.message_id"),
                  nullable=False, unique=True),
        sa.Column("label", sa.String(64)),
        sa.Column("out_of_scope", sa.Boolean, nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade():
    for table in ("leads", "reviews", "feedback", "sessions", "predictions"):
        op.drop_table(table)
