"""Incidents an officer filed, their append-only history, their attachments, and the keys that make filing
idempotent (SPEC §5).

What the officer filed (the columns from `incident_type` to `sobriety_tests`) and the snapshot of what they
were shown are written once and never changed. The review desk's state (`status`, `assignee_id`, `version`)
is a projection of the history: every change appends an `IncidentEvent` and moves the projection in the same
transaction; `version` makes an action taken on a stale view fail instead of overwriting another's.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    orm,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.incident_codes import EventKind, IncidentType, Status
from app.models.accounts import Agency, User
from app.models.base import Model, UTCDateTime, code_enum, utcnow
from app.offices import Office


class Incident(Model):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_status_filed_at", "status", "filed_at"),
        Index("ix_incidents_office_status", "office", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # INC-YYYY-NNNNNN: the year it was filed and its number within that year (IncidentCounter).
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The filer's agency when they filed (a user may move agency later).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    office: Mapped[Office] = mapped_column(code_enum(Office, "ofm_office"))

    incident_type: Mapped[IncidentType] = mapped_column(code_enum(IncidentType, "incident_type"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    place: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(2))
    narrative: Mapped[str] = mapped_column(Text)
    actions_taken: Mapped[list[str]] = mapped_column(JSON)
    citation_number: Mapped[str | None] = mapped_column(String(40))
    report_number: Mapped[str | None] = mapped_column(String(40))
    ds_called: Mapped[bool] = mapped_column(Boolean)
    ds_confirmed_by: Mapped[str | None] = mapped_column(String(120))
    ds_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    impairment_signs: Mapped[str | None] = mapped_column(Text)
    sobriety_tests: Mapped[str | None] = mapped_column(Text)

    # What the officer was shown (app.incidents.snapshot); the registry may change, this never does.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # From the snapshot, for the queue's filters. No foreign keys: the registry may drop a person or a mission,
    # and the incident must still say whom it was about.
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    mission_name: Mapped[str | None] = mapped_column(String(200), index=True)
    mission_country: Mapped[str | None] = mapped_column(String(100), index=True)
    # The audit event of the lookup or scan it was filed from.
    lookup_event_id: Mapped[int | None] = mapped_column(Integer)

    status: Mapped[Status] = mapped_column(code_enum(Status, "incident_status"), default=Status.SUBMITTED)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The number of history events; an action names the version it was taken on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    filed_by: Mapped[User] = orm.relationship(foreign_keys=[filed_by_id])
    agency: Mapped[Agency] = orm.relationship()
    assignee: Mapped[User | None] = orm.relationship(foreign_keys=[assignee_id])
    events: Mapped[list["IncidentEvent"]] = orm.relationship(
        back_populates="incident", order_by="IncidentEvent.version"
    )
    attachments: Mapped[list["IncidentAttachment"]] = orm.relationship(
        back_populates="incident", order_by="IncidentAttachment.position"
    )


class IncidentEvent(Model):
    """One entry of an incident's history: who, when, what. Never changed; (incident, version) is unique, so two
    reviewers acting on the same version cannot both succeed."""

    __tablename__ = "incident_events"
    __table_args__ = (UniqueConstraint("incident_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The author's email (or cli:<user>) as it was, so the history reads the same if the account changes.
    author: Mapped[str] = mapped_column(String(254))
    kind: Mapped[EventKind] = mapped_column(code_enum(EventKind, "incident_event_kind"))
    # kind-specific: {"from": ..., "to": ...}, {"note": ...}, {"assignee": ...}, {"points": ..., "violation_on": ...}
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = orm.relationship(back_populates="events")


class IncidentAttachment(Model):
    """A photo or scan of the citation or report, stored unaltered in the database with the incident.

    In the database rather than on disk: the incident and its files commit together or not at all, and every
    app instance reads the same copy (several instances on PostgreSQL).
    """

    __tablename__ = "incident_attachments"
    __table_args__ = (UniqueConstraint("incident_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    position: Mapped[int] = mapped_column(Integer)
    # The name the officer's device gave it, cleaned; shown and used for the download, never trusted for type.
    filename: Mapped[str] = mapped_column(String(200))
    # From the content (app.incidents.attachments), never from the name.
    media_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    incident: Mapped[Incident] = orm.relationship(back_populates="attachments")


class IncidentCounter(Model):
    """The last reference number given in a year; taken and raised in the filing transaction."""

    __tablename__ = "incident_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(Model):
    """A filing's idempotency key, claimed before the incident is written (app.incidents.service).

    Unique per user: the same key again finds this row. `request_hash` tells a retry (same content) from a
    different request under the same key (422); `incident_id` is set in the transaction that stores the
    incident, so a claim without it is a submission still in flight (409) or one that died (taken over after
    INCIDENT_CLAIM_STALE_SECONDS).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
