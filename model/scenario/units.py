"""Units and calendar conventions shared by every module.

Simulation time is measured in WORKING DAYS (Monday to Friday). A year has 261 working days (52.2 weeks x 5);
bank holidays are treated as planned leave for host staff, not as missing days, so the clock stays uniform.
Money is in pounds per year at the boundaries; the optimiser works in thousands of pounds internally.
"""

from __future__ import annotations

WORKING_DAYS_PER_YEAR: float = 261.0
MONTHS_PER_YEAR: int = 12
WORKING_DAYS_PER_MONTH: float = WORKING_DAYS_PER_YEAR / MONTHS_PER_YEAR  # 21.75
WORKING_DAYS_PER_WEEK: float = 5.0


def months_to_days(months: float) -> float:
    """Convert calendar months to working days (21.75 working days per month)."""
    return months * WORKING_DAYS_PER_MONTH


def days_to_months(days: float) -> float:
    """Convert working days to calendar months."""
    return days / WORKING_DAYS_PER_MONTH


def per_year_to_per_day(rate_per_year: float) -> float:
    """Convert an annual rate (events per year) to events per working day."""
    return rate_per_year / WORKING_DAYS_PER_YEAR
