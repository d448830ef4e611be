"""Points on the OFM driving record: one row per confirmed violation

Revision ID: c26d70d1c1b4
Revises: c7b3f1682c7e
Create Date: 2026-11-23 13:06:12.321185

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c26d70d1c1b4"
down_revision = "c7b3f1682c7e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "driving_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("violation_on", sa.Date(), nullable=False),
        sa.Column("points", sa.SmallInteger(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.CheckConstraint("points BETWEEN 1 AND 12", name=op.f("ck_driving_points_points_range")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_driving_points_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driving_points")),
    )
    with op.batch_alter_table("driving_points", schema=None) as batch_op:
        batch_op.create_index("ix_driving_points_person_violation", ["person_id", "violation_on"], unique=False)


def downgrade():
    with op.batch_alter_table("driving_points", schema=None) as batch_op:
        batch_op.drop_index("ix_driving_points_person_violation")

    op.drop_table("driving_points")
