"""Calendar spans counted in the merchant's time zone (shared by coupons and their templates).

"Valid for N days" has two meanings in Chinese malls. The exact one adds
N x 24 hours to a timestamp and needs no calendar. The calendar one, kept
here, runs to the end of the N-th calendar day counted from the day of the
start (day 1), in the merchant's time zone:

>>> from datetime import datetime, timezone
>>> end = end_of_calendar_days(datetime(2026, 3, 1, 10, tzinfo=timezone.utc), 7, "Asia/Shanghai")
>>> end.isoformat()
'2026-03-08T00:00:00+08:00'

(claimed 1 March 18:00 in Shanghai, day 1 is 1 March, day 7 is 7 March,
which ends at midnight starting 8 March.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil import tz

from mallcore.errors import InvalidValue

__all__ = ["end_of_calendar_days"]


def end_of_calendar_days(start: datetime, days: int, time_zone: str) -> datetime:
    """The midnight in ``time_zone`` ending the ``days``-th calendar day from ``start``'s day.

    ``start``'s own day is day 1, so ``days=1`` ends at the next local
    midnight. The result carries the ``time_zone`` itself (wall-clock days,
    so a daylight-saving change in between does not move it off midnight).
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidValue("start", start, "must be a timezone-aware datetime")
    zone = tz.gettz(time_zone)
    if zone is None:
        raise InvalidValue("time_zone", time_zone, "is not an IANA time zone name")
    local = start.astimezone(zone)
    midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
    return midnight + timedelta(days=days)
