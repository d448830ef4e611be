"""Audit seals: events are written without a database-wide lock and sealed later in signed batches

Events get database-assigned ids (64-bit on PostgreSQL) and, on PostgreSQL, the id of the transaction that wrote
them; prev_hash and hash stay only on the events written before this (the first seal covers them as they are).
New tables audit_seals and audit_archives are append-only, like audit_events.

Revision ID: 2c3945d0199f
Revises: 34293057b7e7
Create Date: 2026-12-02 14:48:47.802230

"""

import sqlalchemy as sa
from alembic import op

from app.models.audit import append_only_ddl, drop_append_only_ddl, seals_append_only_ddl

# revision identifiers, used by Alembic.
revision = "2c3945d0199f"
down_revision = "34293057b7e7"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_archives")),
        sa.UniqueConstraint("first_seq", name=op.f("uq_audit_archives_first_seq")),
        sa.UniqueConstraint("last_seq", name=op.f("uq_audit_archives_last_seq")),
    )
    op.create_table(
        "audit_seals",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position_kind", sa.String(length=8), nullable=False),
        sa.Column("position_from", sa.BigInteger(), nullable=False),
        sa.Column("position_to", sa.BigInteger(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("first_event_id", sa.BigInteger(), nullable=True),
        sa.Column("last_event_id", sa.BigInteger(), nullable=True),
        sa.Column("events_digest", sa.String(length=64), nullable=False),
        sa.Column("event_index", sa.Text(), nullable=False),
        sa.Column("prev_seal_hash", sa.String(length=64), nullable=False),
        sa.Column("seal_hash", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("prev_seal_hash", name=op.f("uq_audit_seals_prev_seal_hash")),
        sa.UniqueConstraint("seal_hash", name=op.f("uq_audit_seals_seal_hash")),
    )
    for statement in seals_append_only_ddl(dialect):
        op.execute(statement)

    if dialect == "sqlite":
        # SQLite rebuilds the table to drop the unique constraint, and its triggers go with the old table.
        for statement in drop_append_only_ddl(dialect):
            op.execute(statement)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        # PostgreSQL: events written before now are finished transactions; 1 is below every real txid.
        batch_op.add_column(
            sa.Column("txid", sa.BigInteger(), nullable=True, server_default="1" if dialect == "postgresql" else None)
        )
        batch_op.alter_column("prev_hash", existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.drop_constraint(batch_op.f("uq_audit_events_prev_hash"), type_="unique")
        batch_op.create_index(batch_op.f("ix_audit_events_txid"), ["txid"], unique=False)
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events ALTER COLUMN txid DROP DEFAULT")
        # The database assigns ids now, from a sequence that continues after the last event.
        op.execute("ALTER TABLE audit_events ALTER COLUMN id TYPE BIGINT")
        op.execute("CREATE SEQUENCE audit_events_id_seq AS BIGINT OWNED BY audit_events.id")
        op.execute("SELECT setval('audit_events_id_seq', coalesce((SELECT max(id) FROM audit_events), 0) + 1, false)")
        op.execute("ALTER TABLE audit_events ALTER COLUMN id SET DEFAULT nextval('audit_events_id_seq')")
    else:
        for statement in append_only_ddl(dialect):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE audit_events_id_seq")
        op.execute("ALTER TABLE audit_events ALTER COLUMN id TYPE INTEGER")
    else:
        for statement in drop_append_only_ddl(dialect):
            op.execute(statement)
    # Events written since the upgrade have no prev_hash: the old chain cannot take them back.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_txid"))
        batch_op.drop_column("txid")
    if dialect == "sqlite":
        for statement in append_only_ddl(dialect):
            op.execute(statement)
    op.drop_table("audit_seals")
    op.drop_table("audit_archives")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_seals_append_only()")
