"""Sealing in tests: wait out other transactions on the PostgreSQL cluster, as a real sealer's next turn would."""

import time

from sqlalchemy import func, select

from app.audit import seals
from app.extensions import db
from app.models.audit import AuditEvent, AuditSeal

# On PostgreSQL a seal stops below the oldest write transaction still running anywhere on the cluster (another
# test worker, a registry import). Waiting until none is older than the newest event makes one seal cover every
# event, so tests get the batches they wrote.
PATIENCE_SECONDS = 60


def seal_everything(*, patience: float = PATIENCE_SECONDS) -> list[AuditSeal]:
    """Seal every event in one batch (or, after `patience`, what can be sealed); call inside an app context."""
    wait_until_sealable(patience=patience)
    return seals.seal_all()


def wait_until_sealable(*, patience: float = PATIENCE_SECONDS) -> None:
    """Wait until one seal can cover every event written so far (call inside an app context)."""
    deadline = time.monotonic() + patience
    while not _all_sealable() and time.monotonic() < deadline:
        time.sleep(0.05)


def _all_sealable() -> bool:
    connection = db.session.connection()
    if seals.position_kind(connection) != "txid":
        db.session.rollback()
        return True
    newest = db.session.scalar(select(func.max(AuditEvent.txid)))
    ready = newest is None or seals.horizon(connection, "txid") > newest
    db.session.rollback()
    return ready
