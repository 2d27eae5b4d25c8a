"""Decision history: every review decision is kept (who, when, from, to, model version),
undo marks a decision undone, and reviews holds what counts (the latest decision) with how
many reviewers stand behind it and whether they disagree.

The decisions already in reviews become the first entries of the history.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_reviews = sa.table("reviews", sa.column("message_id", sa.String), sa.column("label", sa.String),
                    sa.column("reviewer", sa.String), sa.column("created_at", sa.DateTime))
_predictions = sa.table("predictions", sa.column("message_id", sa.String),
                        sa.column("intent", sa.String), sa.column("model_version", sa.String))


def upgrade():
    decisions = op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("predictions.message_id"),
                  nullable=False, index=True),
        sa.Column("reviewer", sa.String(128), nullable=False, index=True),
        sa.Column("label", sa.String(64)),
        sa.Column("previous_label", sa.String(64)),
        sa.Column("model_version", sa.String(128)),
        sa.Column("blind", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("resolves", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("undone_at", sa.DateTime),
        sa.Column("undone_by", sa.String(128)),
    )
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("reviewers", sa.Integer, nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("disagreement", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.create_index("ix_reviews_disagreement", ["disagreement"])
    # Before history there was one decision per message, made on the stored prediction.
    existing = (sa.select(_reviews.c.message_id, _reviews.c.reviewer, _reviews.c.label,
                          _predictions.c.intent, _predictions.c.model_version,
                          _reviews.c.created_at)
                .join(_predictions, _predictions.c.message_id == _reviews.c.message_id))
    op.execute(decisions.insert().from_select(
        ["message_id", "reviewer", "label", "previous_label", "model_version", "created_at"],
        existing))


def downgrade():
    with op.batch_alter_table("reviews") as batch:
        batch.drop_index("ix_reviews_disagreement")
        batch.drop_column("disagreement")
        batch.drop_column("reviewers")
    op.drop_table("decisions")
