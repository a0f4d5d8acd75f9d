"""The demo's cast: the companies that register (their names, kinds, territories,
business lines and size), the people who represent them or facilitate a group, the
acquirers and the reasons to resign, when companies arrive and when groups are formed.

Every draw comes from the generator the caller hands in, in a fixed order: the same seed
gives the same cast.
"""

import random

import attrs

from peernet import CompanyKind, GroupFormat, GroupKind, Profile, Territory

_MIDWEST = (
    "iowa",
    "nebraska",
    "minnesota",
    "south dakota",
    "north dakota",
    "missouri",
    "kansas",
    "wisconsin",
    "illinois",
    "indiana",
    "michigan",
    "ohio",
)
_REST_OF_US = (
    "texas",
    "california",
    "colorado",
    "arizona",
    "utah",
    "washington",
    "oregon",
    "florida",
    "georgia",
    "north carolina",
    "tennessee",
    "kentucky",
    "oklahoma",
    "arkansas",
    "louisiana",
    "new york",
    "pennsylvania",
    "new jersey",
    "massachusetts",
    "virginia",
    "maryland",
    "alabama",
    "idaho",
    "montana",
    "nevada",
    "new mexico",
)
_CANADA = ("ontario", "alberta", "british columbia", "manitoba", "saskatchewan", "nova scotia")

_LINES: dict[CompanyKind, tuple[str, ...]] = {
    CompanyKind.MSP: ("networking", "security", "backup and recovery", "voip", "hosting"),
    CompanyKind.RESELLER: ("hardware", "networking", "voip", "security", "document management"),
    CompanyKind.ISV: ("custom software", "erp", "crm", "web development", "document management"),
    CompanyKind.CONSULTANT: ("erp", "crm", "accounting software", "training", "security"),
    CompanyKind.OTHER: ("training", "hardware", "web development"),
}
_KINDS = (
    (CompanyKind.RESELLER, 34),
    (CompanyKind.MSP, 36),
    (CompanyKind.ISV, 10),
    (CompanyKind.CONSULTANT, 15),
    (CompanyKind.OTHER, 5),
)
_SUFFIXES: dict[CompanyKind, tuple[str, ...]] = {
    CompanyKind.MSP: ("Managed IT", "Networks", "Technology Group", "IT Services", "Systems"),
    CompanyKind.RESELLER: ("Computer", "Technologies", "Solutions", "Data Systems", "Computing"),
    CompanyKind.ISV: ("Software", "Business Software", "Labs", "Applications"),
    CompanyKind.CONSULTANT: ("Consulting", "Advisors", "Partners", "Business Solutions"),
    CompanyKind.OTHER: ("Learning", "Supply", "Digital"),
}
_PREFIXES = (
    "Prairie", "Cedar", "Riverbend", "Summit", "Keystone", "Northwind", "Bluestem", "Ironwood",
    "Lakeshore", "Frontier", "Harbor", "Granite", "Meridian", "Pioneer", "Copper", "Redwood",
    "Silverline", "Bridgewater", "Crossroads", "Evergreen", "Highland", "Landmark", "Liberty",
    "Maple", "Oakridge", "Pinnacle", "Sandhill", "Timberline", "Valley", "Westfield", "Beacon",
    "Cornerstone", "Clearwater", "Stonebridge", "Ridgeview", "Horizon", "Trailhead", "Big Sky",
    "Gateway", "Heartwood", "Bluewater", "Red Cliff", "Sunflower", "Great Plains", "Juniper",
)  # fmt: skip
_FIRST = (
    "Dana", "Lee", "Morgan", "Pat", "Chris", "Jordan", "Terry", "Robin", "Casey", "Jamie",
    "Alex", "Sam", "Kim", "Leslie", "Shawn", "Toby", "Avery", "Drew", "Erin", "Kelly",
)  # fmt: skip
_LAST = (
    "Whitfield", "Larsen", "Okafor", "Brennan", "Duval", "Hollis", "Marsh", "Castillo",
    "Lindqvist", "Nakamura", "Pryor", "Sauer", "Tremblay", "Vance", "Weller", "Yoder",
)  # fmt: skip
_BANDS = ((10, "under 1M"), (25, "1-5M"), (60, "5-10M"), (150, "10-25M"), (10_000, "25M+"))

ACQUIRERS = (
    "Brightwave Holdings",
    "Coastline Systems Group",
    "Pinegate Capital",
    "United Channel Partners",
    "Cobalt Managed Services",
    "Northgate Solutions Inc.",
)
RESIGNATIONS = (
    "the time commitment no longer fits",
    "the owner retired",
    "refocused on a new line of business",
    "moved out of the IT channel",
    "joined a vendor's partner council instead",
)
#: the five founders of August 2001: their kinds and business lines
FOUNDERS = (
    (CompanyKind.RESELLER, ("networking", "hardware")),
    (CompanyKind.CONSULTANT, ("erp", "accounting software")),
    (CompanyKind.ISV, ("crm", "web development")),
    (CompanyKind.MSP, ("managed services", "voip")),
    (CompanyKind.OTHER, ("training", "document management")),
)
#: companies that join each year (the five founders come on top in 2001)
ARRIVALS = {2001: 2, 2002: 15, 2003: 18, 2004: 20, 2005: 24, 2006: 30, 2007: 36, 2008: 46}
LATER_ARRIVALS = 56
COUNTRIES = {"CA": "Canada", "US": "United States"}


def person(rng: random.Random) -> str:
    """A first and a last name."""
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def new_profile(
    rng: random.Random,
    taken: set[str],
    year: int,
    kind: CompanyKind | None = None,
    region: str | None = None,
) -> Profile:
    """A new company's profile, named unlike any in `taken` (the name is added to it),
    from a region drawn by the year's weights unless `region` names one."""
    kind = kind or rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
    country = "US"
    for _ in range(100):
        name = f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES[kind])}"
        if name not in taken:
            break
    else:
        name = f"{name} {len(taken)}"
    taken.add(name)
    if region is None:
        country, region = _territory(rng, year)
    lines = rng.sample(_LINES[kind], rng.randint(1, 2))
    if kind is CompanyKind.MSP:
        lines.append("managed services")
    head_count = max(3, min(400, int(rng.lognormvariate(3.0, 0.7))))
    band = next(b for limit, b in _BANDS if head_count <= limit)
    return Profile(
        name=name,
        kind=kind,
        territory=Territory(country, region),
        business_lines=frozenset(lines),
        head_count=head_count,
        revenue_band=band,
        representatives=(person(rng),),
    )


def _territory(rng: random.Random, year: int) -> tuple[str, str]:
    weights = (85, 15, 0) if year < 2004 else (50, 44, 6) if year < 2007 else (30, 60, 10)
    pool = rng.choices((_MIDWEST, _REST_OF_US, _CANADA), weights)[0]
    return ("CA" if pool is _CANADA else "US"), rng.choice(pool)


@attrs.frozen(kw_only=True)
class GroupPlan:
    """A group the network forms, and when."""

    name: str
    year: int
    month: int
    format: GroupFormat = GroupFormat.IN_PERSON
    kind: GroupKind = GroupKind.CORE
    territory: Territory | None = None
    capacity: int = 12


def group_plans() -> tuple[GroupPlan, ...]:
    """Nineteen in-person groups (the eleventh in Canada), five online and a companion
    group for marketing managers, 2001-2009."""
    in_person = [
        (2001, 8), (2002, 6), (2003, 3), (2004, 2), (2005, 4), (2006, 1), (2006, 9),
        (2007, 3), (2007, 10), (2008, 4), (2008, 6), (2008, 8), (2008, 10), (2008, 12),
        (2009, 2), (2009, 3), (2009, 5), (2009, 7), (2009, 9),
    ]  # fmt: skip
    plans = [
        GroupPlan(
            name=f"HTG {n}",
            year=year,
            month=month,
            capacity=10 if year < 2003 else 12,
            territory=Territory("CA") if n == 11 else None,
        )
        for n, (year, month) in enumerate(in_person, start=1)
    ]
    online = [(2008, 9), (2008, 11), (2009, 1), (2009, 4), (2009, 6)]
    plans += [
        GroupPlan(name=f"HTG Online {n}", year=year, month=month, format=GroupFormat.VIRTUAL)
        for n, (year, month) in enumerate(online, start=1)
    ]
    plans.append(
        GroupPlan(name="HTG Marketing Managers", year=2008, month=3, kind=GroupKind.COMPANION)
    )
    return tuple(plans)
