"""Known devices: lockout without a denial of service (issue 12 item 2)

A browser a user signed in on holds a device cookie naming a `known_devices` row; its failed attempts count there,
and five lock the whole account (users.locked_at). Failures from every other browser count in users.recent_failures,
and five lock the account for unknown devices only (users.unknown_devices_locked_at, new): the user's known devices
still sign in. Both locks last until an administrator releases them (CJIS AC-7).

Revision ID: c66afdfc4626
Revises: 8e79124e04c0
Create Date: 2026-12-02 18:38:00.239237

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c66afdfc4626"
down_revision = "8e79124e04c0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "known_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_addr", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("recent_failures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_known_devices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_devices")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_known_devices_nonce_hash")),
    )
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_devices_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unknown_devices_locked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("unknown_devices_locked_at")

    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_devices_user_id"))

    op.drop_table("known_devices")
