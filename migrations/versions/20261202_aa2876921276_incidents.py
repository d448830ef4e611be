"""Incidents, their history, attachments, reference counters and idempotency keys; an agency's state and time
zone; a reviewer's OFM office (SPEC §5)

Revision ID: aa2876921276
Revises: 862a7a6082aa
Create Date: 2026-12-02 11:26:25.506908

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "aa2876921276"
down_revision = "862a7a6082aa"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_incident_counters")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "office",
            sa.Enum(
                "headquarters",
                "new_york",
                "chicago",
                "san_francisco",
                "los_angeles",
                "houston",
                "miami",
                name="ofm_office",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "incident_type",
            sa.Enum(
                "traffic",
                "dui",
                "accident",
                "criminal",
                "parking",
                "suspected_fraud",
                "other",
                name="incident_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("actions_taken", sa.JSON(), nullable=False),
        sa.Column("citation_number", sa.String(length=40), nullable=True),
        sa.Column("report_number", sa.String(length=40), nullable=True),
        sa.Column("ds_called", sa.Boolean(), nullable=False),
        sa.Column("ds_confirmed_by", sa.String(length=120), nullable=True),
        sa.Column("ds_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("impairment_signs", sa.Text(), nullable=True),
        sa.Column("sobriety_tests", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("mission_name", sa.String(length=200), nullable=True),
        sa.Column("mission_country", sa.String(length=100), nullable=True),
        sa.Column("lookup_event_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "in_review",
                "referred_to_mission",
                "waiver_requested",
                "closed",
                name="incident_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_incidents_agency_id_agencies")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_incidents_assignee_id_users")),
        sa.ForeignKeyConstraint(["filed_by_id"], ["users.id"], name=op.f("fk_incidents_filed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_filed_by_id"), ["filed_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_mission_country"), ["mission_country"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_mission_name"), ["mission_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index("ix_incidents_office_status", ["office", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_incidents_status_filed_at", ["status", "filed_at"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_idempotency_keys_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id")),
    )
    op.create_table(
        "incident_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_attachments_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_attachments")),
        sa.UniqueConstraint("incident_id", "position", name=op.f("uq_incident_attachments_incident_id")),
    )
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "filed",
                "assigned",
                "note",
                "status",
                "points",
                name="incident_event_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_incident_events_author_id_users")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_events_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
        sa.UniqueConstraint("incident_id", "version", name=op.f("uq_incident_events_incident_id")),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "office",
                sa.Enum(
                    "headquarters",
                    "new_york",
                    "chicago",
                    "san_francisco",
                    "los_angeles",
                    "houston",
                    "miami",
                    name="ofm_office",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("office")

    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
        batch_op.drop_column("state")

    op.drop_table("incident_events")
    op.drop_table("incident_attachments")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_status_filed_at")
        batch_op.drop_index(batch_op.f("ix_incidents_person_id"))
        batch_op.drop_index("ix_incidents_office_status")
        batch_op.drop_index(batch_op.f("ix_incidents_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_mission_name"))
        batch_op.drop_index(batch_op.f("ix_incidents_mission_country"))
        batch_op.drop_index(batch_op.f("ix_incidents_filed_by_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_agency_id"))

    op.drop_table("incidents")
    op.drop_table("incident_counters")
