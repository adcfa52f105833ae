"""Working days by the State Council's holiday schedule, adjusted working days (调休) included.

`chinese_calendar` carries the official schedule year by year; for a year it does not cover we
refuse to count (`CalendarUnknown`) rather than guess from weekdays.
"""
from __future__ import annotations

import datetime as dt

import chinese_calendar


class CalendarUnknown(ValueError):
    """The holiday schedule of a year is not known to this installation."""


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarUnknown(f"the official holiday schedule of {day.year} is not known ({exc})") from exc


def working_days(start: dt.date, end: dt.date, *, first_day_counts: bool = True) -> int:
    """Working days from `start` to `end`, both included (`start` left out if not `first_day_counts`)."""
    day = start if first_day_counts else start + dt.timedelta(days=1)
    count = 0
    while day <= end:
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    return count
