"""Small exact helpers for the demo generator: money in integer units, time, random choices.

Everything here is deterministic across machines: money is integer cents or micro-units (never
binary floats), randomness comes from a caller's ``random.Random`` and only uses operations whose
results are exact in IEEE arithmetic (no ``gauss``/``expovariate``, which go through libm).
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

T = TypeVar("T")

DAY = timedelta(days=1)


# -- money -------------------------------------------------------------------------------------


def div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even to an integer (exact)."""
    assert denominator > 0
    q, r = divmod(numerator, denominator)
    twice = 2 * r
    if twice > denominator or (twice == denominator and q % 2 == 1):
        q += 1
    return q


def cents(value: int) -> str:
    """Integer cents -> decimal string with two fractional digits ("-12.05")."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 100)
    return f"{sign}{whole}.{frac:02d}"


def micros(value: int) -> str:
    """Integer micro-units -> decimal string with six fractional digits."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 1_000_000)
    return f"{sign}{whole}.{frac:06d}"


def millis(value: int) -> str:
    """Integer thousandths -> a plain decimal string ("12.345", "7")."""
    whole, frac = divmod(value, 1000)
    return f"{whole}.{frac:03d}" if frac else str(whole)


def percent_of(amount_cents: int, basis_points: int) -> int:
    """``amount * basis_points / 10_000`` in cents, rounded half-even."""
    return div_round(amount_cents * basis_points, 10_000)


# -- time --------------------------------------------------------------------------------------


def iso(moment: datetime, zone: tzinfo) -> str:
    """An instant as ISO 8601 in ``zone`` with its offset (whole seconds)."""
    return moment.astimezone(zone).isoformat()


def add_months(moment: datetime, months: int, zone: tzinfo) -> datetime:
    """``moment`` plus whole calendar months on the wall clock of ``zone`` (day clamped)."""
    local = moment.astimezone(zone)
    index = local.year * 12 + local.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    shifted = datetime(year, month, day, local.hour, local.minute, local.second, tzinfo=zone)
    return shifted.astimezone(UTC)


def local_moment(day: date, seconds: int, zone: tzinfo) -> datetime:
    """The instant ``seconds`` after local midnight of ``day`` in ``zone``, in UTC.

    Callers pass times between 07:00 and 23:00 so that no daylight-saving gap is involved.
    """
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return datetime.combine(day, time(hours, minutes, secs), tzinfo=zone).astimezone(UTC)


_HOUR_WEIGHTS = (3, 6, 8, 8, 7, 6, 7, 7, 6, 5, 4, 3, 3, 2)


def business_seconds(rng: random.Random) -> int:
    """A time of day between 08:00 and 21:59:59, weighted towards office hours."""
    hour = weighted(rng, tuple(zip(range(8, 22), _HOUR_WEIGHTS, strict=True)))
    return hour * 3600 + rng.randrange(3600)


def pick_moment(
    rng: random.Random, after: datetime, before: datetime, zone: tzinfo
) -> datetime | None:
    """A random business-hours instant on a local day strictly after ``after``'s local day and
    strictly before ``before``'s local day; None when there is no such day."""
    first = after.astimezone(zone).date() + DAY
    last = before.astimezone(zone).date() - DAY
    if last < first:
        return None
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    return local_moment(day, business_seconds(rng), zone)


def seconds_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


# -- random choices ----------------------------------------------------------------------------


def weighted(rng: random.Random, options: Sequence[tuple[T, int]]) -> T:
    """One of ``options`` (value, integer weight), chosen with integer arithmetic."""
    total = sum(w for _, w in options)
    point = rng.randrange(total)
    for value, w in options:
        if point < w:
            return value
        point -= w
    raise AssertionError("unreachable")


def chance(rng: random.Random, per_mille: int) -> bool:
    """True with probability ``per_mille`` / 1000."""
    return rng.randrange(1000) < per_mille


ALNUM_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Anders",
    "Aiko",
    "Beatriz",
    "Bruno",
    "Camille",
    "Chen",
    "Dario",
    "Divya",
    "Elena",
    "Emeka",
    "Farah",
    "Felix",
    "Grace",
    "Hannah",
    "Hiro",
    "Ines",
    "Ivan",
    "Jonas",
    "Julia",
    "Kofi",
    "Lars",
    "Leila",
    "Lucas",
    "Maya",
    "Mateo",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Samir",
    "Sofia",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zoe",
    "Zain",
)
LAST_NAMES = (
    "Adeyemi",
    "Andersen",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Silva",
    "Tanaka",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
)
COMPANY_WORDS = (
    "Acorn",
    "Aurora",
    "Basalt",
    "Beacon",
    "Cedar",
    "Cobalt",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Helix",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Onyx",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Summit",
    "Tidal",
    "Umbra",
    "Vertex",
    "Willow",
    "Zenith",
    "Sparrow",
)
COMPANY_SUFFIXES = (
    "Labs",
    "Systems",
    "Analytics",
    "Studio",
    "Works",
    "Logistics",
    "Health",
    "Media",
    "Foods",
    "Robotics",
    "Consulting",
    "Retail",
)


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
