"""Calendar arithmetic the rules share."""

from datetime import date


def add_years(day: date, years: int) -> date:
    """The same day `years` later (or earlier, when negative); 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
