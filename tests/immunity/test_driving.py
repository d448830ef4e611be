"""The OFM points system (facts §4.2): 8 points in two years → review, 12 → suspended."""

from datetime import date

import pytest

from app.immunity.driving import DrivingLevel, driving_status, window_start

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("points", "level"),
    [
        ([1], DrivingLevel.CLEAR),
        ([3, 4], DrivingLevel.CLEAR),
        ([8], DrivingLevel.REVIEW),
        ([3, 3, 2], DrivingLevel.REVIEW),
        ([6, 5], DrivingLevel.REVIEW),
        ([12], DrivingLevel.SUSPENDED),
        ([6, 6], DrivingLevel.SUSPENDED),
        ([6, 4, 3], DrivingLevel.SUSPENDED),
    ],
)
def test_the_level_follows_the_points_within_two_years(points: list[int], level: DrivingLevel) -> None:
    status = driving_status([(date(2026, 1, 1), p) for p in points], TODAY)
    assert status is not None
    assert status.level is level
    assert status.points == sum(points)


def test_no_points_is_no_status() -> None:
    assert driving_status([], TODAY) is None


def test_points_older_than_two_years_do_not_count() -> None:
    assert driving_status([(date(2024, 11, 22), 12)], TODAY) is None


def test_the_window_includes_the_day_two_years_ago_and_today() -> None:
    status = driving_status([(date(2024, 11, 23), 4), (TODAY, 4), (date(2024, 11, 22), 9)], TODAY)
    assert status is not None
    assert (status.points, status.level, status.since) == (8, DrivingLevel.REVIEW, date(2024, 11, 23))
    assert status.last_violation == TODAY


def test_a_violation_dated_after_today_is_not_counted() -> None:
    assert driving_status([(date(2026, 11, 24), 12)], TODAY) is None


def test_the_window_of_a_leap_day_starts_on_28_february() -> None:
    assert window_start(date(2028, 2, 29)) == date(2026, 2, 28)
