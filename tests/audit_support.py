"""Sealing in tests: wait out other transactions on the PostgreSQL cluster, as a real sealer's next turn would."""

import time

from sqlalchemy import func, select

from app.audit import seals
from app.extensions import db
from app.models.audit import AuditSeal

# On PostgreSQL a seal stops below the oldest write transaction still running anywhere on the cluster (another
# test run, a registry import): seal again until that has ended, as `flask audit seal` on a timer would.
PATIENCE_SECONDS = 60


def seal_everything() -> list[AuditSeal]:
    """Seal until no event is left unsealed (call inside an app context)."""
    made: list[AuditSeal] = []
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        made += seals.seal_all()
        if not unsealed() or time.monotonic() > deadline:
            return made
        time.sleep(0.05)


def unsealed() -> int:
    last = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq.desc()).limit(1)).first()
    kind = last.position_kind if last else seals.position_kind(db.session.connection())
    start = last.position_to if last else 0
    count = db.session.scalar(select(func.count()).where(seals.position_of(kind) >= start))
    db.session.rollback()
    return int(count or 0)
