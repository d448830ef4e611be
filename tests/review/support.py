"""Helpers for the review desk tests: incidents made through the shared factory, and what the database holds."""

from typing import Any

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Incident, IncidentEvent
from tests.factories import make_incident


def new_incident(app: Flask, **fields: Any) -> str:
    """Create an incident (committed) and return its reference."""
    with app.app_context():
        incident = make_incident(**fields)
        db.session.commit()
        return incident.reference


def stored(app: Flask, reference: str) -> Incident:
    """The incident as stored now, with its history loaded, detached."""
    with app.app_context():
        incident = db.session.scalars(select(Incident).where(Incident.reference == reference)).one()
        _ = [event.kind for event in incident.events], incident.assignee
        db.session.expunge_all()
        return incident


def events(app: Flask, reference: str) -> list[IncidentEvent]:
    return stored(app, reference).events


def audit_events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found
