"""Calendar days in the user's time zone: the database keeps UTC, people live in local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


def local(moment: datetime, tz: tzinfo | None) -> datetime:
    """``moment`` in ``tz``; None means the system's local zone (with its daylight saving rules)."""
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def local_date(moment: datetime, tz: tzinfo | None) -> date:
    return local(moment, tz).date()


def start_of_local_day(moment: datetime, tz: tzinfo | None) -> datetime:
    """The UTC instant at which the local day containing ``moment`` began."""
    day = local(moment, tz)
    midnight = datetime.combine(day.date(), time(0), tzinfo=day.tzinfo)
    if tz is None:
        midnight = datetime.combine(day.date(), time(0)).astimezone()
    return midnight.astimezone(UTC)
