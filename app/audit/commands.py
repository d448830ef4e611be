"""`flask audit ...`: check the audit trail's hash chain end to end."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit import chain, service
from app.extensions import db
from app.models.audit import AuditEvent

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain in id order; exit 1 and name the first broken event if it does not hold."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))
    try:
        result = chain.verify(iter(events))
    finally:
        events.close()  # a break stops the walk early; PostgreSQL's server-side cursor must still close
    db.session.rollback()
    service.record_now(
        "audit.verify",
        "ok" if result.ok else "broken",
        record_ids=[str(result.broken.event_id)] if result.broken else (),
        detail={"verified": result.count},
    )
    if result.broken is not None:
        broken = result.broken
        click.echo(
            f"BROKEN at audit event {broken.event_id} ({chain.iso_ms(broken.occurred_at)}): {broken.reason}."
            f" {result.count} event(s) before it verified.",
            err=True,
        )
        raise SystemExit(1)
    if result.count == 0:
        click.echo("OK: the audit trail is empty")
        return
    start = "" if result.first_id == 1 else f" from event {result.first_id} (older events removed by retention)"
    click.echo(f"OK: {result.count} audit event(s) verified{start}; head hash {result.head_hash}")
