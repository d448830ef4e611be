"""The audit trail: one append-only row per security-relevant event (SPEC §6), and the signed seals over them."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.models.base import Model, UTCDateTime

# The prev_hash of the very first seal (and, before seals, of the very first event).
GENESIS_HASH = "0" * 64
# Event ids: 64-bit on PostgreSQL (years of lookups); SQLite's INTEGER PRIMARY KEY is already 64-bit, and only
# that exact type makes it the table's rowid, which SQLite assigns itself.
EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")


class AuditEventImmutable(RuntimeError):
    """Something tried to change or delete an audit event; the trail is append-only."""


class AuditEvent(Model):
    """Who did what, from where, when, and what came of it.

    Who is copied into plain columns (no foreign key): the trail must outlive a deleted user
    and must show the user's email, role and agency as they were at the time.
    An event is written by its own request without waiting for any other: the database assigns `id`,
    and nothing links one event to the next. Integrity comes later, from `AuditSeal` (app/audit/seals.py).
    """

    __tablename__ = "audit_events"
    # One user's events since a moment: the lookup history reads a sign-in's lookups back (app/lookup/history.py).
    __table_args__ = (Index("ix_audit_events_user_id_occurred_at", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(EVENT_ID, primary_key=True)
    # PostgreSQL: the id of the transaction that wrote the event (pg_current_xact_id), which is how the sealer
    # knows an event can no longer appear behind it. SQLite, whose writers take turns: always null.
    txid: Mapped[int | None] = mapped_column(BigInteger, index=True)
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
    # Written only by the hash chain that came before seals (events from before migration 2c3945d0199f):
    # kept as they were, and covered by the first seal like every other column.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.outcome}>"


class AuditSeal(Model):
    """A signed statement that exactly these events, in this order, were in the trail.

    Seal `seq` covers every event whose position lies in [position_from, position_to): the event id on SQLite,
    the writing transaction's id on PostgreSQL (see app/audit/seals.py for why). Seals form a chain of their own
    (`prev_seal_hash`), each `seal_hash` is signed with an Ed25519 key the database does not hold, and each
    seal is also appended to a store outside the database: so the trail cannot be rewritten, cut short or
    rolled back by someone who can only write the database.
    """

    __tablename__ = "audit_seals"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "id" (SQLite) or "txid" (PostgreSQL): what position_from and position_to count.
    position_kind: Mapped[str] = mapped_column(String(8))
    position_from: Mapped[int] = mapped_column(BigInteger)
    position_to: Mapped[int] = mapped_column(BigInteger)
    event_count: Mapped[int] = mapped_column(Integer)
    first_event_id: Mapped[int | None] = mapped_column(BigInteger)
    last_event_id: Mapped[int | None] = mapped_column(BigInteger)
    # SHA-256 over each covered event's full hash, in id order.
    events_digest: Mapped[str] = mapped_column(String(64))
    # "id:first 12 hex of its hash" for each event, to name the event that changed; not trusted on its own.
    event_index: Mapped[str] = mapped_column(Text, default="")
    prev_seal_hash: Mapped[str] = mapped_column(String(64), unique=True)
    seal_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kid: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(128))  # Ed25519, hex

    def __repr__(self) -> str:
        return f"<AuditSeal {self.seq} {self.event_count} events>"


class AuditArchive(Model):
    """Sealed events moved out of the database by `flask audit archive`, into a signed file that verify reads."""

    __tablename__ = "audit_archives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_seq: Mapped[int] = mapped_column(Integer, unique=True)
    last_seq: Mapped[int] = mapped_column(Integer, unique=True)
    event_count: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))


APPEND_ONLY = (AuditEvent, AuditSeal, AuditArchive)


def _refuse_update(_mapper: Mapper[object], _connection: object, target: object) -> None:
    raise AuditEventImmutable(f"{target!r} cannot be changed: the audit trail is append-only")


def _refuse_delete(_mapper: Mapper[object], _connection: object, target: object) -> None:
    raise AuditEventImmutable(f"{target!r} cannot be deleted: the audit trail is append-only")


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse_update)
    event.listen(_model, "before_delete", _refuse_delete)


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


SEALED_TABLES = ("audit_seals", "audit_archives")


def seals_append_only_ddl(dialect_name: str) -> list[str]:
    """Database triggers that refuse every UPDATE, DELETE and TRUNCATE on the seal and archive tables.

    Unlike events, seals are never deleted: they are small, and an archive is checked against them.
    """
    if dialect_name == "postgresql":
        statements = [
            """
            CREATE OR REPLACE FUNCTION audit_seals_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        ]
        for table in SEALED_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only_rows BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only()",
                f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_append_only()",
            ]
        return statements
    if dialect_name == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for table in SEALED_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    raise ValueError(f"no append-only triggers for {dialect_name}")
