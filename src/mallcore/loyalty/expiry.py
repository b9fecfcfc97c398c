"""When earned points expire: the expiry policies of a points programme.

Every policy counts in the merchant's ``time_zone`` and answers with the
first instant the points are gone (the midnight that ends their last day),
so a lot is expired at ``now`` when ``expires_at <= now``:

- ``NEVER``: points never expire;
- ``DAYS_AFTER``: at the end of the ``days``-th day after the day earned
  (earned 1 March with 30 days: usable through 31 March);
- ``END_OF_MONTH``: at the end of the month earned;
- ``END_OF_YEAR``: at the end of the year earned;
- ``END_OF_NEXT_YEAR``: at the end of the year after (earned any day of
  2026: usable through 31 December 2027), the rule of most Chinese malls.

Every policy is monotone: a later earning never expires earlier. That is
why spending by creation order is also spending by expiry under one policy.

>>> from datetime import datetime, timezone
>>> policy = ExpiryPolicy(rule=ExpiryRule.END_OF_NEXT_YEAR, time_zone="Asia/Shanghai")
>>> policy.expires_at(datetime(2026, 3, 1, tzinfo=timezone.utc)).isoformat()
'2028-01-01T00:00:00+08:00'
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

import attrs
from dateutil import tz
from dateutil.relativedelta import relativedelta

from mallcore import _fields
from mallcore.errors import InvalidValue

__all__ = ["ExpiryPolicy", "ExpiryRule", "local_midnight"]


class ExpiryRule(enum.Enum):
    """How the expiry instant of a lot follows from when it was earned."""

    NEVER = "never"
    """The points never expire."""
    DAYS_AFTER = "days_after"
    """At the end of the ``days``-th day after the day the points were earned."""
    END_OF_MONTH = "end_of_month"
    """At the end of the calendar month they were earned in."""
    END_OF_YEAR = "end_of_year"
    """At the end of the calendar year they were earned in."""
    END_OF_NEXT_YEAR = "end_of_next_year"
    """At the end of the calendar year after the one they were earned in."""


def local_midnight(moment: datetime, time_zone: str) -> datetime:
    """The midnight that starts ``moment``'s day in ``time_zone``.

    >>> from datetime import datetime, timezone
    >>> local_midnight(datetime(2026, 3, 1, 20, tzinfo=timezone.utc), "Asia/Shanghai").isoformat()
    '2026-03-02T00:00:00+08:00'
    """
    zone = tz.gettz(_fields.time_zone("time_zone", time_zone))
    local = _fields.aware("moment", moment).astimezone(zone)
    return datetime(local.year, local.month, local.day, tzinfo=zone)


@attrs.frozen(kw_only=True)
class ExpiryPolicy:
    """A rule for the expiry of earned points, in the merchant's time zone."""

    rule: ExpiryRule = ExpiryRule.END_OF_NEXT_YEAR
    days: int | None = None
    time_zone: str = attrs.field(default="Asia/Shanghai", validator=_fields.time_zone_field)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.rule, ExpiryRule):
            raise InvalidValue("rule", self.rule, "must be an ExpiryRule")
        if self.rule is ExpiryRule.DAYS_AFTER:
            if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
                raise InvalidValue("days", self.days, "must be a whole number of at least 1")
        elif self.days is not None:
            raise InvalidValue("days", self.days, f"is only used with {ExpiryRule.DAYS_AFTER}")

    def expires_at(self, earned_at: datetime) -> datetime | None:
        """The first instant points earned at ``earned_at`` are gone (None: never)."""
        midnight = local_midnight(earned_at, self.time_zone)
        if self.rule is ExpiryRule.NEVER:
            return None
        if self.rule is ExpiryRule.DAYS_AFTER:
            end = midnight + timedelta(days=(self.days or 0) + 1)
        elif self.rule is ExpiryRule.END_OF_MONTH:
            end = midnight + relativedelta(day=1, months=1)
        else:
            years = 1 if self.rule is ExpiryRule.END_OF_YEAR else 2
            end = midnight + relativedelta(month=1, day=1, years=years)
        # The same instant at a fixed offset: comparing it (every spend does) needs no zone rules.
        return end.replace(tzinfo=timezone(end.utcoffset() or timedelta(0)))
