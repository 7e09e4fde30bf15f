"""When to reach an account: business days and hours in its country's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

BUSINESS_START = time(9)
BUSINESS_END = time(17)
# Countries spanning several zones: the zone of the main business centre. Others take the first
# zone the tz database lists for them.
MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "DE": "Europe/Berlin",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
}


@cache
def _zones_by_country() -> dict[str, str]:
    zones: dict[str, str] = {}
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    for line in table.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coordinates, zone, *_ = line.split("\t")
        zones.setdefault(code, zone)
    return zones | MAIN_ZONES


def zone_for(country_code: str | None) -> str | None:
    """Return the IANA zone for an ISO 3166 alpha-2 code, or None when the code is unknown."""
    if not country_code:
        return None
    return _zones_by_country().get(country_code.upper())


def add_business_days(day: date, days: int) -> date:
    """`day` moved forward by `days` weekdays; a weekend `day` first moves to Monday."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def window(
    start_day: date, business_days: int, zone: str, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """Return the window from 09:00 on the first business day to 17:00 on the last, in `zone`.

    The window never starts in the past: from `now` on, when that is later than `start_day`,
    and from the next business day once today's business hours are over.
    """
    tz = ZoneInfo(zone)
    first = start_day
    opens = BUSINESS_START
    if now is not None:
        local = now.astimezone(tz)
        if local.date() > first:
            first = local.date()
        if local.date() == first and first.weekday() < 5:
            if local.time() >= BUSINESS_END:
                first += timedelta(days=1)
            elif local.time() > BUSINESS_START:
                # From the next full hour; after 16:00 that is the close, so tomorrow.
                hour = local.hour + (1 if local.minute or local.second else 0)
                if hour >= BUSINESS_END.hour:
                    first += timedelta(days=1)
                else:
                    opens = time(hour)
    first_business = add_business_days(first, 0)
    if first_business != first:
        opens = BUSINESS_START
    last = add_business_days(first_business, max(business_days - 1, 0))
    return (
        datetime.combine(first_business, opens, tzinfo=tz),
        datetime.combine(last, BUSINESS_END, tzinfo=tz),
    )
