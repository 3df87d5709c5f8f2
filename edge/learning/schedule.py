"""When the hub mines next: nightly at a local time, or every N hours (pure; the caller passes the clock)."""

from __future__ import annotations

from datetime import datetime, timedelta


def next_mining_time(
    now: datetime, *, mine_at: str = "03:00", every_h: float = 0.0, last: datetime | None = None
) -> datetime | None:
    """The next time to mine after ``now`` (naive local or aware, like ``now``); None when no schedule is set.

    every_h > 0 wins over mine_at: ``last + every_h`` (or now when it never ran).
    Otherwise the next ``mine_at`` (HH:MM) strictly after ``now``, or today's if
    it passed since ``last`` without a run (a hub that was off at 03:00 mines on start).
    """
    if every_h > 0:
        if last is None:
            return now
        return max(now, last + timedelta(hours=every_h))
    if not mine_at:
        return None
    hour, minute = (int(x) for x in mine_at.split(":"))
    today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if today <= now:
        if last is not None and last < today:
            return now  # missed tonight's run
        return today + timedelta(days=1)
    return today
