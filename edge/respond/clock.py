"""The time and the date in words, from a clock passed in. Pure."""

from __future__ import annotations

import datetime as dt


def say_time(now: dt.datetime, hour_24: bool = False) -> str:
    """ "It's 7:05 PM." (12-hour) or "It's 19:05." (24-hour)."""
    if hour_24:
        return f"It's {now.hour}:{now.minute:02d}."
    hour = now.hour % 12 or 12
    return f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."


def say_date(now: dt.datetime) -> str:
    """ "It's Wednesday, November 25." """
    return f"It's {now.strftime('%A')}, {now.strftime('%B')} {now.day}."
