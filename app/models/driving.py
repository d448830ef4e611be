"""Points on a person's OFM driving record (SPEC §5): one row per confirmed violation, never edited."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.immunity.driving import MAX_POINTS_PER_VIOLATION
from app.models.base import Model, UTCDateTime, utcnow


class DrivingPoints(Model):
    """Points for one violation, counted from `violation_on` (facts §4.2: 8 in two years → review, 12 → suspended).

    Today an admin records them from OFM's records (`flask registry points`); the review desk will
    record them when it confirms points on an incident.
    """

    __tablename__ = "driving_points"
    __table_args__ = (
        CheckConstraint(f"points BETWEEN 1 AND {MAX_POINTS_PER_VIOLATION}", name="points_range"),
        Index("ix_driving_points_person_violation", "person_id", "violation_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    violation_on: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(SmallInteger)
    # The citation, incident or OFM case the points come from.
    reference: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(254))
