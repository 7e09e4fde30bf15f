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


def window(start_day: date, business_days: int, zone: str) -> tuple[datetime, datetime]:
    """From 09:00 on the first business day to 17:00 on the last, in `zone`."""
    tz = ZoneInfo(zone)
    first = add_business_days(start_day, 0)
    last = add_business_days(first, max(business_days - 1, 0))
    return (
        datetime.combine(first, BUSINESS_START, tzinfo=tz),
        datetime.combine(last, BUSINESS_END, tzinfo=tz),
    )
