"""Audit events by user since a moment: the lookup history reads one sign-in's lookups from the trail

Issue 14: the history ("This session") is no longer kept in the session but read from the officer's own audit
events since the sign-in; without this index SQLite reads all of the user's events kept. A plain CREATE INDEX,
not a batch: a batch could rebuild the table and lose its append-only triggers. On PostgreSQL it holds off
audit writes while it builds (seconds for a year's trail).

Revision ID: 75d7aefbffad
Revises: 2c3945d0199f
Create Date: 2026-12-02 15:00:33.430406

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "75d7aefbffad"
down_revision = "2c3945d0199f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_events_user_id_occurred_at", "audit_events", ["user_id", "occurred_at"], unique=False)


def downgrade():
    op.drop_index("ix_audit_events_user_id_occurred_at", table_name="audit_events")
