"""Account lifecycle: password age, temporary passwords, why and when an account was disabled

Existing accounts count their password from the account's creation and are not asked to replace it
now; accounts already disabled were disabled by an administrator.

Revision ID: 69e30e01cfe3
Revises: c26d70d1c1b4
Create Date: 2026-11-23 13:13:56.923471

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "69e30e01cfe3"
down_revision = "c26d70d1c1b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("disabled_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET password_changed_at = created_at, must_change_password = false")
    op.execute("UPDATE users SET disabled_reason = 'admin' WHERE is_disabled")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("password_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("must_change_password", existing_type=sa.Boolean(), nullable=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("disabled_reason")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("password_changed_at")
