"""Hypothesis strategies for peernet's values and commands.

They draw from small vocabularies (`territories()`, `profiles()`, `charters(capacity=3)`,
`register_company_commands()`, `form_group_commands()`...) so that competitors meet and
groups fill. Installing peernet registers `Territory`, `Profile` and `Charter` with
Hypothesis (the `hypothesis` entry point names `_hypothesis_setup_hook` below), so
`st.from_type(Charter)` works too.
"""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar


def _hypothesis_setup_hook() -> None:
    """Register peernet's strategies for `st.from_type(Territory | Profile | Charter)`.

    Hypothesis calls this through the `hypothesis` entry point in pyproject.toml when it is
    imported. It is defined before this module imports Hypothesis, and registers lazy
    callables, so it works whichever of the two is imported first.
    """
    from hypothesis import strategies as st  # noqa: PLC0415 - Hypothesis may still be importing

    from peernet.domain.charters import Charter  # noqa: PLC0415 - this module may be, too
    from peernet.domain.common import Territory  # noqa: PLC0415
    from peernet.domain.companies import Profile  # noqa: PLC0415

    st.register_type_strategy(Territory, lambda _: territories())
    st.register_type_strategy(Profile, lambda _: profiles())
    st.register_type_strategy(Charter, lambda _: charters())


# Hypothesis is imported after the hook above exists: importing Hypothesis runs its entry
# points, which load `peernet.testing.strategies:_hypothesis_setup_hook` from this very module.
from hypothesis import strategies as st  # noqa: E402

from peernet.domain.charters import Charter, GroupFormat, GroupKind  # noqa: E402
from peernet.domain.common import Territory  # noqa: E402
from peernet.domain.companies import CompanyKind, Profile, RegisterCompany  # noqa: E402
from peernet.domain.groups import FormGroup  # noqa: E402
from peernet.testing.builders import T0  # noqa: E402

T = TypeVar("T")

#: the small vocabularies strategies draw from, so that competitors actually meet
COUNTRIES = ("US", "CA")
REGIONS: tuple[str | None, ...] = (None, "east", "west")
BUSINESS_LINES = ("managed services", "cloud", "security")
COMPANY_NAMES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")
#: the time zones commands are dated in (peernet keeps every time in UTC)
TIMEZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=10)))


def _strategy(value: "T | st.SearchStrategy[T]") -> "st.SearchStrategy[T]":
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def territories() -> st.SearchStrategy[Territory]:
    """Territories of two countries and two regions (or the whole country), so that
    drawn territories overlap often."""
    return st.builds(Territory, st.sampled_from(COUNTRIES), st.sampled_from(REGIONS))


def profiles(
    *, territory: "st.SearchStrategy[Territory] | None" = None
) -> st.SearchStrategy[Profile]:
    """Company profiles from small vocabularies: about one pair in four competes."""
    return st.builds(
        Profile,
        name=st.sampled_from(COMPANY_NAMES),
        kind=st.sampled_from(CompanyKind),
        territory=territory if territory is not None else territories(),
        business_lines=st.frozensets(st.sampled_from(BUSINESS_LINES), min_size=1, max_size=2),
        head_count=st.integers(0, 500),
        revenue_band=st.sampled_from(("<1M", "1-5M", "5-20M")),
    )


def charters(**fixed: object) -> st.SearchStrategy[Charter]:
    """Charters with small capacities (1-5) so that groups fill, each rule switched on or
    off, and short virtual programmes (1-3 months). A keyword fixes a field to a value,
    or to a strategy: `charters(capacity=3, non_compete=False)`."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "capacity": st.integers(1, 5),
        "non_compete": st.booleans(),
        "one_core_group": st.booleans(),
        "agreement_required": st.booleans(),
        "programme_months": st.integers(1, 3),
    }
    fields.update({name: _strategy(value) for name, value in fixed.items()})
    return st.fixed_dictionaries(fields).map(lambda values: Charter(**values))


def times(
    *, min_value: datetime = T0, max_value: datetime = datetime(2030, 1, 1, tzinfo=UTC)
) -> st.SearchStrategy[datetime]:
    """Timezone-aware business times between two instants, in a few time zones."""
    naive_min = min_value.astimezone(UTC).replace(tzinfo=None)
    naive_max = max_value.astimezone(UTC).replace(tzinfo=None)
    return st.datetimes(naive_min, naive_max, timezones=st.just(UTC)).flatmap(
        lambda at: st.sampled_from(TIMEZONES).map(at.astimezone)
    )


def actors() -> st.SearchStrategy[str]:
    """Who gives a command: a few staff names."""
    return st.sampled_from(("staff", "facilitator", "admin"))


def register_company_commands(
    *,
    profiles: "st.SearchStrategy[Profile] | None" = None,
    at: "st.SearchStrategy[datetime] | None" = None,
) -> st.SearchStrategy[RegisterCompany]:
    """`RegisterCompany` commands for drawn profiles, at drawn (aware) times."""
    return st.builds(
        RegisterCompany,
        actor=actors(),
        at=at if at is not None else times(),
        profile=profiles if profiles is not None else _profiles(),
        company_id=st.uuids(),
    )


def form_group_commands(
    *,
    charters: "st.SearchStrategy[Charter] | None" = None,
    at: "st.SearchStrategy[datetime] | None" = None,
) -> st.SearchStrategy[FormGroup]:
    """`FormGroup` commands: core, companion or special-interest, in person or virtual,
    under drawn charters (by default `charters()`)."""
    return st.builds(
        FormGroup,
        actor=actors(),
        at=at if at is not None else times(),
        name=st.sampled_from(("Forum 1", "Forum 2", "Online A", "Marketing")),
        format=st.sampled_from(GroupFormat),
        kind=st.sampled_from(GroupKind),
        territory=st.none() | territories(),
        charter=charters if charters is not None else _charters(),
        group_id=st.uuids(),
    )


# the keyword arguments above shadow these two strategies inside their functions
_profiles = profiles
_charters = charters
