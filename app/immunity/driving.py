"""A person's OFM driving status from the points on their driving record (facts §4.2; SPEC §5).

OFM keeps a driving record for every State Department licence holder: 8 points within two years
puts the person under review (possible administrative action), 12 points within two years
suspends all licence and driving privileges. Points count from the date of the violation.
Sources: https://www.state.gov/ofm-enforcement-of-moving-violations ; facts §4.2 "OFM points system".
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.immunity.dates import add_years

REVIEW_POINTS = 8
SUSPENSION_POINTS = 12
WINDOW_YEARS = 2
MAX_POINTS_PER_VIOLATION = 12


class DrivingLevel(StrEnum):
    CLEAR = "clear"  # points on record, under the review threshold
    REVIEW = "review"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class DrivingStatus:
    level: DrivingLevel
    points: int  # within the window
    since: date  # the window's first day
    last_violation: date


def window_start(today: date) -> date:
    """The first day of the two-year window ending today (29 February falls back to the 28th)."""
    return add_years(today, -WINDOW_YEARS)


def driving_status(violations: Iterable[tuple[date, int]], today: date) -> DrivingStatus | None:
    """The status from (violation date, points) pairs; None when no points fall within the last two years."""
    since = window_start(today)
    counted = [(on, points) for on, points in violations if since <= on <= today]
    if not counted:
        return None
    total = sum(points for _, points in counted)
    if total >= SUSPENSION_POINTS:
        level = DrivingLevel.SUSPENDED
    elif total >= REVIEW_POINTS:
        level = DrivingLevel.REVIEW
    else:
        level = DrivingLevel.CLEAR
    return DrivingStatus(level=level, points=total, since=since, last_violation=max(on for on, _ in counted))
