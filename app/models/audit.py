"""The audit trail: one append-only, hash-chained row per security-relevant event (SPEC §6)."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.models.base import Model, UTCDateTime

# The prev_hash of the very first event.
GENESIS_HASH = "0" * 64


class AuditEventImmutable(RuntimeError):
    """Something tried to change or delete an audit event; the trail is append-only."""


class AuditEvent(Model):
    """Who did what, from where, when, and what came of it.

    Who is copied into plain columns (no foreign key): the trail must outlive a deleted user
    and must show the user's email, role and agency as they were at the time.
    `id` is assigned by the chain (previous id + 1) under the append lock, never by a sequence,
    so a gap or a second child of one event is a primary-key / unique violation, not a fork.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The user's email; `cli:<os user>` for commands; the email typed in for a failed sign-in.
    user_email: Mapped[str | None] = mapped_column(String(254), index=True)
    user_role: Mapped[str | None] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(String(200))
    client_addr: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    query: Mapped[str | None] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    # Comma-separated ids of the records the event touched or returned (ids never contain commas).
    record_ids: Mapped[str] = mapped_column(Text, default="")
    # Canonical JSON (sorted keys), already redacted; hashed exactly as stored.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.outcome}>"


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper: Mapper[AuditEvent], _connection: object, target: AuditEvent) -> None:
    raise AuditEventImmutable(f"audit event {target.id} cannot be changed: the audit trail is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper: Mapper[AuditEvent], _connection: object, target: AuditEvent) -> None:
    raise AuditEventImmutable(f"audit event {target.id} cannot be deleted: the audit trail is append-only")


def append_only_ddl(dialect_name: str) -> list[str]:
    """Database triggers that refuse UPDATE, DELETE and TRUNCATE on audit_events.

    For the migration that creates the table: `for s in append_only_ddl(op.get_bind().dialect.name): op.execute(s)`.
    The ORM guard above stops the app; these stop anything else using the app's database role.
    The one exception is the retention job (security-bar: keep at least 365 days): rows older than
    365 days may be deleted, oldest first, and `flask audit verify` then starts from the oldest kept row.
    Production should also run the app as a role without UPDATE/DELETE/TRUNCATE on the table.
    """
    if dialect_name == "postgresql":
        return [
            """
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF OLD.occurred_at < now() - interval '365 days' THEN
                        RETURN OLD;
                    END IF;
                END IF;
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """,
            "CREATE TRIGGER audit_events_append_only_rows BEFORE UPDATE OR DELETE ON audit_events"
            " FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
            "CREATE TRIGGER audit_events_append_only_truncate BEFORE TRUNCATE ON audit_events"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
        ]
    if dialect_name == "sqlite":
        return [
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events"
            " BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END",
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events"
            " WHEN OLD.occurred_at >= datetime('now', '-365 days')"
            " BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END",
        ]
    raise ValueError(f"no append-only triggers for {dialect_name}")


def drop_append_only_ddl(dialect_name: str) -> list[str]:
    """The statements that undo append_only_ddl (for the migration's downgrade)."""
    if dialect_name == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS audit_events_append_only_rows ON audit_events",
            "DROP TRIGGER IF EXISTS audit_events_append_only_truncate ON audit_events",
            "DROP FUNCTION IF EXISTS audit_events_append_only()",
        ]
    if dialect_name == "sqlite":
        return ["DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete"]
    raise ValueError(f"no append-only triggers for {dialect_name}")
