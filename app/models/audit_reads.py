"""An index for reading the audit trail back: one user's events since a moment (the lookup history, issue 14).

Kept apart from app/models/audit.py, the trail's write path, while that file is rewritten (issue 13); it belongs
in AuditEvent's table arguments once that work has landed.
"""

from sqlalchemy import Index

from app.models.audit import AuditEvent

# Without it, SQLite reads one user's events through ix_audit_events_user_id: all of them kept (a year).
USER_SINCE = Index("ix_audit_events_user_id_occurred_at", AuditEvent.user_id, AuditEvent.occurred_at)
